"""``Sandbox``: a stateful Nimble emulator serving Nimble's paths, errors and paging styles."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from typing import Any

from ._faults import FaultInjector, FaultPlan
from ._http import ApiError, Router, SandboxRequest, SandboxResponse
from ._state import SandboxState
from ._transport import SandboxTransport
from .routes import build_router

__all__ = ["DEFAULT_SANDBOX_API_KEY", "SANDBOX_BASE_URL", "Sandbox"]

SANDBOX_BASE_URL = "http://sandbox.nimble.invalid"
DEFAULT_SANDBOX_API_KEY = "sandbox-api-key"
AUTH_FAILURE = {"message": "Can't authenticate request"}


class Sandbox:
    """An offline Nimble account: use :meth:`transport` in-process, or :meth:`server` over HTTP.

    Args:
        api_key: the one API key it accepts (as ``Authorization: Bearer <key>``).
        seed: fill it with demo people, companies, notes and tags.
        clock: a ``time.time``-like function, for tests that move time.
        faults: a :class:`FaultPlan` to inject server errors, 429s, timeouts and dropped
            connections into a fraction of requests (see :meth:`inject_faults`).
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_SANDBOX_API_KEY,
        seed: bool = True,
        clock: Callable[[], float] = time.time,
        faults: FaultPlan | None = None,
    ) -> None:
        self.api_key = api_key
        self.state = SandboxState(api_key=api_key, clock=clock)
        self.router: Router = build_router()
        self.request_count = 0
        self.faults: FaultInjector | None = None
        """The active fault injector (its ``log`` lists every injected fault), or None."""
        if faults is not None:
            self.inject_faults(faults)
        from ._seed import seed_account, seed_demo

        seed_account(self.state)
        if seed:
            seed_demo(self.state)

    def __repr__(self) -> str:
        return f"Sandbox(records={sum(len(t) for t in self.state.tables.values())})"

    def transport(self) -> SandboxTransport:
        """An httpx transport (sync and async) that serves requests in-process."""
        return SandboxTransport(self)

    def personal_api_key(self, user: str) -> str:
        """The personal API key of one user (by email or user id), made on first use.

        Nimble gives each user their own API token (Settings > API Token); a request with it acts as
        that user, like an OAuth token of theirs. The account's ``api_key`` acts as the owner.

        Raises:
            KeyError: no user has that email or id.
        """
        wanted = user.strip().lower()
        with self.state.lock:
            for user_id, record in self.state.users.items():
                if wanted in (user_id, str(record.get("email", "")).lower()):
                    for key, owner in self.state.personal_keys.items():
                        if owner == user_id:
                            return key
                    key = f"sandbox-key-{secrets.token_urlsafe(12)}"
                    self.state.personal_keys[key] = user_id
                    return key
        raise KeyError(f"The sandbox has no user {user!r}.")

    def server(self, host: str = "127.0.0.1", port: int = 0) -> Any:
        """A real HTTP server around this sandbox (``port=0`` picks a free port); call ``start()``."""
        from ._server import SandboxServer

        return SandboxServer(self, host, port)

    def inject_faults(self, plan: FaultPlan | None) -> FaultInjector | None:
        """Start injecting the faults of ``plan`` from the next request on (None stops it)."""
        self.faults = FaultInjector(plan) if plan is not None else None
        return self.faults

    def handle(self, request: SandboxRequest) -> SandboxResponse:
        """Answer one request, with any injected fault before or after the handler runs."""
        with self.state.lock:
            self.request_count += 1
        injector = self.faults
        fault = injector.draw(request.method, request.path) if injector is not None else None
        if fault is None or injector is None:
            return self._answer(request)
        # A fault "after" lets the handler change the state first: the caller loses only the reply.
        return fault.response(injector.plan, self._answer(request) if fault.after else None)

    def _answer(self, request: SandboxRequest) -> SandboxResponse:
        """Authenticate, route, run the handler under the state lock."""
        try:
            try:
                route, params = self.router.match(request.method, request.path)
            except ApiError:
                self._authenticate(request)  # like Nimble, a bad token is refused before anything else
                raise
            request.state = self.state
            request.path_params = params
            if not route.public:
                self._authenticate(request)
            request.json = _parse_json(request)
            with self.state.lock:
                reply = route.handler(request)
            return _normalise(reply)
        except ApiError as error:
            return SandboxResponse(error.status, error.body, dict(error.headers))

    def _authenticate(self, request: SandboxRequest) -> None:
        header = request.headers.get("authorization") or request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token:
            user = self.state.user_for_token(token.strip())
        elif "access_token" in request.query:
            # OAuth tokens (never API keys) may also travel as ?access_token=
            token = request.query["access_token"][-1]
            user = self.state.user_for_token(token) if not self.state.is_api_key(token) else None
        if user is None:
            raise ApiError(403, dict(AUTH_FAILURE))
        request.user = user


def _parse_json(request: SandboxRequest) -> Any:
    content_type = request.headers.get("content-type") or request.headers.get("Content-Type") or ""
    if not request.body or content_type.startswith("application/x-www-form-urlencoded"):
        return None  # form bodies (the OAuth token endpoint) are read by their handler
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested absurdly deep
        # The spec lists no 400 anywhere: invalid parameters are its 409 validation error (code 245),
        # as an invalid `query` argument is.
        raise ApiError.validation("Request body is not valid JSON", {"/": {"message": "Invalid JSON"}}) from None


def _normalise(reply: Any) -> SandboxResponse:
    if isinstance(reply, SandboxResponse):
        return reply
    if isinstance(reply, tuple) and len(reply) == 2 and isinstance(reply[0], int):
        return SandboxResponse(reply[0], reply[1])
    return SandboxResponse(200, reply)
