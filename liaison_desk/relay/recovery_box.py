"""Recovery requests and grants through the relay, for a station that cannot open its vault.

    PUT    /v1/recovery/{station}/{request}         a request, signed by its own reply key
    GET    /v1/recovery                              HQ: the requests waiting
    GET    /v1/recovery/{station}/{request}          HQ: one of them
    PUT    /v1/recovery/{station}/{request}/grant    HQ: its grant
    GET    /v1/recovery/{station}/{request}/grant    the grant, to the request's reply key
    DELETE /v1/recovery/{station}/{request}          the request and its grant, by either

A station sealed for travel, or whose officer lost both secrets, cannot sign
as itself: its identity keys are inside the vault. What it has is the reply
key it made for the request (`sync.recovery`): the request names that key,
and every request the laptop makes about it is signed with it. So only the
laptop that made a request can send it and fetch its grant, and the grant is
sealed to that same key. A request's body (MAX_FILE at most) is read before
its signature is checked, since the key that signed it is in the body. The
relay checks the request names this relay's HQ and a station on HQ's roster,
still enrolled; nothing in it opens anything without HQ's private key, and HQ
grants only after checking the officer and the request's code out of band. A
station may have a few requests waiting (MAX_WAITING); more are refused rather
than pushing older ones out, so requests a stranger made up cannot evict the
officer's, and HQ removes those nobody called about.

Kept in the store's mailbox "recovery", beyond any vault id a station could
list: `<station>.<request>.request` and `<station>.<request>.grant`.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison_desk.relay.errors import DifferentBundle, Refusal
from liaison_desk.relay.request_parts import body_of, digest_of, length_of
from liaison_desk.relay.store import RECIPIENT
from liaison_desk.sync.errors import RecoveryError
from liaison_desk.sync.identity import PeerIdentity
from liaison_desk.sync.recovery_wire import (
    MAX_FILE,
    read_grant,
    read_request,
    reply_identity,
)
from liaison_desk.sync.request_signing import EMPTY_DIGEST, SignedClaims

if TYPE_CHECKING:
    from liaison_desk.relay.app import Relay

BOX = "recovery"
MAX_WAITING = 4  # requests one station may have waiting at once
_DIGEST = re.compile(r"[0-9a-f]{64}")
_NAME = re.compile(r"(?P<station>[0-9a-f]{96})\.(?P<request>[0-9a-f]{64})\.request")


def _ids(request: Request) -> tuple[str, str]:
    station, digest = str(request.path_params["station"]), str(request.path_params["request"])
    if not RECIPIENT.fullmatch(station) or not _DIGEST.fullmatch(digest):
        raise Refusal(400, "bad-id", "That is not a station id and a request digest.")
    return station, digest


class RecoveryBox:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.store = relay.store

    async def _enrolled(self, station: str) -> None:
        """Refuse a station HQ's roster does not list as enrolled (revoked: with HQ's reason)."""
        signer = await self.relay.known(station)
        if signer.is_hq:
            raise Refusal(400, "bad-id", "HQ makes no recovery request of its own.")

    async def _body(self, request: Request) -> tuple[bytes, str]:
        """The small body (a request or a grant), checked against its Content-Digest."""
        digest = request.headers.get("content-digest") or ""
        expected = digest_of(digest)
        size = length_of(request, MAX_FILE)
        data = b"".join([chunk async for chunk in body_of(request, size)])
        if hashlib.sha384(data).digest() != expected:
            raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
        return data, digest

    async def _read(self, name: str) -> bytes | None:
        download = await self.relay.store_work(0, self.store.download, BOX, name)
        if download is None:
            return None
        try:
            return b"".join(download.chunks())
        finally:
            download.close()

    async def _reply_key(self, station: str, digest: str) -> PeerIdentity:
        stored = await self._read(f"{station}.{digest}.request")
        if stored is None:
            raise Refusal(404, "no-request", "No such recovery request waits here.")
        try:
            return reply_identity(read_request(stored)[0])
        except RecoveryError:  # checked when stored: only a damaged store gets here
            raise Refusal(404, "no-request", "No such recovery request waits here.") from None

    async def _hq(self, request: Request, claims: SignedClaims, body: str) -> None:
        if claims.keyid != self.relay.hq.fingerprint:
            raise Refusal(403, "not-hq", "Only HQ reads recovery requests and grants them.")
        await self.relay.checked(request, claims, self.relay.hq, body)

    async def _requester(
        self, request: Request, claims: SignedClaims, station: str, digest: str, body: str
    ) -> None:
        """The key the stored request names for its reply must have signed this one."""
        reply = await self._reply_key(station, digest)
        if claims.keyid != reply.fingerprint:
            raise Refusal(403, "not-your-request", "Only the laptop that asked fetches a grant.")
        await self.relay.checked(request, claims, reply, body)

    async def _put(self, name: str, data: bytes) -> bool:
        upload = self.store.upload()
        try:
            upload.write(data)
            sha384 = hashlib.sha384(data).digest()
            return bool(await self.relay.store_work(0, upload.commit, BOX, name, sha384))
        except DifferentBundle:
            raise Refusal(409, "different", "A different file is already stored there.") from None
        finally:
            upload.abort()

    # -- endpoints --------------------------------------------------------------------------------

    async def put_request(self, request: Request) -> Response:
        station, digest = _ids(request)
        claims = self.relay.claims(request)
        data, content_digest = await self._body(request)
        try:
            body, found = read_request(data)
            reply = reply_identity(body)
        except RecoveryError as exc:
            raise Refusal(422, "bad-request", exc.message) from None
        if found != digest or body["station"] != station:
            raise Refusal(422, "header-mismatch", "The request does not match its address.")
        if body["hq"] != self.relay.hq.fingerprint:
            raise Refusal(422, "another-hq", "This recovery request is for another HQ.")
        if claims.keyid != reply.fingerprint:
            raise Refusal(403, "not-your-request", "A request is sent by the key it names.")
        await self.relay.checked(request, claims, reply, content_digest)
        await self._enrolled(station)
        waiting = await self.relay.store_work(0, self.store.waiting, BOX, f"{station}.")
        requests = [w for w in waiting if w.name.endswith(".request")]
        if len(requests) >= MAX_WAITING:
            raise Refusal(
                429,
                "too-many-requests",
                f"{MAX_WAITING} recovery requests from this station already wait for HQ.",
            )
        created = await self._put(f"{station}.{digest}.request", data)
        return JSONResponse({"request": digest, "stored": created}, status_code=201)

    async def list_requests(self, request: Request) -> Response:
        await self._hq(request, self.relay.claims(request), await self._empty(request))
        waiting = await self.relay.store_work(0, self.store.waiting, BOX)
        names = {w.name for w in waiting}
        rows = [
            {
                "station": m["station"],
                "request": m["request"],
                "granted": f"{m['station']}.{m['request']}.grant" in names,
            }
            for w in waiting
            if (m := _NAME.fullmatch(w.name)) is not None
        ]
        return JSONResponse({"requests": rows})

    async def get_request(self, request: Request) -> Response:
        station, digest = _ids(request)
        await self._hq(request, self.relay.claims(request), await self._empty(request))
        data = await self._read(f"{station}.{digest}.request")
        if data is None:
            raise Refusal(404, "no-request", "No such recovery request waits here.")
        return Response(data, media_type="application/json")

    async def put_grant(self, request: Request) -> Response:
        station, digest = _ids(request)
        claims = self.relay.claims(request)
        if claims.keyid != self.relay.hq.fingerprint:
            raise Refusal(403, "not-hq", "Only HQ grants a recovery.")
        data, content_digest = await self._body(request)
        await self._hq(request, claims, content_digest)
        try:
            named = read_grant(data)
        except RecoveryError as exc:
            raise Refusal(422, "bad-grant", exc.message) from None
        if named != (station, digest):
            raise Refusal(422, "header-mismatch", "The grant does not match its address.")
        await self._enrolled(station)
        await self._reply_key(station, digest)  # a request waits for it
        created = await self._put(f"{station}.{digest}.grant", data)
        return JSONResponse({"request": digest, "stored": created}, status_code=201)

    async def get_grant(self, request: Request) -> Response:
        station, digest = _ids(request)
        claims = self.relay.claims(request)
        await self._requester(request, claims, station, digest, await self._empty(request))
        await self._enrolled(station)
        data = await self._read(f"{station}.{digest}.grant")
        if data is None:
            raise Refusal(404, "not-granted", "HQ has not granted this request yet.")
        return Response(data, media_type="application/json")

    async def delete_request(self, request: Request) -> Response:
        station, digest = _ids(request)
        empty = await self._empty(request)
        claims = self.relay.claims(request)
        if claims.keyid == self.relay.hq.fingerprint:
            await self._hq(request, claims, empty)
        else:
            await self._requester(request, claims, station, digest, empty)
        for kind in ("grant", "request"):
            await self.relay.store_work(0, self.store.delete, BOX, f"{station}.{digest}.{kind}")
        return Response(status_code=204)

    async def _empty(self, request: Request) -> str:
        """The Content-Digest of a request without a body (refused if it has one)."""
        digest = request.headers.get("content-digest")
        if digest_of(digest) != EMPTY_DIGEST or request.headers.get("content-length", "0") != "0":
            raise Refusal(400, "unexpected-body", "This request takes no body.")
        return digest or ""
