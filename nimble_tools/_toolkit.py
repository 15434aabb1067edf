"""``NimbleToolkit``: the facade users start from, and the one call path every adapter uses.

A call goes one way::

    toolkit.call(name, arguments)
      -> registry lookup                 (unknown name: UnknownOperationError, no request)
      -> params model validates          (bad input: InvalidArgumentsError, no request)
      -> hook before_call                (policies may alter or refuse)
      -> confirmation                    (calls a model makes through a ToolView: see _view)
      -> composite handler, or build the request (path checked and encoded) + paging
      -> client.send                     (auth, rate limit, retries, error mapping)
      -> envelope Result(result, next_cursor)
      -> hook after_call                 (observe or reshape)
"""

from __future__ import annotations

import inspect
import os
import threading
import types
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, Unpack, overload

from pydantic import BaseModel

from ._auth import ApiKeyAuth, AuthProvider, Secret
from ._call_checks import CORE_CALL_OPTIONS, check_account, check_call_options
from ._client import AttemptObserver, HttpAttempt, NimbleClient, RetryPolicy
from ._cursors import CursorSeal
from ._errors import ConfigurationError, ToolInputError, UnknownTargetError, UsageError
from ._http_pool import HttpOptions
from ._operation import HttpMethod, Operation, Params, RequestSpec, query_value
from ._origin import CallOrigin
from ._registry import OperationRegistry, PluginHost
from ._result import Result
from .confirmation import Confirmations

if TYPE_CHECKING:
    import pluggy
    from nimble_tools_langchain import NimbleTool
    from nimble_tools_mcp import NimbleMCPServer
    from nimble_tools_openai import OpenAIToolset

    from ._registry import Target
    from ._view import ToolView
    from .sandbox import Sandbox
    from .toolsets import ToolsetLike

__all__ = ["DEFAULT_BASE_URL", "CallContext", "NimbleToolkit"]

DEFAULT_BASE_URL = "https://app.nimble.com"
API_KEY_ENV = "NIMBLE_API_KEY"
SANDBOX_ACCOUNT = "sandbox"
"""The account name of calls that name none, on a sandbox toolkit made with ``accounts=``."""
BASE_URL_ENV = "NIMBLE_BASE_URL"


