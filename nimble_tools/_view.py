"""``ToolView``: the tools one adapter offers, and the one runtime path every model-facing call takes.

An adapter renders a view's operations as its framework's tools, and hands each call to
:meth:`ToolView.run` (or :meth:`ToolView.arun`) with the arguments exactly as the model sent them.
Everything between the model and Nimble happens there, the same way for every adapter::

    view.run(name, arguments, account=..., approve=...)
      -> the tool by the name the model used    unknown: UnknownOperationError with close names
      -> the arguments: JSON text or a mapping  depth, size and number limits, before anything else
      -> confirm_token taken out                only where the view offers it (see offers_confirm_token)
      -> the adapter's decoding, if any         OpenAI strict forms, callables' portable forms
      -> the operation's params model           bad input: InvalidArgumentsError naming each field
      -> toolkit call path                      before_call policies, then:
           confirmation of destructive calls    a person through ``approve``, else preview and token
           request, retries, envelope           (see NimbleToolkit)
      -> auto-paging and compact records        as the view was configured

It returns a :class:`~nimble_tools.Result` or raises a :class:`~nimble_tools.NimbleToolsError`;
the adapter only renders one or the other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, create_model

from ._autopaging import acollect_with, collect_with, paging_limits
from ._errors import InvalidArgumentsError, ToolInputError, UnknownOperationError, UsageError
from ._limits import check_argument_values, parse_arguments
from ._names import close_names
from ._operation import Operation, params_reference
from ._origin import CallOrigin
from .approval import TOKEN_FALLBACK, Approval, ApprovalRequest, aask, ask
from .confirmation import CONFIRM_TOKEN, person_asked, preview_of

if TYPE_CHECKING:
    from ._result import Result
    from ._toolkit import CallContext, NimbleToolkit
    from .toolsets import Toolset

__all__ = ["META_TAG", "SCOPE_OPTION", "ToolView", "ViewEntry"]

META_TAG = "meta"
"""Tag of operations that act on other tools (the tool-search pair); "everything" leaves them out."""
SCOPE_OPTION = "tool_scope"
"""Per-call option a view passes to meta-tools: the :class:`ToolView` they search and call within."""
APPROVE_OPTION = "tool_approve"
"""Per-call option a view passes to meta-tools: the approver of the calls they make."""
TOKEN_OPTION = "tool_confirm_token"
"""Per-call option a view passes to meta-tools: the confirm token the model gave them."""
CONFIRM_TOKEN_HELP = "Token from a needs-confirmation answer, once the user agreed; else null."
MAX_TOKEN = 256

Decode = Callable[[dict[str, Any]], dict[str, Any]]
"""An adapter's decoding of its target's argument forms back to the operation's own."""


class _ViewDefault:
    def __repr__(self) -> str:
        return "<the view's approve>"


VIEW_DEFAULT: Any = _ViewDefault()
"""``approve`` of :meth:`ToolView.run` when not given: the view's own."""


@dataclass(frozen=True, slots=True)
class ViewEntry:
    """One tool of a view: the operation as the model sees it, and where its calls go.

    Attributes:
        operation: the operation with the exposed name and description (a modified copy when the
            view renamed it; the registered one otherwise).
        origin: the registered operation name that calls are sent to.
        scope: for the tool-search meta-tools, the view they search and call within.
        compact: list results show compact records (see :mod:`nimble_tools.projections`).
        max_items: for list tools, page automatically up to this many items per call.
    """

    operation: Operation
    origin: str
    scope: Toolset | None = None
    compact: bool = True
    max_items: int | None = None


