"""``NimbleMCPServer``: the operations as MCP tools, on the low-level server of the ``mcp`` 2.x SDK.

The low-level server takes the operations' JSON schemas as they are and leaves validation to the
handler, which hands arguments to ``toolkit.acall``: the toolkit's own validation then names the tool
and field in its message. Results carry the envelope twice, as ``structuredContent`` (checked by
clients against ``outputSchema``) and as a JSON text block for older clients. Failures the model can
fix come back as ``isError`` results; an unknown tool name is a protocol error (``-32602``), as the
specification asks.

Destructive tools carry ``destructiveHint`` and an explicit ``confirm_token`` argument: a call held by
:class:`~nimble_tools.policies.ConfirmDestructivePolicy` answers with a preview and a token, and the
model repeats it with the token once the user agreed. With ``approve="elicit"`` the server asks the
user itself, through MCP elicitation, when the client supports it (the token flow stays for clients
that do not).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.shared.exceptions import MCPError

from nimble_tools import NimbleToolkit, NimbleToolsError, Operation, Result, UnknownOperationError, UsageError
from nimble_tools.adapting import (
    ENVELOPE_JSON_SCHEMA,
    content_of,
    model_params,
    published_schema,
    select_tools,
    split_options,
    structured_of,
)
from nimble_tools.approval import ApprovalDeclinedError, ApprovalRequest, acall_with_approval
from nimble_tools.toolsets import ToolsetLike, ToolView, resolve

__all__ = ["APPROVAL_SCHEMA", "INSTRUCTIONS", "NimbleMCPServer", "mcp_server", "tool_definition"]

Approval = Literal["elicit"] | None
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


def tool_definition(operation: Operation) -> types.Tool:
    """The MCP tool for ``operation``: schemas, and annotations from its flags."""
    return types.Tool(
        name=operation.name,
        title=operation.name.replace("_", " ").capitalize(),
        description=operation.description,
        input_schema=published_schema(model_params(operation).model_json_schema()),
        output_schema=ENVELOPE_JSON_SCHEMA,
        annotations=types.ToolAnnotations(
            read_only_hint=operation.read_only,
            destructive_hint=operation.destructive,
            idempotent_hint=operation.idempotent,
            open_world_hint=True,  # every tool talks to Nimble, an outside system
        ),
    )


class NimbleMCPServer(Server[Any]):
    """An MCP server whose tools are a toolkit's operations, all called for one account.

    Use it in-process (``mcp.Client(server)``), or serve it with :meth:`serve` (stdio or streamable
    HTTP).

    Args:
        toolkit: the toolkit every call goes through.
        operations: the operations to offer, in the order clients list them: registered operations,
            or a toolset view (:mod:`nimble_tools.toolsets`) whose calls route through it.
        account: the connected account every call of this server is made for.
        name: the server name clients see.
        approve: ``"elicit"`` to ask the user through MCP elicitation before a held call runs (when
            the client supports it); None to leave confirmation to the ``confirm_token`` argument.
    """

    def __init__(
        self,
        toolkit: NimbleToolkit,
        operations: Iterable[Operation] | ToolView,
        *,
        account: str | None = None,
        name: str = "nimble",
        approve: Approval = None,
    ) -> None:
        if approve not in (None, "elicit"):
            raise UsageError(f"emit('mcp'): approve must be 'elicit' or None, got {approve!r}.")
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
        self.approve: Approval = approve
        self.view = operations if isinstance(operations, ToolView) else resolve(toolkit, [op.name for op in operations])
        self.operations = dict(self.view)
        self.tools = [tool_definition(op) for op in self.operations.values()]

    def __repr__(self) -> str:
        return f"<NimbleMCPServer {self.name!r}: {len(self.tools)} tools>"

    def _input_schema(self, name: str) -> dict[str, Any] | None:
        operation = self.operations.get(name)
        return published_schema(model_params(operation).model_json_schema()) if operation else None

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list(self.tools))

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult | types.InputRequiredResult:
        if params.name not in self.operations:
            unknown = UnknownOperationError(params.name, suggestions=self._suggest(params.name))
            raise MCPError(code=types.INVALID_PARAMS, message=unknown.for_model())
        try:
            arguments, options = split_options(self.operations[params.name], params.arguments or {})
            if self.approve == "elicit" and _can_elicit(ctx):
                asked = await self._call_eliciting(ctx, params, arguments, options)
                if isinstance(asked, types.InputRequiredResult):
                    return asked
                result = asked
            else:
                result = await self.view.acall(params.name, arguments, account=self.account, **options)
        except NimbleToolsError as error:
            return types.CallToolResult(content=[types.TextContent(type="text", text=error.for_model())], is_error=True)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=content_of(result))],
            structured_content=structured_of(result),
        )

    async def _call_eliciting(
        self,
        ctx: ServerRequestContext[Any],
        params: types.CallToolRequestParams,
        arguments: dict[str, Any],
        options: dict[str, Any],
    ) -> Result | types.InputRequiredResult:
        """Run a call, asking the user through elicitation if a policy holds it.

        Since protocol 2026-07-28 a server may not send requests of its own: the tool answers
        ``InputRequiredResult`` with the question, and the client repeats the call with the user's
        answer in ``input_responses`` (the policy holds the repeated call with the same token, so
        the answer applies to exactly the call that was shown). Older clients are asked directly.
        """
        answered = (params.input_responses or {}).get(_APPROVAL_KEY)
        if isinstance(answered, types.ElicitResult):
            return await acall_with_approval(
                self.view, params.name, arguments, lambda _: _approved(answered), account=self.account, **options
            )
        question: list[ApprovalRequest] = []

        async def ask(request: ApprovalRequest) -> bool:
            if ctx.protocol_version >= _MULTI_ROUND_TRIP:
                question.append(request)
                return False
            answer = await ctx.session.elicit_form(request.question, APPROVAL_SCHEMA, ctx.request_id)
            return _approved(answer)

        try:
            return await acall_with_approval(self.view, params.name, arguments, ask, account=self.account, **options)
        except ApprovalDeclinedError:
            if not question:
                raise
        form = types.ElicitRequestFormParams(message=question[0].question, requested_schema=APPROVAL_SCHEMA)
        return types.InputRequiredResult(input_requests={_APPROVAL_KEY: types.ElicitRequest(params=form)})

    def _suggest(self, name: str) -> list[str]:
        import difflib

        return difflib.get_close_matches(name, list(self.operations), n=3)

    # -- serving -----------------------------------------------------------------------------

    async def serve_stdio(self) -> None:
        """Serve one client over this process's stdin and stdout until it disconnects."""
        from mcp.server.stdio import stdio_server

        async with stdio_server() as (read_stream, write_stream):
            await self.run(read_stream, write_stream, self.create_initialization_options())

    async def serve_http(self, host: str = "127.0.0.1", port: int = 8000, path: str = "/mcp") -> None:
        """Serve over streamable HTTP at ``http://host:port/path`` until cancelled."""
        import uvicorn

        app = self.streamable_http_app(streamable_http_path=path, host=host)
        await uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning")).serve()

    def serve(self, transport: str = "stdio", *, host: str = "127.0.0.1", port: int = 8000) -> None:
        """Serve (blocking) over ``"stdio"`` or streamable ``"http"``."""
        import anyio

        if transport == "stdio":
            anyio.run(self.serve_stdio)
        elif transport == "http":
            anyio.run(lambda: self.serve_http(host, port))
        else:
            from nimble_tools import UsageError

            raise UsageError(f"transport must be 'stdio' or 'http', got {transport!r}.")


