"""Running the relay: uvicorn serving the Starlette app, on a socket we bind ourselves.

Binding first lets `--port 0` pick a free port and print it, which is how the
tests start real relay processes side by side. Before serving, the process
raises its open-file limit as far as the system allows, and the connection
caps are fitted under it, so a flood of connections closes connections, not
the relay's ability to open files or accept `/v1/health`.
"""

from __future__ import annotations

import logging
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from liaison_desk.relay.app import Relay, create_app
from liaison_desk.relay.connections import RESERVED_FILES, ConnectionGuard, ConnectionLimits
from liaison_desk.relay.errors import RelaySetupError
from liaison_desk.relay.http_protocol import GuardedH11Protocol

log = logging.getLogger("liaison_desk.relay")

BACKLOG = 1024  # connections the system queues before the relay accepts them (no files used)


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
    sock.listen(BACKLOG)
    sock.set_inheritable(True)
    return sock


def open_file_limit() -> int | None:
    """Raise this process's open-file limit to the most it may have; the limit now (None if
    the system has no such limit)."""
    try:
        import resource
    except ImportError:  # Windows: no per-process limit of this kind
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if wanted > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):  # macOS caps the soft limit below an unlimited hard one
            return soft
        return wanted
    return soft


def backlog(open_files: int | None) -> int:
    """The listening queue, which is also how many connections asyncio accepts in one go:
    no more than the open files left over can take before the guard closes the excess.

    Past the limit asyncio logs every failed accept of the batch and pauses for a second.
    """
    if open_files is None:
        return BACKLOG
    return max(16, min(BACKLOG, (open_files - RESERVED_FILES) // 8))


def serve(relay: Relay, listen: Listen, limits: ConnectionLimits | None = None) -> None:
    """Serve until interrupted; prints the address it listens on first (scripts wait for it)."""
    files = open_file_limit()
    fitted = (limits or ConnectionLimits()).within(files)
    guard = ConnectionGuard(fitted)
    protocol = type("RelayProtocol", (GuardedH11Protocol,), {"guard": guard})
    sock = bind(listen)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        create_app(relay),
        http=protocol,
        backlog=backlog(files),
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
    log.info(
        "relay serving on port %d; open files %s; connections at most %d, unauthenticated %d "
        "(%d per address); head timeout %gs, body timeout %gs",
        port,
        files if files is not None else "unlimited",
        fitted.max_connections,
        fitted.max_unauthenticated,
        fitted.max_unauthenticated_per_address,
        fitted.header_timeout_s,
        fitted.body_timeout_s,
    )
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()
