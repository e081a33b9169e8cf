"""uvicorn's HTTP/1.1 protocol with the relay's guard: each connection counted and timed.

uvicorn closes a connection idle between requests (its keep-alive timeout)
but not one that sends half a request and waits, or a body a byte at a
time. This protocol adds the two timeouts and reports each connection to the
`ConnectionGuard` (`relay.connections`), which caps how many may wait
unauthenticated. The app marks a connection authenticated through the
`relay.connection` entry of each request's scope.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from liaison_desk.relay.connections import SCOPE_KEY, ConnectionGuard
from liaison_desk.relay.limits import address_key


class GuardedH11Protocol(H11Protocol):
    guard: ClassVar[ConnectionGuard]

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._timer: asyncio.TimerHandle | None = None
        self._counted = False
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope[SCOPE_KEY] = self
            await inner(scope, receive, send)

        self.app = app

    # -- what the guard and the app call --------------------------------------------------------

    def drop(self) -> None:
        self.transport.close()

    def authenticated(self) -> None:
        if self._counted:
            self.guard.authenticated(self)

    # -- the protocol's events ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else ""
        self._counted = self.guard.admit(self, address_key(host))
        if not self._counted:
            transport.close()
            return
        self._arm(self.guard.limits.header_timeout_s)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted:
            self.guard.closed(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._timer is None and self.conn.their_state is h11.IDLE:
            self._arm(self.guard.limits.header_timeout_s)  # a new request on a kept connection
        super().data_received(data)
        self._watch()

    def on_response_complete(self) -> None:
        unread = self.conn.their_state is h11.SEND_BODY
        super().on_response_complete()
        if unread:
            # Answered before its body was read (a refusal): the rest would be read and thrown
            # away for as long as the client cared to send it.
            self.transport.close()
            return
        self._disarm()  # until the next request's first byte, uvicorn's keep-alive timeout
        self._watch()

    # -- the timer -------------------------------------------------------------------------------

    def _watch(self) -> None:
        """The head's timer runs on while the head comes; then the body's, reset by each piece."""
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            self._arm(self.guard.limits.body_timeout_s)
        elif state is not h11.IDLE:
            self._disarm()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._timer = self.loop.call_later(seconds, self._expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self) -> None:
        self._timer = None
        if self.conn.their_state is h11.SEND_BODY and self.flow.read_paused:
            self._arm(self.guard.limits.body_timeout_s)  # the app is not reading: not their fault
            return
        self.transport.close()
