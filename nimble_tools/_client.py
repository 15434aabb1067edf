"""The HTTP client: auth, retries with backoff, rate limiting, and the one error boundary.

Sync and async share everything but the waiting: :meth:`NimbleClient._exchange` is the one retry
loop (a generator whose steps the sync and async drivers perform), :meth:`NimbleClient._prepare`
builds the request, :meth:`RetryPolicy.delay_for` decides about another attempt, and :func:`raise_for_response` /
:func:`translate_transport_error` are the only places where httpx's world becomes ours.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Unpack

from ._auth import AuthProvider
from ._errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    NimbleAPIError,
    NotAcceptableError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationFailedError,
)
from ._http_pool import HttpClients, HttpOptions
from ._operation import RequestSpec

if TYPE_CHECKING:
    import httpx

# httpx and asyncio are imported when the first request goes out, not with the package: listing
# tools, building the registry and emitting them need neither (see benchmarks/startup.py).

__all__ = ["AttemptObserver", "HttpAttempt", "NimbleClient", "RateLimiter", "RetryPolicy"]

logger = logging.getLogger("nimble_tools.http")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
AUTH_FAILURE_MESSAGE = "Can't authenticate request"
USER_AGENT = "nimble-tools/0.1"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before another attempt.

    Only idempotent methods are retried after an answer or a timeout; a POST is retried only after
    a connect error or a 429, when the request provably was not processed (a retried POST that was
    would create a duplicate record).
    """

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    max_retry_after: float = 60.0
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    jitter: Callable[[], float] = field(default=random.random, repr=False)

    def delay_for(self, method: str, attempt: int, error: NimbleAPIError) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to give up."""
        if attempt >= self.max_attempts:
            return None
        if isinstance(error, ConnectError) or error.status_code == 429:
            pass  # never reached the server, or refused unprocessed: safe for every method
        elif method not in IDEMPOTENT_METHODS:
            return None
        elif isinstance(error, TransportError):
            pass
        elif error.status_code not in self.retry_statuses:
            return None
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        backoff: float = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return backoff * (0.5 + self.jitter() / 2)  # "equal jitter": keeps a floor, spreads retries


@dataclass(frozen=True, slots=True)
class HttpAttempt:
    """One HTTP request of a call to Nimble, as observers see it once its answer (or failure) is known.

    Attributes:
        method: the HTTP method.
        path: the request path (never the query string, which may carry search terms).
        number: 1 for the first attempt, 2 for the first retry, ...
        start_ns / end_ns: when the request went out and when its answer was read (``time.time_ns()``).
        status_code: Nimble's HTTP status, None when no answer came (a timeout, a dropped connection).
        error: the error the attempt ended with, None when it succeeded.
        retry_after: Nimble's ``Retry-After`` header, as sent, when there was one.
        retry_in: seconds the client waits before the next attempt; None when this one was the last.
        rate_limit_wait: seconds the client's own rate limiter held the request back before it went.
    """

    method: str
    path: str
    number: int
    start_ns: int
    end_ns: int
    status_code: int | None = None
    error: NimbleAPIError | None = None
    retry_after: str | None = None
    retry_in: float | None = None
    rate_limit_wait: float = 0.0


AttemptObserver = Callable[[HttpAttempt], None]
"""Called with each :class:`HttpAttempt` of a request (see ``NimbleClient.send``)."""


class RateLimiter:
    """Spaces requests at most ``rate`` per second, shared by threads and event loops."""

    def __init__(self, rate: float) -> None:
        if rate <= 0:
            raise ConfigurationError("rate_limit must be a positive number of requests per second.")
        self._interval = 1.0 / rate
        self._next = 0.0
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self._interval
            return start - now

    def wait(self) -> float:
        """Block until the next request may go; return the seconds waited."""
        delay = self._reserve()
        if delay > 0:
            time.sleep(delay)
        return max(delay, 0.0)

    async def await_turn(self) -> float:
        """Async twin of :meth:`wait`."""
        delay = self._reserve()
        if delay > 0:
            import asyncio

            await asyncio.sleep(delay)
        return max(delay, 0.0)


class NimbleClient:
    """Sends :class:`RequestSpec` requests to Nimble (or the sandbox) and decodes the answer."""

    def __init__(
        self,
        *,
        base_url: str,
        auth: AuthProvider | None,
        retry: RetryPolicy | None = None,
        rate_limit: float | None = None,
        sleep: Callable[[float], None] | None = None,
        async_sleep: Callable[[float], Any] | None = None,
        allow_insecure_http: bool | None = None,
        **http: Unpack[HttpOptions],
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ConfigurationError(f"base_url must start with http:// or https://, got {base_url!r}.")
        self._clients = HttpClients(base_url, what="the credentials", allow_insecure_http=allow_insecure_http, **http)
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self._limiter = RateLimiter(rate_limit) if rate_limit else None
        self._sleep = sleep if sleep is not None else time.sleep  # looked up now: a test may stand in for it
        self._async_sleep = async_sleep

    def __repr__(self) -> str:
        return f"NimbleClient(base_url={self.base_url!r})"

    # -- connection objects, made on first use -----------------------------------------------

    def close(self) -> None:
        """Close the sync connection pool it created."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the connection pools it created (the async one of the running event loop)."""
        await self._clients.aclose()

    # -- the request path --------------------------------------------------------------------

    def _prepare(self, spec: RequestSpec, headers: dict[str, str]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "method": spec.method,
            "url": self.base_url + spec.path,
            "params": dict(spec.params) or None,
            "headers": {"Accept": "application/json", "User-Agent": USER_AGENT, **headers},
        }
        if spec.json is not None:
            kwargs["json"] = spec.json
        return kwargs

    def send(self, spec: RequestSpec, *, account: str | None = None, observe: AttemptObserver | None = None) -> Any:
        """Send ``spec`` with retries; return the decoded body or raise a :class:`NimbleAPIError`.

        ``observe``, when given, is called with an :class:`HttpAttempt` after each attempt (the
        toolkit passes one only when a plugin implements ``on_http_attempt``).
        """
        exchange, outcome = self._exchange(spec, account, observe), _START
        while (step := _advance(exchange, outcome)).kind != "done":
            outcome = self._perform(step, account)
        return step.value

    async def asend(
        self, spec: RequestSpec, *, account: str | None = None, observe: AttemptObserver | None = None
    ) -> Any:
        """Async twin of :meth:`send`: the same exchange, its steps awaited."""
        exchange, outcome = self._exchange(spec, account, observe), _START
        while (step := _advance(exchange, outcome)).kind != "done":
            outcome = await self._aperform(step, account)
        return step.value

    def _exchange(
        self, spec: RequestSpec, account: str | None, observe: AttemptObserver | None
    ) -> Generator[_Step, Any, Any]:
        """The retry loop, once for sync and async: it yields each step that waits or does I/O.

        The drivers (:meth:`send`, :meth:`asend`) perform a step and send its outcome back, or
        throw the transport error it raised into the loop; the loop's return value is the body.
        This is the shape of httpx's own auth flows: the decisions live here, the waiting there.
        """
        import httpx

        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            waited: float = (yield _Step("turn")) if self._limiter else 0.0
            headers: dict[str, str] = (yield _Step("headers")) if self.auth else {}
            started = time.time_ns() if observe else 0
            response: httpx.Response | None = None
            try:
                response = yield _Step("request", self._prepare(spec, headers))
                body = decode_response(spec, response)
                if observe:
                    observe(_attempt(spec, attempt, started, response, waited))
                return body
            except httpx.HTTPError as exc:
                error: NimbleAPIError = translate_transport_error(spec, exc)
            except AuthenticationError as exc:
                again = not refreshed and self.auth is not None and bool((yield _Step("refresh")))
                if observe:
                    observe(_attempt(spec, attempt, started, response, waited, exc, 0.0 if again else None))
                if again:
                    refreshed = True
                    continue
                raise exc from None
            except NimbleAPIError as exc:
                error = exc
            delay = self.retry.delay_for(spec.method, attempt, error)
            if observe:
                observe(_attempt(spec, attempt, started, response, waited, error, delay))
            if delay is None:
                raise error
            logger.info("retrying %s %s in %.2fs after: %s", spec.method, spec.path, delay, error)
            yield _Step("sleep", delay)

    def _perform(self, step: _Step, account: str | None) -> _Outcome:
        """Do one step of :meth:`_exchange`, blocking."""
        if step.kind == "request":
            import httpx

            try:
                return self._clients.sync().request(**step.value), None
            except httpx.HTTPError as exc:
                return None, exc
        if step.kind == "turn":
            return (self._limiter.wait() if self._limiter else 0.0), None
        if step.kind == "headers":
            return (self.auth.headers(account) if self.auth else {}), None
        if step.kind == "refresh":
            return (self.auth is not None and self.auth.refresh(account)), None
        self._sleep(step.value)
        return None, None

    async def _aperform(self, step: _Step, account: str | None) -> _Outcome:
        """Do one step of :meth:`_exchange`, awaiting."""
        if step.kind == "request":
            import httpx

            try:
                return await self._clients.for_running_loop().request(**step.value), None
            except httpx.HTTPError as exc:
                return None, exc
        if step.kind == "turn":
            return (await self._limiter.await_turn() if self._limiter else 0.0), None
        if step.kind == "headers":
            return (await self.auth.aheaders(account) if self.auth else {}), None
        if step.kind == "refresh":
            return (self.auth is not None and await self.auth.arefresh(account)), None
        if self._async_sleep is not None:
            await self._async_sleep(step.value)
        else:
            import asyncio

            await asyncio.sleep(step.value)
        return None, None


