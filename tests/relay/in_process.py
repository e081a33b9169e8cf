"""The relay app inside the test process, with no socket, on a clock the test moves.

For what only time shows (rate limits refilling, a roster re-read, nonces
pruned): the test moves the clock instead of sleeping. What only a real
process shows (TLS, proxies, the CLI's options, a relay killed mid-upload)
stays in the tests that start `liaison-desk relay serve`.
"""

from __future__ import annotations

import time

import anyio
import httpx
from starlette.types import ASGIApp

from liaison_desk.relay.app import Relay, create_app

URL = "http://relay.test"


class ManualClock:
    """Wall time and an interval reading that move together, only when told to."""

    def __init__(self) -> None:
        self.wall_s = float(int(time.time()))  # near the real time: signatures made now fit
        self.elapsed_s = 1000.0

    def now_ms(self) -> int:
        return int(self.wall_s * 1000)

    def monotonic_s(self) -> float:
        return self.elapsed_s

    def now_s(self) -> int:
        return int(self.wall_s)

    def advance(self, seconds: float) -> None:
        self.wall_s += seconds
        self.elapsed_s += seconds


class InProcess(httpx.BaseTransport):
    """httpx's ASGITransport for a synchronous client: each request runs the app to its end."""

    def __init__(self, app: ASGIApp, address: str = "127.0.0.1") -> None:
        self._asgi = httpx.ASGITransport(app=app, client=(address, 40000))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()

        async def run() -> httpx.Response:
            forwarded = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
            response = await self._asgi.handle_async_request(forwarded)
            content = await response.aread()
            # A stream, as a network transport gives: the client reads it as it would a socket.
            stream = httpx.ByteStream(content)
            return httpx.Response(response.status_code, headers=response.headers, stream=stream)

        return anyio.run(run)


def transport(relay: Relay, address: str = "127.0.0.1") -> InProcess:
    """A transport to `relay` for an httpx client or the relay client, from `address`."""
    return InProcess(create_app(relay), address)


def client(relay: Relay, address: str = "127.0.0.1") -> httpx.Client:
    return httpx.Client(base_url=URL, transport=transport(relay, address), trust_env=False)
