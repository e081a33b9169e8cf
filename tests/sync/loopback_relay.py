"""A misbehaving relay on 127.0.0.1 for the client's tests: it answers as a script says.

Each connection's request head is read, then `answer(path, conn)` writes what it
likes: a listing that never ends, a byte every tenth of a second. What it
managed to send before the client hung up is counted, so a test can show the
client stopped reading, not only that it said so.
"""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HEALTH = json.dumps({"status": "ok", "service": "liaison-desk-relay"}).encode()

Answer = Callable[[str, "Sent"], None]


@dataclass
class Sent:
    """One connection's socket, and how many bytes went out on it."""

    conn: socket.socket
    bytes: int = 0

    def send(self, data: bytes) -> None:
        self.conn.sendall(data)
        self.bytes += len(data)

    def head(self, status: str = "200 OK", **headers: str) -> None:
        lines = [f"HTTP/1.1 {status}"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())


@dataclass
class Relay:
    url: str
    sent: list[Sent] = field(default_factory=list)
    finished: threading.Event = field(default_factory=threading.Event)

    def total_sent(self) -> int:
        return sum(s.bytes for s in self.sent)


def health(sent: Sent) -> None:
    sent.head(content_type="application/json", content_length=str(len(HEALTH)))
    sent.send(HEALTH)


@contextmanager
def loopback_relay(answer: Answer, tls: tuple[Path, Path] | None = None) -> Iterator[Relay]:
    """A server on a free port answering every request with `answer` (health it answers itself).

    `tls`: a certificate and its key, to serve HTTPS.
    """
    relay = Relay("")
    context = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn = self.request
            try:
                if context is not None:
                    conn = context.wrap_socket(conn, server_side=True)
                sent = Sent(conn)
                relay.sent.append(sent)
                reader = conn.makefile("rb")
                while True:
                    line = reader.readline()
                    if not line:
                        return
                    path = line.split(b" ")[1].decode()
                    while reader.readline() not in (b"\r\n", b""):
                        pass
                    if path == "/v1/health":
                        health(sent)
                        continue
                    answer(path, sent)
                    return
            except OSError:
                pass  # the client hung up: what it took is counted
            finally:
                conn.close()  # a TLS socket is not the one socketserver closes
                relay.finished.set()

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    scheme = "http" if tls is None else "https"
    relay.url = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def endless(sent: Sent, piece: bytes, limit: int) -> None:
    """Send `piece` again and again, up to `limit` bytes, until the client hangs up."""
    while sent.bytes < limit:
        sent.send(piece)
