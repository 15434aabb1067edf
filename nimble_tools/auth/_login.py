"""Catching the OAuth redirect on a loopback port, for command-line logins (RFC 8252, section 7.3)."""

from __future__ import annotations

import html
import queue
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from .._errors import ConfigurationError

__all__ = ["CallbackReceiver"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
REPLY_WAIT = 60.0
"""Seconds the browser's request waits for :meth:`CallbackReceiver.reply` before a generic page."""


class CallbackReceiver:
    """A one-shot HTTP server on the redirect URI's loopback host and port.

    :meth:`wait` returns the first callback URL that arrives on the redirect path with the ``state``
    given to :meth:`expect` (any other request there, a stray or a forged one, is answered 400 and
    the wait goes on); the browser's request is held open until :meth:`reply` tells it how the login
    ended. Port 0 in the redirect URI picks a free port, and :attr:`redirect_uri` is then the real one.

    Args:
        redirect_uri: ``http://127.0.0.1:PORT/path`` (or ``localhost``).
    """

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        if parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            raise ConfigurationError(
                "The login redirect URI must be http://127.0.0.1:PORT/... or http://localhost:PORT/..., "
                f"got {redirect_uri!r}."
            )
        self._path = parts.path or "/"
        self._callbacks: queue.Queue[str] = queue.Queue(maxsize=1)
        self._replies: queue.Queue[tuple[int, str]] = queue.Queue(maxsize=1)
        self._caught = False
        self._state: str | None = None
        try:
            self._server = HTTPServer((parts.hostname, 80 if parts.port is None else parts.port), self._handler())
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot listen on {parts.hostname}:{parts.port} for the login redirect: {exc.strerror}."
            ) from None
        port = self._server.server_address[1]
        netloc = f"[::1]:{port}" if parts.hostname == "::1" else f"{parts.hostname}:{port}"
        self.redirect_uri = urlunsplit(parts._replace(netloc=netloc))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="nimble-login", daemon=True
        )
        self._thread.start()

    def __repr__(self) -> str:
        return f"CallbackReceiver({self.redirect_uri!r})"

    def expect(self, state: str) -> None:
        """Accept only the callback that carries this ``state`` (the login's own)."""
        self._state = state

    def wait(self, timeout: float) -> str:
        """The full callback URL (with ``code`` and ``state``, or ``error``).

        Raises:
            TimeoutError: no callback arrived within ``timeout`` seconds.
        """
        try:
            return self._callbacks.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"No login redirect arrived within {timeout:g} seconds.") from None

    def reply(self, ok: bool, text: str) -> None:
        """Answer the waiting browser with a short page saying ``text``."""
        if self._replies.empty():
            self._replies.put((200 if ok else 400, text))

    def close(self) -> None:
        """Answer a browser still waiting, and stop listening."""
        self.reply(False, "The login was abandoned; see the terminal.")
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CallbackReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _answer(self, path: str) -> tuple[int, str]:
        parts = urlsplit(path)
        if parts.path != self._path:
            return 404, "Not the login callback."
        if self._state is not None and dict(parse_qsl(parts.query)).get("state") != self._state:
            return 400, "This is not the callback of the login in progress; it was ignored."
        if self._caught:
            return 410, "This login was already handled; you can close this tab."
        self._caught = True
        parts = urlsplit(self.redirect_uri)
        self._callbacks.put(f"{parts.scheme}://{parts.netloc}{path}")
        try:
            return self._replies.get(timeout=REPLY_WAIT)
        except queue.Empty:
            return 500, "The login did not finish in time; see the terminal."

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, text = receiver._answer(self.path)
                page = f"<!doctype html><title>nimble-tools</title><p>{html.escape(text)}</p>".encode()
                self.send_response(status)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.send_header("cache-control", "no-store")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: object) -> None:
                pass  # the request line holds the code: never log it

        return Handler
