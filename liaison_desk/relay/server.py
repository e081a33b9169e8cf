"""Running the relay: uvicorn serving the Starlette app, on a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and print it, which is how the
tests start real relay processes side by side.
"""

from __future__ import annotations

import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from liaison_desk.relay.app import Relay, create_app
from liaison_desk.relay.errors import RelaySetupError

log = logging.getLogger("liaison_desk.relay")


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @property
    def scheme(self) -> str:
        return "https" if self.tls_cert else "http"


def bind(listen: Listen) -> socket.socket:
    family = socket.AF_INET6 if ":" in listen.host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP.
    # Without it a response's body waits behind its headers for the client's delayed ACK
    # (Nagle): 40 ms on every response that has a body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((listen.host, listen.port))
    except OSError as exc:
        sock.close()
        raise RelaySetupError(
            f"The relay cannot listen on {listen.host} port {listen.port}: {exc.strerror or exc}."
        ) from exc
    sock.listen(1024)
    sock.set_inheritable(True)
    return sock


def serve(relay: Relay, listen: Listen) -> None:
    """Serve until interrupted; prints the address it listens on first (scripts wait for it)."""
    sock = bind(listen)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(relay),
        ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
        ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
        log_config=None,
        access_log=False,
        server_header=False,
        h11_max_incomplete_event_size=32 * 1024,  # two signatures in the headers
        timeout_keep_alive=30,
        timeout_graceful_shutdown=10,
    )
    print(f"Relay listening on {listen.scheme}://{host}:{port}", flush=True)
    log.info("relay serving on port %d", port)
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()
