"""``NimbleToolkit``: the facade users start from, and the one call path every adapter uses.

A call goes one way::

    toolkit.call(name, arguments)
      -> registry lookup                 (unknown name: UnknownOperationError, no request)
      -> params model validates          (bad input: InvalidArgumentsError, no request)
      -> hook before_call                (policies may alter or refuse)
      -> composite handler, or build the request (path checked and encoded) + paging
      -> client.send                     (auth, rate limit, retries, error mapping)
      -> envelope Result(result, next_cursor)
      -> hook after_call                 (observe or reshape)
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ._auth import ApiKeyAuth, AuthProvider, Secret
from ._client import NimbleClient, RetryPolicy
from ._envelope import Result
from ._errors import ConfigurationError, NimbleToolsError, UnknownTargetError, UsageError
from ._operation import HttpMethod, Operation, RequestSpec, query_value
from ._registry import OperationRegistry, PluginHost

if TYPE_CHECKING:
    import httpx
    import pluggy

    from .sandbox import Sandbox

__all__ = ["DEFAULT_BASE_URL", "CallContext", "NimbleToolkit"]

DEFAULT_BASE_URL = "https://app.nimble.com"
API_KEY_ENV = "NIMBLE_API_KEY"
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

    def call(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Make another call for the same account, through the same path (for composite actions)."""
        return self.toolkit.call(name, arguments, account=self.account, **options)

    async def acall(self, name: str, arguments: Mapping[str, Any] | None = None, **options: Any) -> Result:
        """Async twin of :meth:`call`."""
        return await self.toolkit.acall(name, arguments, account=self.account, **options)