_APPROVAL_KEY = "nimble_approval"
_MULTI_ROUND_TRIP = "2026-07-28"  # the first protocol where tools ask through InputRequiredResult


def _approved(answer: types.ElicitResult) -> bool:
    return answer.action == "accept" and (answer.content or {}).get("approve") is True


def _can_elicit(ctx: ServerRequestContext[Any]) -> bool:
    capability = types.ClientCapabilities(elicitation=types.ElicitationCapability(form={}))
    return bool(ctx.session.check_client_capability(capability))


def mcp_server(
    toolkit: NimbleToolkit,
    *,
    tools: ToolsetLike | ToolView = None,
    names: Iterable[str] | None = None,
    account: str | None = None,
    name: str = "nimble",
    approve: Approval = None,
) -> NimbleMCPServer:
    """The MCP server of ``toolkit`` (what ``toolkit.emit("mcp", ...)`` returns).

    Args:
        toolkit: the toolkit whose operations become tools.
        tools: a toolset view or a list of names (default: every offered operation, in registry
            order); ``toolsets.tool_search()`` gives the two search-and-call meta-tools instead.
        names: only these operations (the older spelling of ``tools=[...]``).
        account: the connected account every call of this server is made for.
        name: the server name clients see.
        approve: ``"elicit"`` to ask the user through MCP elicitation before a held call runs.
    """
    return NimbleMCPServer(toolkit, select_tools(toolkit, tools, names), account=account, name=name, approve=approve)
