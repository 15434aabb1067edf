"""The sandbox as a real HTTP server, so that any Nimble client can be pointed at it."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from ._http import SandboxRequest

if TYPE_CHECKING:
    from ._app import Sandbox

__all__ = ["MAX_BODY", "SandboxServer"]

logger = logging.getLogger("nimble_tools.sandbox")
MAX_BODY = 64 * 1024 * 1024
"""Largest request body the served sandbox reads."""
READ_TIMEOUT = 30.0
"""Seconds a connection may sit without sending what it announced before it is closed."""

_POLL_INTERVAL = 0.05
"""How often the background loop looks for ``stop()``, which waits up to this (socketserver's default: 0.5 s)."""


class SandboxServer:
    """A threaded HTTP server around a sandbox; ``start()`` runs it in a background thread."""

    def __init__(self, sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(sandbox))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the listening socket."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread and return at once."""
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name="nimble-sandbox",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self.httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm on, the body then waits for
        # the client's delayed ACK, about 40 ms per answer on loopback.
        disable_nagle_algorithm = True
        timeout = READ_TIMEOUT  # a client that announces a body and never sends it cannot hold a thread

        def _serve(self) -> None:
            url = urlsplit(self.path)
            query: dict[str, list[str]] = {}
            for key, value in parse_qsl(url.query, keep_blank_values=True):
                query.setdefault(key, []).append(value)
            announced = (self.headers.get("content-length") or "0").strip()
            if not announced.isdigit():
                self._refuse(400, "Content-Length must be a number of bytes.")
                return
            length = int(announced)
            if length > MAX_BODY:
                self._refuse(413, f"The body is larger than {MAX_BODY} bytes.")
                return
            body = self.rfile.read(length) if length else b""
            request = SandboxRequest(
                method=self.command,
                path=url.path,
                query=query,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                reply = sandbox.handle(request)
            except Exception:  # a sandbox bug: answer like a server, never drop the connection
                logger.exception("the sandbox failed on %s %s", self.command, url.path)
                self._refuse(500, "The sandbox failed on this request.")
                return
            if reply.delay:
                time.sleep(reply.delay)
            if reply.fault is not None:
                # timeout (after hanging) or drop: close the socket without a byte of answer
                self.close_connection = True
                return
            if reply.raw is not None:
                payload = reply.raw
                content_type = reply.headers.get("content-type", "application/octet-stream")
            elif reply.body is None:
                payload, content_type = b"", "application/json"
            else:
                payload, content_type = json.dumps(reply.body).encode(), "application/json"
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                if key.lower() != "content-type":
                    self.send_header(key, value)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _refuse(self, status: int, message: str) -> None:
            payload = json.dumps({"message": message}).encode()
            self.close_connection = True  # what follows on this connection cannot be trusted
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet by default; the CLI prints its own access line

    return Handler