class NimbleToolkit:
    """The whole Nimble API as operations, callable directly or emitted for a framework.

    Args:
        api_key: a Nimble API key (or use ``auth`` for OAuth and connected accounts).
        base_url: Nimble's host; the sandbox uses its own.
        auth: a custom :class:`AuthProvider`, instead of ``api_key``.
        transport / async_transport: httpx transports (tests, the sandbox).
        http_client / async_http_client: ready httpx clients to send through.
        timeout: seconds per request.
        retry: a :class:`RetryPolicy`; idempotent requests are retried with backoff.
        rate_limit: at most this many requests per second, if set.
        autoload_plugins: load entry-point plugins (default: unless
            ``NIMBLE_TOOLS_DISABLE_PLUGIN_AUTOLOAD=1``).
        plugins: extra plugin objects or modules to register.
    """

    def __init__(
        self,
        api_key: str | Secret | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        auth: AuthProvider | None = None,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
        autoload_plugins: bool | None = None,
        plugins: Iterable[object] = (),
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
            transport=transport,
            async_transport=async_transport,
            http_client=http_client,
            async_http_client=async_http_client,
            timeout=timeout,
            retry=retry,
            rate_limit=rate_limit,
        )
        self._host = PluginHost(autoload=autoload_plugins)
        self._pending_plugins = list(plugins)
        self._registry: OperationRegistry | None = None
        self._registry_lock = threading.Lock()
        self.emulator: Sandbox | None = None
        """The embedded sandbox behind this toolkit, when made by :meth:`sandbox`."""

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
    def sandbox(cls, *, seed: bool = True, emulator: Sandbox | None = None, **kwargs: Any) -> NimbleToolkit:
        """A toolkit wired to an in-process embedded sandbox (seeded with demo data by default)."""
        from .sandbox import SANDBOX_BASE_URL, Sandbox

        box = emulator if emulator is not None else Sandbox(seed=seed)
        transport = box.transport()
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

    def targets(self) -> dict[str, str]:
        """The targets the loaded adapters can emit, with a description of each."""
        return self._host.targets()

    def emit(self, target: str, **options: Any) -> Any:
        """Build the tools for ``target`` (``"langchain"``, ``"openai"``, ``"callables"``, ``"mcp"``)."""
        self.operations  # noqa: B018 - plugins registered at construction must be loaded first
        emitted = self._host.hook.emit(toolkit=self, target=target, options=dict(options))
        if emitted is None:
            known = ", ".join(sorted(self.targets())) or "none (is autoloading disabled?)"
            raise UnknownTargetError(
                f"No adapter emits target {target!r}. Available targets: {known}. Install the extra "
                "for it (pip install 'nimble-tools[all]') or register an adapter plugin."
            )
        return emitted

    # -- the call path -----------------------------------------------------------------------

    def _start(
        self,
        name: str,
        arguments: Mapping[str, Any] | BaseModel | None,
        account: str | None,
        options: dict[str, Any],
    ) -> CallContext:
        operation = self.operations[name]
        params = operation.validate_arguments(arguments)
        return CallContext(self, operation, params, account=account, options=options)

    def _request_for(self, context: CallContext) -> RequestSpec:
        operation, params = context.operation, context.params
        spec = operation.build_request(params)
        if operation.paging is not None:
            limit = getattr(params, "limit", None)
            cursor = getattr(params, "next_cursor", None)
            spec = operation.paging.apply(operation.name, spec, limit, cursor)
        return spec

    def _finish(self, context: CallContext, spec: RequestSpec | None, value: Any) -> Result:
        operation = context.operation
        if isinstance(value, Result):
            result = value
        elif spec is not None and operation.paging is not None:
            result = operation.paging.envelope(operation.name, spec, value)
        else:
            result = Result(value, None, raw=value)
        context.result = result
        self._host.hook.after_call(context=context)
        return context.result

    def _failed(self, context: CallContext | None, error: Exception) -> None:
        if context is not None:
            self._host.hook.on_call_error(context=context, error=error)

    def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """Run operation ``name`` with ``arguments``; return the envelope or raise a NimbleToolsError."""
        context: CallContext | None = None
        try:
            context = self._start(name, arguments, account, options)
            self._host.hook.before_call(context=context)
            operation = context.operation
            if operation.handler is not None:
                return self._finish(context, None, operation.handler(context, context.params))
            if operation.async_handler is not None:
                return self._finish(context, None, _run_coroutine(operation.async_handler(context, context.params)))
            spec = self._request_for(context)
            body = self.client.send(spec, account=account)
            return self._finish(context, spec, body)
        except NimbleToolsError as error:
            self._failed(context, error)
            raise

    async def acall(
        self,
        name: str,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        account: str | None = None,
        **options: Any,
    ) -> Result:
        """Async twin of :meth:`call`; composite actions without an async handler run in a thread."""
        context: CallContext | None = None
        try:
            context = self._start(name, arguments, account, options)
            self._host.hook.before_call(context=context)
            operation = context.operation
            if operation.async_handler is not None:
                return self._finish(context, None, await operation.async_handler(context, context.params))
            if operation.handler is not None:
                handler = operation.handler
                import asyncio

                value = await asyncio.to_thread(handler, context, context.params)
                return self._finish(context, None, value)
            spec = self._request_for(context)
            body = await self.client.asend(spec, account=account)
            return self._finish(context, spec, body)
        except NimbleToolsError as error:
            self._failed(context, error)
            raise

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
        args = dict(arguments or {})
        yielded = pages = 0
        while True:
            page = self.call(name, args, account=account)
            pages += 1
            for item in page.result:
                if max_items is not None and yielded >= max_items:
                    return
                yield item
                yielded += 1
            if not page.next_cursor or (max_pages is not None and pages >= max_pages):
                return
            args["next_cursor"] = page.next_cursor

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
        args = dict(arguments or {})
        yielded = pages = 0
        while True:
            page = await self.acall(name, args, account=account)
            pages += 1
            for item in page.result:
                if max_items is not None and yielded >= max_items:
                    return
                yield item
                yielded += 1
            if not page.next_cursor or (max_pages is not None and pages >= max_pages):
                return
            args["next_cursor"] = page.next_cursor

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
    ) -> Result:
        """A raw call to any Nimble endpoint through the same client (auth, retries, errors)."""
        return Result(body := self.client.send(_raw_spec(method, path, params, json), account=account), raw=body)

    async def arequest(
        self,
        method: HttpMethod,
        path: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        *,
        account: str | None = None,
    ) -> Result:
        """Async twin of :meth:`request`."""
        spec = _raw_spec(method, path, params, json)
        body = await self.client.asend(spec, account=account)
        return Result(body, raw=body)

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


def _raw_spec(method: str, path: str, params: Mapping[str, Any] | None, json: Any) -> RequestSpec:
    method = method.upper()
    if method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise UsageError(f"request(): unsupported method {method!r}.")
    if not path.startswith("/") or path.startswith("//") or any(c in path for c in "?#\\") or "/../" in path + "/":
        raise UsageError(
            f"request(): path must be a plain absolute path such as '/api/v1/myself' (got {path!r}); "
            "pass query arguments in params."
        )
    query = {str(k): query_value(v) for k, v in (params or {}).items() if v is not None}
    return RequestSpec(method, path, query, json)  # type: ignore[arg-type]


def _run_coroutine(coroutine: Any) -> Any:
    """Run an async handler from sync code (outside any running loop)."""
    if not inspect.iscoroutine(coroutine):
        return coroutine
    import asyncio

    return asyncio.run(coroutine)
