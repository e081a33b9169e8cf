"""Connections that have not yet proved who sends them: counted, capped, and timed.

A connection is unauthenticated from the moment it is accepted until one of
its requests passes the signature check. The relay holds at most so many of
those from one address, and so many in all; a new one over either cap takes
the place of the oldest (which is closed), so a client sending half a request
on a thousand connections cannot keep the next one out, and `/v1/health`
answers through a flood. Connections of every kind are capped too, below the
process's open-file limit: past that cap a new connection closes at once
unless an unauthenticated one can make room.

Timing is the protocol's (`relay.http_protocol`): a request's head must be in
within `header_timeout_s` of its first byte (or of the connection's start),
and its body must not pause for longer than `body_timeout_s`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SCOPE_KEY = "relay.connection"  # a request's connection, in its ASGI scope (`Authenticates`)
RESERVED_FILES = 64  # the process's own: listening socket, logs, store, worker threads
FILES_PER_CONNECTION = 2  # its socket, and the file an upload or a download holds open


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_connections: int = 4096
    max_unauthenticated: int = 1024
    max_unauthenticated_per_address: int = 32

    def within(self, open_files: int | None) -> ConnectionLimits:
        """These limits, lowered as far as the open-file limit needs (None: no such limit)."""
        most = self.max_connections
        if open_files is not None:
            most = min(most, max(16, (open_files - RESERVED_FILES) // FILES_PER_CONNECTION))
        unauthenticated = min(self.max_unauthenticated, most)
        return ConnectionLimits(
            self.header_timeout_s,
            self.body_timeout_s,
            most,
            unauthenticated,
            min(self.max_unauthenticated_per_address, unauthenticated),
        )


class Connection(Protocol):
    """What the guard needs of a connection: a way to close it."""

    def drop(self) -> None: ...


class Authenticates(Protocol):
    """A connection as the app sees it: told when one of its requests is signed and verified."""

    def authenticated(self) -> None: ...


class ConnectionGuard:
    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: set[Connection] = set()
        self._waiting: dict[Connection, str] = {}  # unauthenticated, oldest first -> address
        self._by_address: dict[str, dict[Connection, None]] = {}  # the same, per address

    def admit(self, conn: Connection, address: str) -> bool:
        """Count a new connection, closing older unauthenticated ones to make room; False if
        it cannot be let in (every connection the relay may hold is authenticated)."""
        limits = self.limits
        if len(self._open) >= limits.max_connections:
            if not self._waiting:
                return False
            self._evict(next(iter(self._waiting)))
        mine = self._by_address.get(address)
        if mine is not None and len(mine) >= limits.max_unauthenticated_per_address:
            self._evict(next(iter(mine)))
        if len(self._waiting) >= limits.max_unauthenticated:
            self._evict(next(iter(self._waiting)))
        self._open.add(conn)
        self._waiting[conn] = address
        self._by_address.setdefault(address, {})[conn] = None
        return True

    def authenticated(self, conn: Connection) -> None:
        """One of its requests passed the signature check: no longer a candidate to close."""
        address = self._waiting.pop(conn, None)
        if address is not None:
            self._forget_address(conn, address)

    def closed(self, conn: Connection) -> None:
        self._open.discard(conn)
        self.authenticated(conn)

    def counts(self) -> tuple[int, int]:
        """Connections open, and how many of them are unauthenticated."""
        return len(self._open), len(self._waiting)

    def _evict(self, conn: Connection) -> None:
        self.closed(conn)
        conn.drop()

    def _forget_address(self, conn: Connection, address: str) -> None:
        mine = self._by_address[address]
        del mine[conn]
        if not mine:
            del self._by_address[address]
