"""A TCP proxy in front of the SMTP sink that cuts one connection in the middle of a message's DATA.

aiosmtpd only calls its handler once a whole message has arrived, so a drop *during* DATA has to happen on
the wire: the proxy forwards bytes both ways and, on the chosen connection, resets both sides after a few
hundred bytes of the chosen transaction's message text.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field

_RESET = struct.pack("ii", 1, 0)


@dataclass
class DropMidData:
    connection: int = 0  # which accepted connection (0 = the first)
    transaction: int = 2  # which DATA on it (0 = the first)
    after_bytes: int = 600  # of message text forwarded before the cut
    dropped: threading.Event = field(default_factory=threading.Event)


class CuttingProxy:
    def __init__(self, upstream_port: int, drop: DropMidData) -> None:
        self.upstream_port, self.drop = upstream_port, drop
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._accepted = 0
        self._closed = False

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> CuttingProxy:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed = True
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            cut = self._accepted == self.drop.connection
            self._accepted += 1
            threading.Thread(target=self._client_to_server, args=(client, upstream, cut), daemon=True).start()
            threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()

    def _client_to_server(self, client: socket.socket, upstream: socket.socket, cut: bool) -> None:
        transactions, in_data, forwarded = 0, False, 0
        while chunk := _recv(client):
            # DATA comes alone or, pipelined (RFC 2920), last in a chunk after MAIL and RCPT
            if cut and not in_data and b"DATA" in chunk.upper().split(b"\r\n")[-2:]:
                in_data = transactions == self.drop.transaction
                transactions += 1
            elif in_data:
                forwarded += len(chunk)
                if forwarded >= self.drop.after_bytes:
                    upstream.sendall(chunk[: max(0, len(chunk) - (forwarded - self.drop.after_bytes))])
                    for sock in (client, upstream):  # a reset, not a polite close: the line just died
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
                        sock.close()
                    self.drop.dropped.set()
                    return
            try:
                upstream.sendall(chunk)
            except OSError:
                break
        _close(client, upstream)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _pump(source: socket.socket, target: socket.socket) -> None:
    while chunk := _recv(source):
        try:
            target.sendall(chunk)
        except OSError:
            break
    _close(source, target)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.close()