@dataclass(frozen=True, slots=True)
class _Step:
    """One thing the retry loop needs done.

    Wait for the rate limiter's ``turn``, get auth ``headers``, send the ``request`` (``value``:
    httpx's keyword arguments), ``refresh`` the credentials, or ``sleep`` (``value``: seconds);
    ``done`` carries the decoded body (``value``) back to the driver.
    """

    kind: Literal["turn", "headers", "request", "refresh", "sleep", "done"]
    value: Any = None


_Outcome = tuple[Any, BaseException | None]
"""What a step came to: its value, or the transport error it raised (thrown into the loop)."""
_START: _Outcome = (None, None)


def _advance(exchange: Generator[_Step, Any, Any], outcome: _Outcome) -> _Step:
    """The exchange's next step, given the last one's outcome; ``done`` with the body at its end."""
    value, failure = outcome
    try:
        return exchange.throw(failure) if failure is not None else exchange.send(value)
    except StopIteration as finished:
        return _Step("done", finished.value)


def _attempt(
    spec: RequestSpec,
    number: int,
    started: int,
    response: httpx.Response | None,
    waited: float,
    error: NimbleAPIError | None = None,
    retry_in: float | None = None,
) -> HttpAttempt:
    """What an observer is told about one attempt (built only when someone observes)."""
    status = response.status_code if response is not None else None
    retry_after = None
    if response is not None and response.status_code >= 400:  # Retry-After comes with a 429 or a 503
        retry_after = response.headers.get("retry-after")
    return HttpAttempt(
        spec.method, spec.path, number, started, time.time_ns(), status, error, retry_after, retry_in, waited
    )


# --- the one boundary where httpx's answers and exceptions become ours ------------------------


def decode_response(spec: RequestSpec, response: httpx.Response) -> Any:
    """Return the decoded body of a success, or raise the matching :class:`NimbleAPIError`."""
    logger.debug("%s %s -> %s", spec.method, spec.path, response.status_code)
    if response.is_success:
        if not response.content:
            return None
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            try:
                return response.json()
            except ValueError as exc:
                raise TransportError(
                    "Nimble sent a malformed JSON body.",
                    status_code=response.status_code,
                    method=spec.method,
                    path=spec.path,
                ) from exc
        if content_type.startswith("text/"):
            return response.text
        return response.content
    raise error_from_response(spec, response)


def error_from_response(spec: RequestSpec, response: httpx.Response) -> NimbleAPIError:
    """Map a Nimble error answer onto the exception hierarchy."""
    status = response.status_code
    try:
        body: Any = response.json()
    except (ValueError, json.JSONDecodeError):
        body = {"message": response.text[:500]} if response.text else None
    message = _message(body) or response.reason_phrase or "error"
    common: dict[str, Any] = {"status_code": status, "body": body, "method": spec.method, "path": spec.path}
    if status == 402:
        return QuotaExceededError(message, **common)
    if status in (401, 403):
        if status == 401 or message == AUTH_FAILURE_MESSAGE:
            return AuthenticationError(message, **common)
        return PermissionDeniedError(message, **common)
    if status == 404:
        if isinstance(body, dict) and "object_type" in body:
            message = f"No {body.get('object_type')} with id {body.get('object_id')!r} was found."
        return NotFoundError(message, **common)
    if status == 406:
        return NotAcceptableError(message, **common)
    if status in (409, 422):
        return ValidationFailedError(message, **common)
    if status == 429:
        return RateLimitedError(message, retry_after=_retry_after(response), **common)
    if status >= 500:
        return ServerError(message, **common)
    return NimbleAPIError(message, **common)


def translate_transport_error(spec: RequestSpec, exc: httpx.HTTPError) -> NimbleAPIError:
    """Map an httpx exception; only a connect failure proves nothing was sent."""
    import httpx

    common: dict[str, Any] = {"method": spec.method, "path": spec.path}
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return ConnectError(f"Could not connect to Nimble: {type(exc).__name__}.", **common)
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(f"Nimble did not answer in time: {type(exc).__name__}.", **common)
    return TransportError(f"The connection to Nimble failed: {type(exc).__name__}.", **common)


def _message(body: Any) -> str:
    if not isinstance(body, dict):
        return ""
    text = body.get("message") or body.get("human_readable_error")
    if text:
        parts = [str(text)]
        errors = body.get("errors")
        if isinstance(errors, dict):
            details = ValidationFailedError("", body=body).field_errors
            parts += [f"{field}: {'; '.join(msgs)}" for field, msgs in details.items()]
        return " ".join(parts) if len(parts) == 1 else f"{parts[0]} ({', '.join(parts[1:])})"
    errors = body.get("errors")
    if isinstance(errors, list) and errors:  # 406 preflight shape
        return "; ".join(str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors)
    return ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils  # only for the rare HTTP-date form of Retry-After

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
