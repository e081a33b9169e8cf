"""A TCP proxy on 127.0.0.1 in front of a relay that cuts connections after so many bytes.

It stands for a poor link: every byte either way is counted, and when the
bytes one way (`up`, client to relay, or `down`) pass the next point of `cuts`,
the connection carrying them is cut, both sides at once, mid-request or
mid-answer. With `then_down`, the link is gone after the last cut: every new
connection is refused.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BUFFER = 64 * 1024  # one read: the read a cut falls in is half forwarded


@dataclass
class CuttingProxy:
    url: str
    direction: str  # "up" or "down": which way's bytes the cuts count
    cuts: list[int]
    then_down: bool = False
    sent: dict[str, int] = field(default_factory=lambda: {"up": 0, "down": 0})
    made: list[int] = field(default_factory=list)  # where each cut fell, in bytes that way
    refusing: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self, way: str, size: int) -> bool:
        """Count `size` bytes going `way`; True if the connection is to be cut here."""
        with self._lock:
            self.sent[way] += size
            if way == self.direction and self.cuts and self.sent[way] >= self.cuts[0]:
                self.made.append(self.sent[way])
                self.cuts.pop(0)
                self.refusing = self.then_down and not self.cuts
                return True
            return False


def _pipe(proxy: CuttingProxy, way: str, source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(BUFFER):
            if proxy._count(way, len(data)):
                # The cut falls inside this read: send a part of it, then end both sides.
                sink.sendall(data[: len(data) // 2])
                break
            sink.sendall(data)
    except OSError:
        pass
    for end in (source, sink):
        with contextlib.suppress(OSError):
            end.shutdown(socket.SHUT_RDWR)


@contextmanager
def cutting_proxy(
    relay_url: str, direction: str, cuts: list[int], then_down: bool = False
) -> Iterator[CuttingProxy]:
    target = urlsplit(relay_url)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)  # so that the acceptor sees `stop`
    address = f"http://127.0.0.1:{listener.getsockname()[1]}"
    proxy = CuttingProxy(address, direction, list(cuts), then_down)
    stop = threading.Event()

    def serve(client: socket.socket) -> None:
        with client:
            if proxy.refusing:
                return
            try:
                upstream = socket.create_connection((target.hostname, target.port))
            except OSError:
                return
            with upstream:
                back = threading.Thread(target=_pipe, args=(proxy, "down", upstream, client))
                back.start()
                _pipe(proxy, "up", client, upstream)
                back.join(timeout=30)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=serve, args=(client,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield proxy
    finally:
        stop.set()
        acceptor.join(timeout=10)
        listener.close()