@dataclass
class CallContext:
    """One call on its way through the call path; hooks read and may change it."""

    toolkit: NimbleToolkit
    operation: Operation
    params: BaseModel
    account: str | None = None
    """The connected account the call is made for; chosen by the application, never the model."""
    options: dict[str, Any] = field(default_factory=dict)
    """Extra per-call options from the caller (for example ``confirm=True`` for policies)."""
    result: Result | None = None
    """Set once the call has succeeded; ``after_call`` hooks may replace it."""
    parent: CallContext | None = None
    """The call this one is a step of (a composite action, a preview counting records); None for a
    call the application or a model made. Confirmation concerns those, not their steps."""
    confirm: Callable[[CallContext], Any] | None = field(default=None, repr=False)
    """The confirmation a model-facing call waits for, run after ``before_call`` (set by ToolView.run)."""
    origin: CallOrigin | None = None
    """For a model's call through an adapter: the adapter, the host's call id, the tool's name."""
    plugin_state: dict[str, Any] = field(default_factory=dict, repr=False)
    """What plugins keep between the hooks of this call, each under its own key (a span, a start time)."""

    @property
    def method(self) -> str:
        """The HTTP method of the call (of its main effect, for a composite action)."""
        return self.operation.method

    @property
    def path(self) -> str:
        """The path template of the call; the exact path for ``toolkit.request``; empty for composites."""
        return self.operation.path

    @property
    def is_destructive(self) -> bool:
        """True when this call, with its arguments, deletes or overwrites data beyond recovery."""
        return self.operation.is_destructive_call(self.params)

    def call(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Make another call for the same account, through the same path (for composite actions)."""
        return self.toolkit._call(name, arguments, self.account, options, parent=self)

    async def acall(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Async twin of :meth:`call`."""
        return await self.toolkit._acall(name, arguments, self.account, options, parent=self)


class NimbleToolkit:
    """The whole Nimble API as operations, callable directly or emitted for a framework.

    Args:
        api_key: a Nimble API key (or use ``auth`` for OAuth and connected accounts).
        base_url: Nimble's host; the sandbox uses its own.
        auth: a custom :class:`AuthProvider`, instead of ``api_key``.
        **http: how to reach Nimble (:class:`~nimble_tools._http_pool.HttpOptions`): ``transport`` /
            ``async_transport`` (httpx transports: tests, the sandbox), ``http_client`` /
            ``async_http_client`` (ready clients to send through), ``timeout`` (seconds per request).
        retry: a :class:`RetryPolicy`; idempotent requests are retried with backoff.
        rate_limit: at most this many requests per second, if set.
        autoload_plugins: load entry-point plugins (default: unless
            ``NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD=1``).
        plugins: extra plugin objects or modules to register.
        confirmations: the book of pending confirmation tokens (default: one per toolkit, tokens
            valid for five minutes; see :mod:`nimble_tools.confirmation`).
        cursor_key: the key that seals ``next_cursor`` values (default: derived from the API key or
            the OAuth app's secret, else random per toolkit; pass one to share cursors between
            processes or workers).
        allow_insecure_http: allow a plain ``http://`` base URL to a host other than loopback
            (default: refused, unless ``NIMBLE_ALLOW_INSECURE_HTTP=1``): credentials travel in clear.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        auth: AuthProvider | None = None,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
        autoload_plugins: bool | None = None,
        plugins: Iterable[object] = (),
        confirmations: Confirmations | None = None,
        cursor_key: bytes | None = None,
        allow_insecure_http: bool | None = None,
        **http: Unpack[HttpOptions],
    ) -> None:
        if auth is None:
            if api_key is None:
                raise ConfigurationError(
                    "No Nimble credentials: pass api_key=..., auth=..., use NimbleToolkit.from_env() "
                    f"with {API_KEY_ENV} set, or try NimbleToolkit.sandbox() to work offline."
                )
            auth = ApiKeyAuth(api_key)
        self.client = NimbleClient(
            base_url=base_url,
            auth=auth,
            retry=retry,
            rate_limit=rate_limit,
            allow_insecure_http=allow_insecure_http,
            **http,
        )
        self._host = PluginHost(autoload=autoload_plugins)
        self._pending_plugins = list(plugins)
        self._registry: OperationRegistry | None = None
        self._registry_lock = threading.Lock()
        self._confirms: tuple[int, bool] | None = None  # (plugins seen, a confirmation policy among them)
        self.emulator: Sandbox | None = None
        """The embedded sandbox behind this toolkit, when made by :meth:`sandbox`."""
        material = getattr(auth, "signing_material", None)
        self._cursors = (
            CursorSeal(cursor_key)
            if cursor_key
            else CursorSeal.from_material(material() if callable(material) else None)
        )
        self.confirmations = confirmations or Confirmations()
        """Pending confirmations of destructive calls (see :mod:`nimble_tools.confirmation`)."""

    def __repr__(self) -> str:
        return f"NimbleToolkit(base_url={self.client.base_url!r})"

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def from_env(cls, **kwargs: Any) -> NimbleToolkit:
        """A toolkit for the key in ``NIMBLE_API_KEY`` (and host in ``NIMBLE_BASE_URL``, if set)."""
        api_key = os.environ.get(API_KEY_ENV, "").strip()
        if not api_key:
            raise ConfigurationError(
                f"The environment variable {API_KEY_ENV} is not set. Create a key in Nimble under "
                "Settings > API Token, or use NimbleToolkit.sandbox() to work offline."
            )
        kwargs.setdefault("base_url", os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL))
        return cls(api_key, **kwargs)

    @classmethod
    def sandbox(
        cls, *, seed: bool = True, emulator: Sandbox | None = None, accounts: Iterable[str] = (), **kwargs: Any
    ) -> NimbleToolkit:
        """A toolkit wired to an in-process embedded sandbox (seeded with demo data by default).

        The sandbox is one Nimble account, so calls cannot choose one (``account=`` is refused), unless
        ``accounts`` names some: then ``account=`` takes those names, as a toolkit with connected
        accounts does, and every one of them reaches the same sandbox. That lets code that binds
        accounts run offline unchanged.
        """
        from .sandbox import SANDBOX_BASE_URL, Sandbox

        box = emulator if emulator is not None else Sandbox(seed=seed)
        transport = box.transport()
        names = [accounts] if isinstance(accounts, str) else list(accounts)
        if names and "auth" not in kwargs:
            from .auth import ApiKeyAccounts

            kwargs["auth"] = ApiKeyAccounts(
                dict.fromkeys([SANDBOX_ACCOUNT, *names], box.api_key), default=SANDBOX_ACCOUNT
            )
        kwargs.setdefault("base_url", SANDBOX_BASE_URL)
        toolkit = cls(box.api_key, transport=transport, async_transport=transport, **kwargs)
        toolkit.emulator = box
        return toolkit

    # -- plugins and operations --------------------------------------------------------------

    @property
    def plugins(self) -> pluggy.PluginManager:
        """The pluggy manager (for ``unregister``, ``list_name_plugin``, ...)."""
        self._host.ensure_loaded()
        return self._host.manager

    def plugin_packages(self) -> frozenset[str]:
        """The top-level packages of the registered plugins (what their operations' code may depend on)."""
        names = set()
        for plugin in self.plugins.get_plugins():
            module = plugin.__name__ if isinstance(plugin, types.ModuleType) else type(plugin).__module__
            names.add(module.partition(".")[0])
        return frozenset(names)

    def register_plugin(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object or module; the registry is rebuilt on next use."""
        registered = self._host.register(plugin, name)
        self._registry = None
        return registered

    @property
    def operations(self) -> OperationRegistry:
        """Every operation, addressable by name (built on first use)."""
        registry = self._registry
        if registry is None:
            with self._registry_lock:  # threads making their first call at once build it once
                if self._registry is None:
                    while self._pending_plugins:
                        self._host.register(self._pending_plugins.pop(0))
                    self._registry = self._host.build_registry()
                registry = self._registry
        return registry

    @property
    def confirms_destructive(self) -> bool:
        """True when a :class:`~nimble_tools.policies.ConfirmDestructivePolicy` is registered.

        Then every destructive call waits for confirmation, the application's own included.
        """
        self.operations  # noqa: B018 - plugins given at construction are registered with the registry
        plugins = self._host.manager.get_plugins()
        if self._confirms is None or self._confirms[0] != len(plugins):  # asked on every model call
            from .policies import ConfirmDestructivePolicy

            self._confirms = (len(plugins), any(isinstance(p, ConfirmDestructivePolicy) for p in plugins))
        return self._confirms[1]

    def targets(self) -> dict[str, str]:
        """The targets the loaded adapters announce, with a description of each (installed or not)."""
        return self._host.targets()

    def target_details(self) -> dict[str, Target]:
        """The targets the loaded adapters announce, each saying what to install when it cannot be emitted."""
        return self._host.target_details()

    # Typed per built-in target, so that editors know what each returns; no framework is imported
    # at run time (the types are read by type checkers only).
    @overload
    def emit(self, target: Literal["langchain"], **options: Any) -> list[NimbleTool]: ...
    @overload
    def emit(self, target: Literal["openai"], **options: Any) -> OpenAIToolset: ...
    @overload
    def emit(self, target: Literal["callables"], **options: Any) -> list[Callable[..., Any]]: ...
    @overload
    def emit(self, target: Literal["mcp"], **options: Any) -> NimbleMCPServer: ...
    @overload
    def emit(self, target: str, **options: Any) -> Any: ...

    def emit(self, target: str, **options: Any) -> Any:
        """Build the tools for ``target`` (``"langchain"``, ``"openai"``, ``"callables"``, ``"mcp"``)."""
        self.operations  # noqa: B018 - plugins registered at construction must be loaded first
        check_account(self.client.auth, options.get("account"))
        emitted = self._host.hook.emit(toolkit=self, target=target, options=dict(options))
        if emitted is None:
            known = ", ".join(sorted(self.targets())) or "none (is autoloading disabled?)"
            raise UnknownTargetError(
                f"No adapter emits target {target!r}. Available targets: {known}. Install the extra "
                "for it (pip install 'nimble-tools[all]') or register an adapter plugin."
            )
        return emitted

    def get_tools(self, tools: ToolsetLike | ToolView = None, **options: Any) -> list[NimbleTool]:
        """The LangChain tools, as every LangChain toolkit spells it: ``emit("langchain", tools=..., **options)``.

        Args:
            tools: which tools (a toolset such as ``toolsets.resource("contacts").read_only()``, a
                list of names, or None for all).
            options: the ``langchain`` target's other options (``account``, ``approve``, ...).
        """
        return self.emit("langchain", tools=tools, **options)

    def _check_options(self, name: str, options: Mapping[str, Any]) -> None:
        if not options:
            return
        known = {**CORE_CALL_OPTIONS, **self._host.call_options()}
        registry = self.operations
        parameters = registry[name].params.model_fields if name in registry else {}
        check_call_options(name, options, known, parameters)

    # -- the call path -----------------------------------------------------------------------

    def _start(
        self,
        name: str | Operation,
        arguments: Mapping[str, Any] | BaseModel | None,
        account: str | None,
        options: dict[str, Any],
        parent: CallContext | None,
    ) -> CallContext:
        operation = name if isinstance(name, Operation) else self.operations[name]
        check_account(self.client.auth, account)
        params = operation.validate_arguments(arguments)
        return CallContext(self, operation, params, account=account, options=options, parent=parent)

    def _request_for(self, context: CallContext) -> RequestSpec:
        operation, params = context.operation, context.params
        spec = operation.build_request(params)
        if operation.paging is not None:
            limit = getattr(params, "limit", None)
            cursor = getattr(params, "next_cursor", None)
            opened = self._cursors.open(operation.name, cursor) if cursor else None
            spec = operation.paging.apply(operation.name, spec, limit, opened)
        return spec

    def open_cursor(self, name: str, cursor: str) -> str:
        """The paging state inside a ``next_cursor`` this toolkit issued for operation ``name``.

        Raises:
            InvalidArgumentsError: for a cursor this toolkit did not issue for ``name``.
        """
        return self._cursors.open(name, cursor)

    def _finish(self, context: CallContext, spec: RequestSpec | None, value: Any) -> Result:
        operation = context.operation
        if operation.check_answer is not None:
            operation.check_answer(context, value)
        if isinstance(value, Result):
            result = value
        elif spec is not None and operation.paging is not None:
            result = operation.paging.envelope(operation.name, spec, value)
            if result.next_cursor:
                result = replace(result, next_cursor=self._cursors.seal(operation.name, result.next_cursor))
        else:
            result = Result(value, None, raw=value)
        context.result = result
        _notify(self._host.hook.after_call, context=context)
        return context.result

    def _failed(
        self,
        context: CallContext | None,
        error: BaseException,
        name: str | Operation,
        account: str | None,
        origin: CallOrigin | None,
        parent: CallContext | None,
    ) -> None:
        if context is not None:
            self._host.hook.on_call_error(context=context, error=error)
        elif isinstance(error, ToolInputError):  # refused before it started: unknown, or bad arguments
            if isinstance(name, Operation):
                operation: Operation | None = name
            else:  # not .get(): the registry raises UnknownOperationError for an unknown name
                operation = self.operations[name] if name in self.operations else None  # noqa: SIM401
            self._host.hook.on_call_rejected(
                toolkit=self,
                name=operation.name if operation is not None else str(name),
                operation=operation,
                account=account,
                origin=origin,
                parent=parent,
                error=error,
            )

    def _observer(self, context: CallContext) -> AttemptObserver | None:
        """What reports each HTTP attempt of this call to ``on_http_attempt``: None when nobody listens."""
        hook = self._host.hook.on_http_attempt
        if not hook.get_hookimpls():
            return None

        def observe(attempt: HttpAttempt) -> None:
            hook(context=context, attempt=attempt)

        return observe

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """Run operation ``name`` with ``arguments``; return the envelope or raise a NimbleToolsError.

        This is the application's own call: it runs what it is told, through the registered
        policies. A model's calls go through the tools an adapter emits, which confirm destructive
        calls first (see :meth:`ToolView.run <nimble_tools.toolsets.ToolView.run>`).

        The operation's arguments go in ``arguments``; keyword ``options`` are for policies and
        plugins (``confirm_token``, ``on_progress``, ...), and an unknown one is refused.
        """
        self._check_options(name, options)
        return self._call(name, arguments, account, options)

    async def acall(
        self,
        name: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """Async twin of :meth:`call`; composite actions without an async handler run in a thread."""
        self._check_options(name, options)
        return await self._acall(name, arguments, account, options)

    def _call(
        self,
        name: str | Operation,
        arguments: Mapping[str, Any] | BaseModel | None,
        account: str | None,
        options: dict[str, Any],
        *,
        gate: Callable[[CallContext], Any] | None = None,
        parent: CallContext | None = None,
        origin: CallOrigin | None = None,
    ) -> Result:
        context: CallContext | None = None
        try:
            context = self._start(name, arguments, account, options, parent)
            context.confirm, context.origin = gate, origin
            _notify(self._host.hook.before_call, context=context)
            if gate is not None:
                gate(context)
            return self._run(context)
        except BaseException as error:  # observers close what they opened, whatever ended the call
            self._failed(context, error, name, account, origin, parent)
            raise

    async def _acall(
        self,
        name: str | Operation,
        arguments: Mapping[str, Any] | BaseModel | None,
        account: str | None,
        options: dict[str, Any],
        *,
        gate: Callable[[CallContext], Awaitable[Any]] | None = None,
        parent: CallContext | None = None,
        origin: CallOrigin | None = None,
    ) -> Result:
        context: CallContext | None = None
        try:
            context = self._start(name, arguments, account, options, parent)
            context.confirm, context.origin = gate, origin
            _notify(self._host.hook.before_call, context=context)
            if gate is not None:
                await gate(context)
            return await self._arun(context)
        except BaseException as error:  # a cancelled task too
            self._failed(context, error, name, account, origin, parent)
            raise

    def _run(self, context: CallContext) -> Result:
        operation = context.operation
        if operation.handler is not None:
            return self._finish(context, None, operation.handler(context, context.params))
        if operation.async_handler is not None:
            return self._finish(context, None, _run_coroutine(operation.async_handler(context, context.params)))
        spec = self._request_for(context)
        return self._finish(
            context, spec, self.client.send(spec, account=context.account, observe=self._observer(context))
        )

    async def _arun(self, context: CallContext) -> Result:
        operation = context.operation
        if operation.async_handler is not None:
            return self._finish(context, None, await operation.async_handler(context, context.params))
        if operation.handler is not None:
            import asyncio

            value = await asyncio.to_thread(operation.handler, context, context.params)
            return self._finish(context, None, value)
        spec = self._request_for(context)
        value = await self.client.asend(spec, account=context.account, observe=self._observer(context))
        return self._finish(context, spec, value)

    # -- paging helpers ----------------------------------------------------------------------

    def paginate(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        max_items: int | None = None,
        max_pages: int | None = None,
        account: str | None = None,
    ) -> Iterator[Any]:
        """Yield the items of a list operation across pages, up to ``max_items``/``max_pages``."""
        self._require_paged(name)
        walk = _PageWalk(arguments, max_items, max_pages)
        while walk.arguments is not None:
            yield from walk.take(self.call(name, walk.arguments, account=account))

    async def apaginate(
        self,
        name: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        max_items: int | None = None,
        max_pages: int | None = None,
        account: str | None = None,
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`paginate`."""
        self._require_paged(name)
        walk = _PageWalk(arguments, max_items, max_pages)
        while walk.arguments is not None:
            for item in walk.take(await self.acall(name, walk.arguments, account=account)):
                yield item

    def _require_paged(self, name: str) -> None:
        if self.operations[name].paging is None:
            raise UsageError(f"Operation {name!r} is not a list operation; call it instead of paginating.")

    # -- the proxy escape hatch --------------------------------------------------------------

    def request(
        self,
        method: HttpMethod,
        path: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """A raw call to any Nimble endpoint through the same client (auth, retries, errors).

        It takes the call path too: ``before_call`` policies see ``context.method`` and
        ``context.path`` (the read-only policy refuses anything but GET; a registered confirmation
        policy holds DELETE until ``confirm_token=`` repeats it).
        """
        operation, arguments = _raw_request(method, path, params, json)
        self._check_options(RAW_REQUEST, options)
        return self._call(operation, arguments, account, options)

    async def arequest(
        self,
        method: HttpMethod,
        path: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """Async twin of :meth:`request`."""
        operation, arguments = _raw_request(method, path, params, json)
        self._check_options(RAW_REQUEST, options)
        return await self._acall(operation, arguments, account, options)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close connection pools the toolkit opened."""
        self.client.close()

    async def aclose(self) -> None:
        """Close connection pools the toolkit opened (sync and async)."""
        await self.client.aclose()

    def __enter__(self) -> NimbleToolkit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> NimbleToolkit:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class _PageWalk:
    """Where :meth:`NimbleToolkit.paginate` is: the next page's arguments (None at the end), the budget."""

    def __init__(self, arguments: Mapping[str, Any] | None, max_items: int | None, max_pages: int | None) -> None:
        self.arguments: dict[str, Any] | None = dict(arguments or {})
        self._items_left = max_items
        self._pages_left = max_pages

    def take(self, page: Result) -> list[Any]:
        """The items of ``page`` within the budget; moves on to the next page, or to the end."""
        items = list(page.result)
        if self._items_left is not None:
            items = items[: self._items_left]
            self._items_left -= len(items)
        if self._pages_left is not None:
            self._pages_left -= 1
        ended = not page.next_cursor or self._items_left == 0 or self._pages_left == 0
        self.arguments = (
            None if ended or self.arguments is None else {**self.arguments, "next_cursor": page.next_cursor}
        )
        return items


RAW_REQUEST = "nimble_raw_request"
"""The name policies see for a :meth:`NimbleToolkit.request` call; it is never offered to models."""


class RawRequestParams(Params):
    """A raw request's query arguments and JSON body."""

    query: dict[str, str] = {}
    body: Any = None


def _raw_request(
    method: str, path: str, params: Mapping[str, Any] | None, json: Any
) -> tuple[Operation, RawRequestParams]:
    """The one-off operation a raw request runs as (its flags follow the method), and its arguments."""
    method = method.upper() if isinstance(method, str) else method
    if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise UsageError(f"request(): unsupported method {method!r}.")
    if (
        not isinstance(path, str)
        or not path.startswith("/")
        or path.startswith("//")
        or any(c in path for c in "?#\\{}")
        or "/../" in path + "/"
    ):
        raise UsageError(
            f"request(): path must be a plain absolute path such as '/api/v1/myself' (got {path!r}); "
            "pass query arguments in params."
        )
    operation = Operation(
        name=RAW_REQUEST,
        description=f"A raw {method} request to {path}.",
        params=RawRequestParams,
        resource="raw",
        method=method,  # type: ignore[arg-type]
        path=path,
        read_only=method == "GET",
        destructive=method == "DELETE",
        idempotent=method in ("GET", "PUT", "DELETE"),
        encode=_encode_raw,
    )
    query = {str(k): query_value(v) for k, v in (params or {}).items() if v is not None}
    return operation, RawRequestParams(query=query, body=json)


def _encode_raw(operation: Operation, params: BaseModel) -> RequestSpec:
    assert isinstance(params, RawRequestParams)
    return RequestSpec(operation.method, operation.path, dict(params.query), params.body)


def _notify(hook: Any, **kwargs: Any) -> None:
    """Call a hook of every call, skipped at once when no plugin implements it (the usual case)."""
    if hook.get_hookimpls():
        hook(**kwargs)


def _run_coroutine(coroutine: Any) -> Any:
    """Run an async handler from sync code (outside any running loop)."""
    if not inspect.iscoroutine(coroutine):
        return coroutine
    import asyncio

    return asyncio.run(coroutine)