class ToolView(Mapping[str, Operation]):
    """A toolset applied to one toolkit: exposed name -> operation, and the path calls take.

    Args:
        toolkit: the toolkit every call goes through.
        entries: the tools, by exposed name.
        confirm_destructive: destructive calls wait for confirmation (the default). With False they
            run at once, unless a :class:`~nimble_tools.policies.ConfirmDestructivePolicy` is registered.
        approve: who confirms them (see :mod:`nimble_tools.approval`); None: the model, with a token,
            after showing the user the preview.
    """

    def __init__(
        self,
        toolkit: NimbleToolkit,
        entries: Mapping[str, ViewEntry],
        *,
        confirm_destructive: bool = True,
        approve: Approval = None,
        target: str | None = None,
    ) -> None:
        if not isinstance(confirm_destructive, bool):
            raise UsageError(f"confirm_destructive takes True or False, got {confirm_destructive!r}.")
        self.toolkit = toolkit
        self.confirm_destructive = confirm_destructive
        self.approve = approve
        self.target = target
        """The adapter target that emitted this view (``"langchain"``, ...); calls carry it."""
        self._entries = dict(entries)
        self._scopes: dict[int, ToolView] = {}
        self._params: dict[tuple[str, bool], type[BaseModel]] = {}

    def __getitem__(self, name: str) -> Operation:
        return self.entry(name).operation

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:
        return f"<ToolView of {len(self)} tools>"

    def with_safety(self, *, confirm_destructive: bool, approve: Approval, target: str | None = None) -> ToolView:
        """The same tools with other confirmation settings (and the adapter target emitting them)."""
        return ToolView(
            self.toolkit,
            self._entries,
            confirm_destructive=confirm_destructive,
            approve=approve,
            target=target or self.target,
        )

    def entry(self, name: str) -> ViewEntry:
        """The entry exposed as ``name``, or :class:`UnknownOperationError` with close names."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            raise UnknownOperationError(str(name), suggestions=close_names(str(name), self._entries)) from None

    def origin(self, name: str) -> str:
        """The registered operation behind the exposed ``name``."""
        return self.entry(name).origin

    # -- what the model is offered ------------------------------------------------------------------

    @property
    def confirms(self) -> bool:
        """True when destructive calls through this view wait for confirmation."""
        return self.confirm_destructive or self.toolkit.confirms_destructive

    def offers_confirm_token(self, name: str, approve: Approval = VIEW_DEFAULT) -> bool:
        """True when tool ``name`` takes a ``confirm_token`` argument: something checks it.

        That is a tool that can destroy, in a view that confirms, where nobody can be asked
        directly (no approver, or a host mechanism that falls back to the token where it cannot ask).
        ``call_nimble_tool`` offers it when its scope holds such a tool, and hands it on.
        """
        chosen = self.approve if approve is VIEW_DEFAULT else approve
        falls_back = chosen is None or (isinstance(chosen, str) and chosen in TOKEN_FALLBACK)
        return falls_back and self.confirms and self.entry(name).operation.may_destroy

    def model_params(self, name: str, approve: Approval = VIEW_DEFAULT) -> type[BaseModel]:
        """The parameters a model sees for tool ``name``.

        The operation's own model, plus ``confirm_token`` where :meth:`offers_confirm_token`.
        """
        operation = self.entry(name).operation
        with_token = self.offers_confirm_token(name, approve)
        key = (name, with_token)
        if key not in self._params:
            self._params[key] = _with_confirm_token(operation.params) if with_token else operation.params
        return self._params[key]

    def input_schema(self, name: str, approve: Approval = VIEW_DEFAULT) -> dict[str, Any]:
        """The published JSON schema of :meth:`model_params` for tool ``name`` (a fresh copy).

        A model named by reference is not imported for it while the schema cache holds its schema
        (:mod:`nimble_tools._schema_cache`): listing a server's tools then defines no model.
        """
        from ._published_schema import published_model_schema
        from ._schema_cache import shared_cache

        def make() -> dict[str, Any]:
            return published_model_schema(self.model_params(name, approve))

        reference = params_reference(self.entry(name).operation)
        cache = shared_cache()
        if cache is None or reference is None:
            return make()
        variant = CONFIRM_TOKEN if self.offers_confirm_token(name, approve) else "plain"
        return cache.schema(reference, variant, make, self.toolkit.plugin_packages())

    def input_schemas(self, approve: Approval = VIEW_DEFAULT) -> dict[str, dict[str, Any]]:
        """:meth:`input_schema` of every tool, by name; the schemas newly made are kept for the next process."""
        from ._schema_cache import shared_cache

        schemas = {name: self.input_schema(name, approve) for name in self}
        cache = shared_cache()
        if cache is not None:
            cache.save()
        return schemas

    # -- the model-facing call path -----------------------------------------------------------------

    def run(
        self,
        name: str,
        arguments: Any = None,
        *,
        account: str | None = None,
        approve: Approval = VIEW_DEFAULT,
        decode: Decode | None = None,
        call_id: str | None = None,
    ) -> Result:
        """Run the tool exposed as ``name`` with a model's ``arguments`` (JSON text or a mapping).

        Args:
            name: the tool's name as the model called it.
            arguments: the model's arguments: JSON text, a mapping, or None.
            account: the connected account (the application's choice, never the model's).
            approve: who confirms a destructive call (default: the view's); a host mechanism must
                already be resolved to a function by the adapter.
            decode: the adapter's decoding of its target's argument forms, run after the limits.
            call_id: the host's id of this tool call (observers see it as ``context.call_id``).

        Returns:
            The envelope; list results compact and auto-paged as the view was configured.

        Raises:
            NimbleToolsError: anything the model should read (bad arguments, a held or declined
                call, a refusal, Nimble's errors); nothing is sent when the arguments are bad.
        """
        entry, params, token, approver = self._prepared(name, arguments, decode, approve, account, call_id)
        gate = self._gate(entry, token, approver)
        return self._execute(entry, params, account, self._meta_options(entry, approver, token), call_id, gate)

    async def arun(
        self,
        name: str,
        arguments: Any = None,
        *,
        account: str | None = None,
        approve: Approval = VIEW_DEFAULT,
        decode: Decode | None = None,
        call_id: str | None = None,
    ) -> Result:
        """Async twin of :meth:`run`; the approver may be async."""
        entry, params, token, approver = self._prepared(name, arguments, decode, approve, account, call_id)
        gate = self._agate(entry, token, approver)
        return await self._aexecute(entry, params, account, self._meta_options(entry, approver, token), call_id, gate)

    def _prepared(
        self,
        name: str,
        arguments: Any,
        decode: Decode | None,
        approve: Approval,
        account: str | None,
        call_id: str | None,
    ) -> tuple[ViewEntry, BaseModel, str | None, Approval]:
        """:meth:`_prepare`, telling observers (``on_call_rejected``) about a call refused there."""
        try:
            return self._prepare(name, arguments, decode, approve)
        except ToolInputError as error:
            entry = self._entries.get(name) if isinstance(name, str) else None
            operation = self.toolkit.operations[entry.origin] if entry is not None else None
            self.toolkit.plugins.hook.on_call_rejected(
                toolkit=self.toolkit,
                name=str(name),
                operation=operation,
                account=account,
                origin=CallOrigin(self.target, call_id, str(name)),
                parent=None,
                error=error,
            )
            raise

    def _prepare(
        self, name: str, arguments: Any, decode: Decode | None, approve: Approval
    ) -> tuple[ViewEntry, BaseModel, str | None, Approval]:
        entry = self.entry(name)
        tool = entry.operation.name
        approver = self.approve if approve is VIEW_DEFAULT else approve
        if isinstance(approver, str):
            raise UsageError(f"{tool}: approve={approver!r} must be resolved by the adapter before the call.")
        values = parse_arguments(tool, arguments)
        token = None
        if CONFIRM_TOKEN in values and self.offers_confirm_token(name):
            token = _token(tool, values.pop(CONFIRM_TOKEN))
        if decode is not None:
            check_argument_values(tool, values)  # before the adapter's decoder walks the values
            values = decode(values)  # (what it decodes, JSON text inside a value, is checked again below)
        params = self.toolkit.operations[entry.origin].validate_arguments(values)
        # A person asked directly makes the token moot: it is never what confirms the call.
        return entry, params, token if approver is None else None, approver

    def _held(self, context: CallContext) -> bool:  # meta-tools are not held: the call they make is
        return context.is_destructive and META_TAG not in context.operation.tags and self.confirms

    def _request(self, entry: ViewEntry, context: CallContext, preview_text: str, count: int | None) -> ApprovalRequest:
        arguments = context.params.model_dump(mode="json", exclude_unset=True)
        return ApprovalRequest(entry.operation.name, arguments, preview_text, context.account, count)

    def _gate(self, entry: ViewEntry, token: str | None, approver: Approval) -> Callable[[CallContext], None]:
        def gate(context: CallContext) -> None:
            if not self._held(context):
                return
            if approver is None:
                self._by_token(context, token)
                return
            preview = preview_of(context)
            with person_asked(context):
                ask(approver, self._request(entry, context, preview.text, preview.count))  # type: ignore[arg-type]

        return gate

    def _agate(self, entry: ViewEntry, token: str | None, approver: Approval) -> Callable[[CallContext], Any]:
        async def gate(context: CallContext) -> None:
            if not self._held(context):
                return
            import asyncio  # imported on first use: it costs 30 ms at import time

            if approver is None:
                await asyncio.to_thread(self._by_token, context, token)
                return
            preview = await asyncio.to_thread(preview_of, context)
            with person_asked(context):
                await aask(approver, self._request(entry, context, preview.text, preview.count))  # type: ignore[arg-type]

        return gate

    def _by_token(self, context: CallContext, token: str | None) -> None:
        book = self.toolkit.confirmations
        if token is None:
            raise book.hold(context, preview_of(context))
        book.redeem(context, token, lambda: preview_of(context))

    def _meta_options(self, entry: ViewEntry, approver: Approval, token: str | None = None) -> dict[str, Any]:
        # Meta-tools search and call within the scope they were exposed with, never the whole
        # registry, under this view's confirmation settings and approver (and with the token the
        # model gave the meta-tool, for the call it makes).
        if entry.scope is None:
            return {}
        scope = self._scopes.get(id(entry.scope))
        if scope is None:
            bound = entry.scope.bind(self.toolkit)
            scope = self._scopes[id(entry.scope)] = bound.with_safety(
                confirm_destructive=self.confirm_destructive, approve=self.approve
            )
        return {SCOPE_OPTION: scope, APPROVE_OPTION: approver, TOKEN_OPTION: token}

    # -- routing to the registered operation ----------------------------------------------------------

    def call(self, name: str, arguments: Mapping[str, Any] | BaseModel | None = None, **options: Any) -> Result:
        """Call the tool exposed as ``name`` as the application (no confirmation asked).

        ``account=`` and policy options pass through to ``toolkit.call``; list results are compact
        and auto-paged as the view was configured. Models' calls go through :meth:`run`.
        """
        entry = self.entry(name)
        account = options.pop("account", None)
        self.toolkit._check_options(entry.origin, options)
        return self._execute(entry, arguments, account, {**self._meta_options(entry, None), **options})

    async def acall(self, name: str, arguments: Mapping[str, Any] | BaseModel | None = None, **options: Any) -> Result:
        """Async twin of :meth:`call`."""
        entry = self.entry(name)
        account = options.pop("account", None)
        self.toolkit._check_options(entry.origin, options)
        return await self._aexecute(entry, arguments, account, {**self._meta_options(entry, None), **options})

    def _execute(
        self,
        entry: ViewEntry,
        arguments: Any,
        account: str | None,
        options: dict[str, Any],
        call_id: str | None = None,
        gate: Callable[[CallContext], None] | None = None,
    ) -> Result:
        origin = CallOrigin(self.target, call_id, entry.operation.name)
        # The view is the toolkit's own runtime: it calls the toolkit's call path with what only it knows.
        budget = self._budget(entry, arguments)
        if budget is None:
            return self._shaped(
                entry, self.toolkit._call(entry.origin, arguments, account, options, gate=gate, origin=origin)
            )
        run = functools.partial(self.toolkit._call, gate=gate, origin=origin)
        result = collect_with(
            lambda args: run(entry.origin, args, account, options),
            _plain(arguments),
            max_items=budget,
            **paging_limits(self.toolkit, self.toolkit.operations[entry.origin], budget),
        )
        return self._shaped(entry, result)

    async def _aexecute(
        self,
        entry: ViewEntry,
        arguments: Any,
        account: str | None,
        options: dict[str, Any],
        call_id: str | None = None,
        gate: Callable[[CallContext], Any] | None = None,
    ) -> Result:
        origin = CallOrigin(self.target, call_id, entry.operation.name)
        budget = self._budget(entry, arguments)
        if budget is None:
            result = await self.toolkit._acall(entry.origin, arguments, account, options, gate=gate, origin=origin)
            return self._shaped(entry, result)
        run = functools.partial(self.toolkit._acall, gate=gate, origin=origin)
        result = await acollect_with(
            lambda args: run(entry.origin, args, account, options),
            _plain(arguments),
            max_items=budget,
            **paging_limits(self.toolkit, self.toolkit.operations[entry.origin], budget),
        )
        return self._shaped(entry, result)

    def _budget(self, entry: ViewEntry, arguments: Any) -> int | None:
        operation = self.toolkit.operations[entry.origin]
        if entry.max_items is None or operation.paging is None or "limit" not in operation.params.model_fields:
            return None
        asked = (
            getattr(arguments, "limit", None) if isinstance(arguments, BaseModel) else (arguments or {}).get("limit")
        )
        # A limit from the model is how many items it wants in all, within the view's budget.
        return min(asked, entry.max_items) if isinstance(asked, int) and asked > 0 else entry.max_items

    def _shaped(self, entry: ViewEntry, result: Result) -> Result:
        if entry.compact and entry.operation.paging is not None:
            from .projections import compact

            return replace(result, result=compact(result.result))
        return result


def _plain(arguments: Any) -> dict[str, Any]:
    """Arguments for the paging loop, which sets ``limit`` and ``next_cursor`` page by page."""
    if isinstance(arguments, BaseModel):
        return arguments.model_dump(exclude_unset=True)
    return dict(arguments or {})


def _token(tool: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_TOKEN:
        got = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise InvalidArgumentsError(
            tool, [(CONFIRM_TOKEN, f"expected the token a confirmation answer gave, got {got}")]
        )
    check_argument_values(tool, {CONFIRM_TOKEN: value})
    return value


_TOKEN_MODELS: dict[type[BaseModel], type[BaseModel]] = {}


def _with_confirm_token(params: type[BaseModel]) -> type[BaseModel]:
    if CONFIRM_TOKEN in params.model_fields:
        return params
    if params not in _TOKEN_MODELS:
        _TOKEN_MODELS[params] = create_model(
            params.__name__,
            __base__=params,
            __module__=params.__module__,
            confirm_token=(str | None, Field(default=None, description=CONFIRM_TOKEN_HELP)),
        )
    return _TOKEN_MODELS[params]
