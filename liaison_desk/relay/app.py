"""The relay's HTTP interface (Starlette): signed requests in, opaque bundles through.

    GET    /v1/health                          unsigned; what the apps probe
    PUT    /v1/roster                          HQ's signed roster of stations
    GET    /v1/roster                          the roster held, for HQ to number on from
    PUT    /v1/mailboxes/{recipient}/{name}    a bundle for `recipient`, from the signer
    GET    /v1/mailboxes/{me}                  what waits for the signer
    GET    /v1/mailboxes/{me}/{name}           one of them
    DELETE /v1/mailboxes/{me}/{name}           acknowledged: remove it
    POST|HEAD|PATCH /v1/uploads/{recipient}/{name}   an upload that resumes (`relay.uploads`)
    PUT|GET|DELETE /v1/wipe-acks[/{station}]   a lost station's wipe, acknowledged
                                               (`relay.wipe_acks`)

A bundle's GET takes `Range: bytes=N-`, for a download that resumes.

Every other request must be signed (`sync.request_signing`) by HQ or by a
station HQ's roster lists as enrolled. A station sends only to HQ, HQ only to
its stations, and each reads only its own mailbox. Checks run before the body
is read: a refused upload costs the relay its headers, not its body.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liaison_desk.core.clock import IntervalClock, SystemClock
from liaison_desk.relay.connections import SCOPE_KEY, Authenticates
from liaison_desk.relay.errors import DifferentBundle, Refusal, StoreError
from liaison_desk.relay.limits import (
    ADDRESS_RATE,
    STATION_RATE,
    PartialLimits,
    RateLimit,
    TokenBuckets,
    address_key,
)
from liaison_desk.relay.request_parts import (
    body_of,
    check_header,
    digest_of,
    ids_of,
    length_of,
    own_name,
    range_start,
    recipient_of,
    within,
)
from liaison_desk.relay.store import Download, MailboxStore, Upload
from liaison_desk.relay.uploads import Uploads
from liaison_desk.relay.wipe_acks import WipeAcks
from liaison_desk.sync.bundle import PREFIX
from liaison_desk.sync.bundle_names import sender_prefix, superseded
from liaison_desk.sync.errors import RequestRefused, RosterError
from liaison_desk.sync.identity import PeerIdentity
from liaison_desk.sync.request_signing import (
    EMPTY_DIGEST,
    read_claims,
    verify_claims,
)
from liaison_desk.sync.roster import MAX_ROSTER, Roster, read_roster, supersedes

log = logging.getLogger("liaison_desk.relay")
access_log = logging.getLogger("liaison_desk.relay.access")

DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024
ROSTER_CHECK_S = 2.0
ROSTER_FORCE_S = 0.25
NONCE_PRUNE_S = 60.0
SUPERSEDE = "liaison-supersede"
WHOLE_READ = 1024 * 1024  # a bundle up to this size is read in one go, not streamed
INLINE_BYTES = 64 * 1024  # see Relay.store_work
T = TypeVar("T")


@dataclass(frozen=True)
class Signer:
    identity: PeerIdentity
    is_hq: bool

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint


class RosterCache:
    """HQ's roster as the store holds it, re-read when another process may have replaced it.

    A signer the roster does not know makes it re-read at once, but not more
    than a few times a second: unknown ids cost no more than known ones.
    """

    def __init__(self, store: MailboxStore, hq: PeerIdentity, clock: IntervalClock) -> None:
        self.store = store
        self.hq = hq
        self.clock = clock
        self.roster: Roster | None = None
        self._tag: str | None = None
        self._checked = self._forced = -ROSTER_CHECK_S

    def due(self, unknown: bool = False) -> bool:
        now = self.clock.monotonic_s()
        if unknown:
            return now - self._forced >= ROSTER_FORCE_S
        return now - self._checked >= ROSTER_CHECK_S

    def refresh(self, unknown: bool = False) -> None:
        self._checked = self.clock.monotonic_s()
        if unknown:
            self._forced = self._checked
        tag = self.store.roster_tag()
        if tag is None or tag == self._tag:
            return
        found = self.store.read_roster()
        if found is None:
            return
        data, tag = found
        self.roster = read_roster(data, self.hq)
        self._tag = tag


class Relay:
    def __init__(
        self,
        store: MailboxStore,
        hq: PeerIdentity,
        max_bundle: int = DEFAULT_MAX_UPLOAD,
        rate: RateLimit | None = None,
        clock: IntervalClock | None = None,
        address_rate: RateLimit | None = None,
        partial_limits: PartialLimits | None = None,
    ) -> None:
        self.store = store
        self.hq = hq
        self.max_bundle = max_bundle
        self.clock = clock or SystemClock()
        self.roster = RosterCache(store, hq, self.clock)
        self.buckets = TokenBuckets(rate or STATION_RATE, self.clock)
        self.addresses = TokenBuckets(address_rate or ADDRESS_RATE, self.clock)
        self.partial_limits = partial_limits or PartialLimits(bytes_per_sender=2 * max_bundle)
        self._pruned: float | None = None

    # -- who is asking ----------------------------------------------------------------------------

    async def signer(self, request: Request, digest: str, lost: bool = False) -> Signer:
        """Who signed the request: HQ or a station its roster enrols (or, with `lost`, one
        it ordered wiped: for its acknowledgement alone, `relay.wipe_acks`)."""
        # Per address first: a flood of forged signatures costs a dictionary look-up each,
        # not a signature check.
        host = request.client.host if request.client else ""
        within(self.addresses.take(address_key(host)), "from this address")
        headers = request.headers
        try:
            claims = read_claims(headers.get("signature-input"), headers.get("signature"))
        except RequestRefused as exc:
            raise Refusal(401, exc.code, exc.message) from None
        request.scope["relay.keyid"] = claims.keyid[:16]
        signer = await self._known(claims.keyid, lost)
        path = request.scope["raw_path"].decode("latin-1")
        # On the event loop: verifying holds the GIL most of the time, and handing it to a
        # worker cost more than it saved (measured in benchmarks/relay.py).
        try:
            verify_claims(claims, signer.identity, request.method, path, digest, self._now_s())
        except RequestRefused as exc:
            raise Refusal(401, exc.code, exc.message) from None
        connection: Authenticates | None = request.scope.get(SCOPE_KEY)  # None in-process
        if connection is not None:
            connection.authenticated()  # no longer a candidate to close to make room
        within(self.buckets.take(claims.keyid), "from this station")
        if not await self.store_work(
            0, self.store.claim_nonce, claims.keyid, claims.nonce, claims.created
        ):
            raise Refusal(401, "replayed", "This request was already received (replayed).")
        await self._tidy()
        return signer

    async def store_work(self, size: int, work: Callable[..., T], *args: Any) -> T:
        """Run store work on the event loop when the store is local and the bundle small (the
        hand-off to a worker thread costs more than the work), else on a worker."""
        if self.store.local and size <= INLINE_BYTES:
            return work(*args)
        return await run_in_threadpool(work, *args)

    async def _known(self, keyid: str, lost: bool = False) -> Signer:
        cache = self.roster
        if cache.due():
            await run_in_threadpool(cache.refresh)
        if keyid == self.hq.fingerprint:
            return Signer(self.hq, True)
        if (cache.roster is None or keyid not in cache.roster.stations) and cache.due(True):
            await run_in_threadpool(cache.refresh, True)
        roster = cache.roster
        if roster is None:
            raise Refusal(403, "no-roster", "HQ has not given this relay its roster yet.")
        identity = roster.active(keyid)
        if identity is None and lost and keyid in roster.wipe_orders:
            identity = roster.stations[keyid]
        if identity is None:
            if keyid in roster.revoked:
                reason = roster.reasons.get(keyid)
                raise Refusal(
                    403,
                    "revoked",
                    f"This station has been revoked by HQ: {reason}."
                    if reason
                    else "This station has been revoked by HQ.",
                    wipe_order=roster.wipe_orders.get(keyid),
                )
            raise Refusal(403, "unknown-signer", "This station is not enrolled with HQ.")
        return Signer(identity, False)

    def _now_s(self) -> int:
        return self.clock.now_ms() // 1000

    async def _tidy(self) -> None:
        """Now and then: forget nonces past their window, and partial uploads left too long."""
        now = self.clock.monotonic_s()
        if self._pruned is None or now - self._pruned >= NONCE_PRUNE_S:
            self._pruned = now
            await run_in_threadpool(self.store.prune_nonces, self._now_s())
            before = self.clock.now_ms() / 1000 - self.partial_limits.max_age_s
            expired = await run_in_threadpool(self.store.partials.expire, before)
            if expired:
                log.info("%d partial uploads expired", expired)

    async def signed_empty(self, request: Request) -> Signer:
        """The signer of a request without a body (its digest must be the empty body's)."""
        digest = request.headers.get("content-digest")
        if digest_of(digest) != EMPTY_DIGEST or request.headers.get("content-length", "0") != "0":
            raise Refusal(400, "unexpected-body", "This request takes no body.")
        return await self.signer(request, digest or "")

    # -- endpoints --------------------------------------------------------------------------------

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "service": "liaison-desk-relay"})

    async def put_roster(self, request: Request) -> Response:
        digest = request.headers.get("content-digest") or ""
        expected = digest_of(digest)
        signer = await self.signer(request, digest)
        if not signer.is_hq:
            raise Refusal(403, "not-hq", "Only HQ gives the relay its roster.")
        size = length_of(request, MAX_ROSTER)
        data = b"".join([chunk async for chunk in body_of(request, size)])
        if hashlib.sha384(data).digest() != expected:
            raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
        try:
            roster = read_roster(data, self.hq)
        except RosterError as exc:
            raise Refusal(422, "bad-roster", exc.message) from None
        await run_in_threadpool(self.roster.refresh)
        current = self.roster.roster
        if current is not None and not supersedes(roster, current):
            raise Refusal(
                409,
                "stale-roster",
                f"This roster (number {roster.seq}) does not supersede the one the relay holds "
                f"(number {current.seq}).",
            )
        await run_in_threadpool(self.store.write_roster, data)
        await run_in_threadpool(self.roster.refresh)
        log.info(
            "roster %d stored: %d stations, %d revoked",
            roster.seq,
            len(roster.stations),
            len(roster.revoked),
        )
        return Response(status_code=204)

    async def get_roster(self, request: Request) -> Response:
        """The roster as HQ signed it: a restored HQ reads its number and issues above it."""
        signer = await self.signed_empty(request)
        if not signer.is_hq:
            raise Refusal(403, "not-hq", "Only HQ reads the relay's roster.")
        found = await run_in_threadpool(self.store.read_roster)
        if found is None:
            raise Refusal(404, "no-roster", "HQ has not given this relay its roster yet.")
        request.scope["relay.bytes_out"] = len(found[0])
        return Response(found[0], media_type="application/json")

    async def sending(self, request: Request) -> tuple[str, str, bytes, Signer]:
        """A request that sends a bundle or its pieces: its recipient, bundle name, the body's
        digest as stated, and its signer, whom the roster lets send to that recipient."""
        recipient, name = ids_of(request)
        digest = request.headers.get("content-digest") or ""
        expected = digest_of(digest)
        signer = await self.signer(request, digest)
        await self.may_send(signer, recipient)
        return recipient, name, expected, signer

    async def put_bundle(self, request: Request) -> Response:
        recipient, name, expected, signer = await self.sending(request)
        own_name(signer.fingerprint, recipient, name)
        size = length_of(request, self.max_bundle)
        upload = self.store.upload()
        try:
            hasher = hashlib.sha384()
            head = bytearray()
            async for chunk in body_of(request, size):
                hasher.update(chunk)
                if len(head) < PREFIX:
                    head += chunk[: PREFIX - len(head)]
                upload.write(chunk)
            if hasher.digest() != expected:
                raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
            check_header(bytes(head), size, signer.fingerprint, recipient, name)
            supersede = request.headers.get(SUPERSEDE) == "?1"
            created = await self.store_work(
                size, self._store, upload, signer.fingerprint, recipient, name, expected, supersede
            )
        except DifferentBundle as exc:
            raise Refusal(409, "different-bundle", exc.message) from None
        finally:
            upload.abort()
        request.scope["relay.bytes_in"] = size
        return JSONResponse({"name": name, "stored": created}, status_code=201 if created else 200)

    def _store(
        self,
        upload: Upload,
        sender: str,
        recipient: str,
        name: str,
        sha384: bytes,
        supersede: bool,
    ) -> bool:
        created = upload.commit(recipient, name, sha384)
        if supersede:
            self.drop_superseded(sender, recipient, name)
        return created

    def drop_superseded(self, sender: str, recipient: str, name: str) -> None:
        """Drop the sender's older bundles waiting for `recipient`: the newest bundle carries
        everything its sender's older ones still waiting held."""
        for waiting in self.store.waiting(recipient, sender_prefix(sender)):
            if superseded(waiting.name, name):
                self.store.delete(recipient, waiting.name)

    async def may_send(self, signer: Signer, recipient: str) -> None:
        if signer.is_hq:
            cache = self.roster
            roster = cache.roster
            if (roster is None or roster.active(recipient) is None) and cache.due(True):
                await run_in_threadpool(cache.refresh, True)  # another process took it
                roster = cache.roster
            if roster is None or roster.active(recipient) is None:
                raise Refusal(403, "unknown-recipient", "That station is not on HQ's roster.")
        elif recipient != self.hq.fingerprint:
            raise Refusal(403, "stations-send-to-hq", "A station sends bundles to HQ only.")

    async def list_mailbox(self, request: Request) -> Response:
        recipient = recipient_of(request)
        await self._own_mailbox(request, recipient)
        waiting = await self.store_work(0, self.store.waiting, recipient)
        return JSONResponse({"bundles": [{"name": w.name, "size": w.size} for w in waiting]})

    async def get_bundle(self, request: Request) -> Response:
        """The bundle, or with `Range: bytes=N-` its rest from byte N (a download resuming)."""
        recipient, name = ids_of(request)
        await self._own_mailbox(request, recipient)
        start = range_start(request)
        download = await self.store_work(0, self.store.download, recipient, name, start or 0)
        if download is None:
            raise Refusal(404, "not-found", "No such bundle waits here.")
        size = download.size
        headers = {"accept-ranges": "bytes"}
        if start is not None:
            if start >= size:
                download.close()
                raise Refusal(
                    416,
                    "bad-range",
                    "The bundle is not that long.",
                    headers={"content-range": f"bytes */{size}"},
                )
            headers["content-range"] = f"bytes {start}-{size - 1}/{size}"
        status = 200 if start is None else 206
        length = size - (start or 0)
        request.scope["relay.bytes_out"] = length
        if length <= WHOLE_READ:
            body = await self.store_work(length, _read_whole, download)
            return Response(body, status, headers, media_type="application/octet-stream")
        headers["content-length"] = str(length)
        return StreamingResponse(
            _stream(download), status, headers, media_type="application/octet-stream"
        )

    async def delete_bundle(self, request: Request) -> Response:
        recipient, name = ids_of(request)
        await self._own_mailbox(request, recipient)
        await self.store_work(0, self.store.delete, recipient, name)
        return Response(status_code=204)

    async def _own_mailbox(self, request: Request, recipient: str) -> None:
        signer = await self.signed_empty(request)
        if signer.fingerprint != recipient:
            raise Refusal(403, "not-your-mailbox", "Only its owner reads a mailbox.")


