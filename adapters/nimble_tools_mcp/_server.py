"""``NimbleMCPServer``: the operations as MCP tools, on the low-level server of the ``mcp`` 2.x SDK.

The low-level server takes the operations' JSON schemas as they are and leaves validation to the
handler, which hands the arguments to the view's one call path (``ToolView.arun``): its own
validation then names the tool and field in its message. Results carry the envelope twice, as
``structuredContent`` (checked by clients against ``outputSchema``) and as a JSON text block for
older clients. Failures the model can fix come back as ``isError`` results; an unknown tool name is
a protocol error (``-32602``), as the specification asks, and so is an internal failure (``-32603``,
without Python's text).

Destructive calls wait for the user by default: the server asks through MCP elicitation when the
client supports it (``approve="elicit"``, the default), and a token the model sends is then never
consulted. For clients that cannot elicit, destructive tools take a ``confirm_token`` argument: a
held call answers with a preview and a token, and the model repeats it once the user agreed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation, UnknownOperationError
from nimble_tools.adapter_support import (
    ENVELOPE_JSON_SCHEMA,
    close_names,
    content_of,
    published_model_schema,
    select_tools,
    structured_of,
)
from nimble_tools.approval import ELICIT, Approval, ApprovalRequest, Approver
from nimble_tools.toolsets import ToolsetLike, ToolView

from ._serving import http_app, serve, serve_stdio

__all__ = ["APPROVAL_SCHEMA", "INSTRUCTIONS", "NimbleMCPServer", "mcp_server", "tool_definition"]

logger = logging.getLogger("nimble_tools.mcp")
TARGET = "mcp"
APPROVAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"approve": {"type": "boolean", "title": "Approve", "description": "Run this change now?"}},
    "required": ["approve"],
}
"""The form an elicitation asks the user to fill in for a held call."""

INSTRUCTIONS = (
    "Tools for the Nimble CRM. Every tool returns {result, next_cursor}: list tools take limit and "
    "next_cursor (pass the previous next_cursor back for the next page). Search before creating, to "
    "avoid duplicates. Errors say what to fix; nothing is sent to Nimble when the arguments are invalid."
)


def tool_definition(
    operation: Operation, params: Any = None, *, input_schema: dict[str, Any] | None = None
) -> types.Tool:
    """The MCP tool for ``operation``: schemas, and annotations from its flags.

    ``params`` is the parameters model it is offered with (default: the operation's own);
    ``input_schema``, when given, is that model's published schema already made.
    """
    return types.Tool(
        name=operation.name,
        title=operation.display_title,
        description=operation.description,
        input_schema=input_schema if input_schema is not None else published_model_schema(params or operation.params),
        output_schema=ENVELOPE_JSON_SCHEMA,
        annotations=types.ToolAnnotations(
            title=operation.display_title,  # what a person approving the call sees
            read_only_hint=operation.read_only,
            destructive_hint=operation.may_destroy,
            idempotent_hint=operation.idempotent,
            open_world_hint=True,  # every tool talks to Nimble, an outside system
        ),
    )


class _AskTheClient(Exception):
    """The user must answer first: since protocol 2026-07-28 the tool returns the question."""

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__(request.question)
        self.request = request


class NimbleMCPServer(Server[Any]):
    """An MCP server whose tools are a toolkit's operations, all called for one account.

    Use it in-process (``mcp.Client(server)``), or serve it with :meth:`serve` (stdio or streamable
    HTTP).

    Args:
        toolkit: the toolkit every call goes through.
        operations: the tools, as a view (:mod:`nimble_tools.toolsets`) whose calls route through
            it, or registered operations (confirmed as ``approve`` says).
        account: the connected account every call of this server is made for.
        name: the server name clients see.
        approve: who confirms destructive calls: ``"elicit"`` (the default: the client asks its
            user, or the token conversation where it cannot), None (always the token conversation),
            a function ``(ApprovalRequest) -> bool``, True or False.
    """

    def __init__(
        self,
        toolkit: NimbleToolkit,
        operations: Iterable[Operation] | ToolView,
        *,
        account: str | None = None,
        name: str = "nimble",
        approve: Approval = ELICIT,
    ) -> None:
        from nimble_tools import __version__

        super().__init__(
            name,
            version=__version__,
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
            get_tool_input_schema=self._input_schema,
        )
        self.toolkit = toolkit
        self.account = account
        self.view = (
            operations
            if isinstance(operations, ToolView)
            else select_tools(
                toolkit, [op.name for op in operations], approve=approve, target=TARGET, mechanisms=(ELICIT,)
            )
        )
        self.approve: Approval = self.view.approve
        self.operations = dict(self.view)
        # Each schema from the view, which takes it from the schema cache while that is current: a
        # server then lists its tools without defining a model (see nimble_tools._schema_cache).
        schemas = self.view.input_schemas()
        self.tools = [tool_definition(op, input_schema=schemas[name]) for name, op in self.operations.items()]
        self._schemas = {tool.name: tool.input_schema for tool in self.tools}

    def __repr__(self) -> str:
        return f"<NimbleMCPServer {self.name!r}: {len(self.tools)} tools>"

    def _input_schema(self, name: str) -> dict[str, Any] | None:
        return self._schemas.get(name)

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(self.tools))

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if params.name not in self.operations:
            unknown = UnknownOperationError(params.name, suggestions=close_names(params.name, self.operations))
            raise MCPError(code=types.INVALID_PARAMS, message=unknown.for_model())
        try:
            result = await self.view.arun(
                params.name,
                params.arguments,
                account=self.account,
                approve=self._approver(ctx, params),
                call_id=str(ctx.request_id),
            )
        except NimbleToolsError as error:
            return types.CallToolResult(content=[types.TextContent(type="text", text=error.for_model())], is_error=True)
        except _AskTheClient as asking:
            form = types.ElicitRequestFormParams(message=asking.request.question, requested_schema=APPROVAL_SCHEMA)
            return types.InputRequiredResult(input_requests={_APPROVAL_KEY: types.ElicitRequest(params=form)})
        except Exception:  # a bug must not reach the client as Python's text
            logger.exception("MCP tool %s failed", params.name)
            raise MCPError(code=types.INTERNAL_ERROR, message=f"{params.name} failed inside the server.") from None
        text = content_of(result)  # the envelope's JSON, once: the structured content is the same data
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=structured_of(result, text)
        )

    def _approver(self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> Approver | bool | None:
        """The approver of this call: the client's user where it can elicit, else as configured.

        Since protocol 2026-07-28 a server may not send requests of its own: the tool answers
        ``InputRequiredResult`` with the question, and the client repeats the call with the user's
        answer in ``input_responses`` (previewed again, so it applies to the same call). Older
        clients are asked directly.
        """
        if self.approve != ELICIT:
            return self.approve  # type: ignore[return-value]
        if not _can_elicit(ctx):
            return None  # the token conversation
        answered = (params.input_responses or {}).get(_APPROVAL_KEY)
        if isinstance(answered, types.ElicitResult):
            return lambda _request: _approved(answered)
        if ctx.protocol_version >= _MULTI_ROUND_TRIP:

            def ask_later(request: ApprovalRequest) -> bool:
                raise _AskTheClient(request)

            return ask_later

        async def ask_now(request: ApprovalRequest) -> bool:
            return _approved(await ctx.session.elicit_form(request.question, APPROVAL_SCHEMA, ctx.request_id))

        return ask_now

    # -- serving (see _serving.py) ----------------------------------------------------------------

    async def serve_stdio(self) -> None:
        """Serve one client over this process's stdin and stdout until it disconnects.

        A line that is not a JSON-RPC message is answered with a JSON-RPC parse error (``-32700``).
        """
        await serve_stdio(self)

    def http_app(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        path: str = "/mcp",
        *,
        bearer_token: str | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> Any:
        """The streamable-HTTP ASGI app, Host and Origin checked, a bearer token required if given.

        Args:
            host: the interface it is served on (its name is an allowed Host).
            port: the port it is served on.
            path: where the MCP endpoint is.
            bearer_token: when set, every request must carry ``Authorization: Bearer <token>``.
            allowed_hosts: more names clients reach it by (a proxy's, a LAN name), without port.
        """
        return http_app(self, host, port, path, bearer_token=bearer_token, allowed_hosts=allowed_hosts)

    def serve(
        self,
        transport: str = "stdio",
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        bearer_token: str | None = None,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        """Serve (blocking) over ``"stdio"`` or streamable ``"http"`` (see :meth:`http_app`)."""
        serve(self, transport, host=host, port=port, bearer_token=bearer_token, allowed_hosts=allowed_hosts)


_APPROVAL_KEY = "nimble_approval"
_MULTI_ROUND_TRIP = "2026-07-28"  # the first protocol where tools ask through InputRequiredResult


def _approved(answer: types.ElicitResult) -> bool:
    return answer.action == "accept" and (answer.content or {}).get("approve") is True


def _can_elicit(ctx: ServerRequestContext[Any]) -> bool:
    return bool(ctx.session.check_client_capability(_ELICITS))


_ELICITS = types.ClientCapabilities(elicitation=types.ElicitationCapability(form={}))
"""What a client that can ask its user declares (made once: it is asked on every call)."""


def mcp_server(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    name: str = "nimble",
    approve: Approval = ELICIT,
    confirm_destructive: bool = True,
) -> NimbleMCPServer:
    """The MCP server of ``toolkit`` (what ``toolkit.emit("mcp", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        tools: a toolset view or a list of names (default: every offered operation, in registry
            order); ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account every call of this server is made for.
        name: the server name clients see.
        approve: who confirms destructive calls (default ``"elicit"``: see :class:`NimbleMCPServer`).
        confirm_destructive: False runs destructive calls without confirmation.
    """
    view = select_tools(
        toolkit,
        tools,
        names,
        confirm_destructive=confirm_destructive,
        approve=approve,
        target=TARGET,
        mechanisms=(ELICIT,),
    )
    return NimbleMCPServer(toolkit, view, account=account, name=name)
