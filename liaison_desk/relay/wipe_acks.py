"""A lost station's word, through the relay, that it obeyed HQ's wipe order.

    PUT    /v1/wipe-acks/{station}    the station's signed acknowledgement: from it alone,
                                      while HQ's roster holds a wipe order for it
    GET    /v1/wipe-acks              HQ: every acknowledgement waiting
    DELETE /v1/wipe-acks/{station}    HQ: taken

The relay refuses a revoked station every other request; one that HQ ordered
wiped may still leave this one small file, just before it wipes itself. The
relay reads nothing in it: HQ checks it (the station's signature and the order
it names, `sync.wipe_order.take_ack`). It waits in HQ's mailbox under a name no
bundle has (`wiped-<station>.json`), so HQ's listing of bundles never shows it.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison_desk.relay.errors import Refusal
from liaison_desk.relay.request_parts import body_of, digest_of, length_of, recipient_of
from liaison_desk.relay.store import Download, Upload

if TYPE_CHECKING:  # the app imports this module
    from liaison_desk.relay.app import Relay

MAX_ACK = 64 * 1024
_PREFIX = "wiped-"


def _name(station: str) -> str:
    return f"{_PREFIX}{station}.json"


def _whole(download: Download) -> bytes:
    try:
        return b"".join(download.chunks())
    finally:
        download.close()


class WipeAcks:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay

    async def put(self, request: Request) -> Response:
        station = recipient_of(request)
        digest = request.headers.get("content-digest") or ""
        expected = digest_of(digest)
        signer = await self.relay.signer(request, digest, lost=True)
        if signer.is_hq or signer.fingerprint != station:
            raise Refusal(403, "not-your-ack", "A station acknowledges only its own wipe.")
        roster = self.relay.roster.roster
        if roster is None or station not in roster.wipe_orders:
            raise Refusal(403, "no-wipe-order", "HQ has ordered no wipe of this station.")
        size = length_of(request, MAX_ACK)
        data = b"".join([chunk async for chunk in body_of(request, size)])
        if hashlib.sha384(data).digest() != expected:
            raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
        upload = self.relay.store.upload()
        try:
            upload.write(data)
            await self.relay.store_work(size, self._keep, upload, station, expected)
        finally:
            upload.abort()
        return Response(status_code=201)

    def _keep(self, upload: Upload, station: str, sha384: bytes) -> None:
        """The station's latest acknowledgement replaces any earlier one."""
        hq = self.relay.hq.fingerprint
        self.relay.store.delete(hq, _name(station))
        upload.commit(hq, _name(station), sha384)

    async def list(self, request: Request) -> Response:
        await self._hq(request)
        hq = self.relay.hq.fingerprint
        found = []
        for waiting in await self.relay.store_work(0, self.relay.store.waiting, hq, _PREFIX):
            station = waiting.name.removeprefix(_PREFIX).removesuffix(".json")
            download = await self.relay.store_work(0, self.relay.store.download, hq, waiting.name)
            if download is None:
                continue
            data = await self.relay.store_work(download.size, _whole, download)
            found.append({"station": station, "body": base64.b64encode(data).decode()})
        return JSONResponse({"acks": found})

    async def delete(self, request: Request) -> Response:
        station = recipient_of(request)
        await self._hq(request)
        await self.relay.store_work(
            0, self.relay.store.delete, self.relay.hq.fingerprint, _name(station)
        )
        return Response(status_code=204)

    async def _hq(self, request: Request) -> None:
        signer = await self.relay.signed_empty(request)
        if not signer.is_hq:
            raise Refusal(403, "not-hq", "Only HQ reads the wipe acknowledgements.")