# -- helpers ------------------------------------------------------------------------------------


def _read_whole(download: Download) -> bytes:
    try:
        return b"".join(download.chunks())
    finally:
        download.close()


async def _stream(download: Download) -> AsyncIterator[bytes]:
    try:
        chunks = download.chunks()
        while True:
            chunk = await run_in_threadpool(next, chunks, None)
            if chunk is None:
                return
            yield chunk
    finally:
        download.close()


def _refused(exc: Refusal) -> Response:
    headers = dict(exc.headers)
    if exc.retry_after:
        headers["retry-after"] = str(exc.retry_after)
    if exc.status == 401:
        headers["www-authenticate"] = 'Signature realm="liaison-desk"'
    body: dict[str, object] = {"error": exc.code, "message": exc.message}
    if exc.wipe_order is not None:
        body["wipe_order"] = exc.wipe_order
    return JSONResponse(body, status_code=exc.status, headers=headers)


def _may_have_body(request: Request) -> bool:
    headers = request.headers
    return "transfer-encoding" in headers or headers.get("content-length", "0") != "0"


def _guarded(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Refusal as exc:
            request.scope["relay.refusal"] = exc.code
            response = _refused(exc)
            if _may_have_body(request):
                # Whatever is left of the body is not read: the connection closes, or the
                # server would drain it, however large, for anyone who cares to send it.
                response.headers["connection"] = "close"
            return response
        except ClientDisconnect:
            request.scope["relay.refusal"] = "client-gone"
            return Response(status_code=400)
        except StoreError as exc:
            log.error("store failed: %s", exc)
            status = 507 if exc.full else 503
            return _refused(
                Refusal(status, "storage", "The relay cannot store this now; retry later.")
            )

    return handle


class AccessLog:
    """One line per request: method, path (ids only), status, sizes, time, signer id."""

    def __init__(self, app: ASGIApp, clock: IntervalClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.clock.monotonic_s()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            access_log.info(
                "%s %s %d in=%d out=%d %.1fms signer=%s%s",
                scope["method"],
                scope["path"][:200],
                status,
                scope.get("relay.bytes_in", 0),
                scope.get("relay.bytes_out", 0),
                (self.clock.monotonic_s() - started) * 1000,
                scope.get("relay.keyid", "-"),
                f" refused={scope['relay.refusal']}" if "relay.refusal" in scope else "",
            )


def create_app(relay: Relay) -> ASGIApp:
    mailbox = "/v1/mailboxes/{recipient}"
    upload = "/v1/uploads/{recipient}/{name}"
    uploads = Uploads(relay)
    acks = WipeAcks(relay)
    routes = [
        Route("/v1/health", _guarded(relay.health), methods=["GET"]),
        Route("/v1/roster", _guarded(relay.put_roster), methods=["PUT"]),
        Route("/v1/roster", _guarded(relay.get_roster), methods=["GET"]),
        Route(mailbox, _guarded(relay.list_mailbox), methods=["GET"]),
        Route(mailbox + "/{name}", _guarded(relay.put_bundle), methods=["PUT"]),
        Route(mailbox + "/{name}", _guarded(relay.get_bundle), methods=["GET"]),
        Route(mailbox + "/{name}", _guarded(relay.delete_bundle), methods=["DELETE"]),
        Route(upload, _guarded(uploads.create), methods=["POST"]),
        Route(upload, _guarded(uploads.status), methods=["HEAD"]),
        Route(upload, _guarded(uploads.append), methods=["PATCH"]),
        Route("/v1/wipe-acks/{recipient}", _guarded(acks.put), methods=["PUT"]),
        Route("/v1/wipe-acks", _guarded(acks.list), methods=["GET"]),
        Route("/v1/wipe-acks/{recipient}", _guarded(acks.delete), methods=["DELETE"]),
    ]
    return AccessLog(Starlette(routes=routes), relay.clock)
