"""A real local HTTP server that replays recorded responses, so tests exercise the real httpx code.

Usage::

    with ReplayServer() as server:
        server.queue("/oai", Reply(503, b"busy", {"Retry-After": "1"}), Reply(200, page_bytes))
        ...  # point the client at server.url("/oai")
        assert server.requests[0].query == "verb=ListRecords&metadataPrefix=arXiv"

Replies are queued per path and served in order; or ``server.route(callable)`` answers every request
with a function of the request. A reply with ``cut_after=N`` misbehaves like a dropped connection: the
headers promise the whole body, only its first N bytes are sent, then the socket is reset (RST, or a plain
close with ``reset=False``). A request nothing answers gets a 599 reply (and is still recorded), so
a test sees an unexpected request instead of hanging. The ``replay_server`` fixture in
``tests/conftest.py`` starts and stops one per test.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    cut_after: int | None = None  # send only this many body bytes, then drop the connection
    reset: bool = True  # ... with a TCP reset (SO_LINGER 0); False: an orderly close (FIN) instead


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str  # without the query string
    query: str  # raw, as sent (percent-encoded)
    headers: Mapping[str, str]

    @property
    def params(self) -> dict[str, str]:
        """Decoded query parameters (the last value wins for repeated names)."""
        return {name: values[-1] for name, values in parse_qs(self.query, keep_blank_values=True).items()}


Router = Callable[[ReceivedRequest], Reply]

UNANSWERED = 599


class ReplayServer:
    def __init__(self) -> None:
        self.requests: list[ReceivedRequest] = []
        self._queues: dict[str, deque[Reply]] = {}
        self._router: Router | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,  # quick shutdown
        )

    # --- configuration -----------------------------------------------------------------------------------

    def queue(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` in order to requests for ``path`` (query string ignored)."""
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)

    def route(self, router: Router) -> None:
        """Answer requests that have no queued reply with ``router(request)``."""
        self._router = router

    def url(self, path: str = "") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- serving -----------------------------------------------------------------------------------------

    def _answer(self, request: ReceivedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            pending = self._queues.get(request.path)
            if pending:
                return pending.popleft()
        if self._router is not None:
            return self._router(request)
        return Reply(UNANSWERED, f"replay server: nothing queued for {request.path}".encode())

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                request = ReceivedRequest("GET", parts.path, parts.query, dict(self.headers.items()))
                reply = server._answer(request)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.cut_after is None:
                    self.wfile.write(reply.body)
                    return
                self.wfile.write(reply.body[: reply.cut_after])
                self.wfile.flush()
                self.close_connection = True
                if reply.reset:  # close() with a zero linger time sends RST instead of FIN
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler
