"""Uploads that resume, in the manner of tus: announce, ask where it stands, append from there.

    POST   /v1/uploads/{recipient}/{name}   the signed announcement (`sync.upload_plan`);
                                            201 with `Upload-Offset` (0, or where it stands),
                                            200 once the bundle is in its mailbox
    HEAD   /v1/uploads/{recipient}/{name}   200 with `Upload-Offset` and `Upload-Length`
    PATCH  /v1/uploads/{recipient}/{name}   bytes from `Upload-Offset` on; 204 with the new
                                            offset, or the bundle's answer once it is whole

Each request is signed and checked as any other (`Relay.signer`): the roster
is consulted on every one, so a station revoked halfway cannot finish. The
header is checked when the upload is announced; each piece is checked against
its signed digest before it is kept (`relay.partial`). A request cut short
keeps what came. The upload belongs to its signer: another finds nothing under
that name, and could not name it (the name begins with its sender's id).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from liaison_desk.relay.errors import DifferentBundle, PieceRefused, Refusal, UploadMoved
from liaison_desk.relay.partial import Partial, PartialWriter, UploadPlan
from liaison_desk.relay.request_parts import (
    body_of,
    check_header,
    ids_of,
    length_of,
    own_name,
)
from liaison_desk.sync.bundle_names import superseded
from liaison_desk.sync.errors import RequestRefused
from liaison_desk.sync.upload_plan import MAX_ANNOUNCEMENT, PIECE, read_announcement

if TYPE_CHECKING:
    from liaison_desk.relay.app import Relay, Signer

OFFSET = "upload-offset"
LENGTH = "upload-length"


class Uploads:
    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.partials = relay.store.partials

    async def create(self, request: Request) -> Response:
        relay = self.relay
        recipient, name, expected, signer = await relay.sending(request)
        own_name(signer.fingerprint, recipient, name)
        size = length_of(request, MAX_ANNOUNCEMENT)
        data = b"".join([chunk async for chunk in body_of(request, size)])
        if hashlib.sha384(data).digest() != expected:
            raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
        try:
            announced = read_announcement(data, relay.max_bundle)
        except RequestRefused as exc:
            status = 413 if exc.code == "too-large" else 400
            raise Refusal(status, exc.code, exc.message) from None
        check_header(announced.head, announced.size, signer.fingerprint, recipient, name)
        plan = UploadPlan.of(announced, signer.fingerprint, recipient, name)
        held = await relay.store_work(0, relay.store.stored_sha384, recipient, name)
        if held == plan.sha384:  # it came whole before (the answer was lost on the way)
            return _where(plan.size, plan.size, 200)
        if held is not None:
            raise Refusal(409, "different-bundle", DifferentBundle().message)
        partial = await relay.store_work(0, self._begin, plan)
        if partial.offset == plan.size:  # all in, but not yet put in its mailbox: a request
            await relay.store_work(plan.size, self._complete, partial)  # cut just then
            return _where(plan.size, plan.size, 200)
        return _where(partial.offset, plan.size, 201)

    def _complete(self, partial: Partial) -> bool:
        writer = self.partials.resume(partial)
        try:
            return self._finish(writer, partial.plan)
        finally:
            writer.close()

    def _begin(self, plan: UploadPlan) -> Partial:
        """Begin (or find) the upload, after dropping the sender's uploads it supersedes, and
        within the sender's limits."""
        others = []
        for partial in self.partials.of_sender(plan.sender):
            old = partial.plan
            if old.name == plan.name:
                continue
            if old.recipient == plan.recipient and superseded(old.name, plan.name):
                self.partials.drop(plan.sender, old.name)
            else:
                others.append(old)
        limits = self.relay.partial_limits
        if len(others) >= limits.per_sender or (
            sum(o.size for o in others) + plan.size > limits.bytes_per_sender
        ):
            raise Refusal(
                409,
                "upload-limit",
                "This sender has as many unfinished uploads on the relay as it may; they "
                f"expire {limits.max_age_s / 3600:g} hours after their last byte.",
            )
        return self.partials.begin(plan)

    async def status(self, request: Request) -> Response:
        recipient, name = ids_of(request)
        signer = await self.relay.signed_empty(request)
        partial = await self._find(signer, recipient, name)
        return Response(
            status_code=200,
            headers={
                OFFSET: str(partial.offset),
                LENGTH: str(partial.plan.size),
                "cache-control": "no-store",
            },
        )

    async def append(self, request: Request) -> Response:
        relay = self.relay
        recipient, name, expected, signer = await relay.sending(request)
        offset = request.headers.get(OFFSET, "")
        if not offset.isdigit():
            raise Refusal(400, "bad-offset", "Say where the bytes go (Upload-Offset).")
        partial = await self._find(signer, recipient, name)
        if partial.offset != int(offset):
            raise Refusal(
                409,
                "offset-mismatch",
                f"The upload stands at byte {partial.offset}; go on from there.",
                headers={OFFSET: str(partial.offset)},
            )
        size = length_of(request, partial.plan.size - partial.offset)
        # Resuming mid-piece reads that piece's bytes so far again, to check it when it is whole.
        writer = await relay.store_work(partial.offset % PIECE, self.partials.resume, partial)
        try:
            return await self._receive(request, writer, partial.plan, size, expected)
        except PieceRefused as exc:
            raise Refusal(400, "piece-mismatch", exc.message) from None
        except UploadMoved as exc:
            raise Refusal(409, "upload-moved", exc.message) from None
        except DifferentBundle as exc:
            raise Refusal(409, "different-bundle", exc.message) from None
        finally:
            received = max(0, writer.offset - partial.offset)
            request.scope["relay.bytes_in"] = received
            await relay.store_work(received, writer.close)  # it flushes what came to disk

    async def _receive(
        self, request: Request, writer: PartialWriter, plan: UploadPlan, size: int, sha384: bytes
    ) -> Response:
        relay = self.relay
        hasher = hashlib.sha384()
        async for chunk in body_of(request, size):
            hasher.update(chunk)
            await relay.store_work(len(chunk), writer.write, chunk)
        if hasher.digest() != sha384:
            raise Refusal(400, "digest-mismatch", "The body does not match its Content-Digest.")
        if writer.offset < plan.size:
            return Response(status_code=204, headers={OFFSET: str(writer.offset)})
        created = await relay.store_work(plan.size, self._finish, writer, plan)
        return JSONResponse(
            {"name": plan.name, "stored": created}, status_code=201 if created else 200
        )

    def _finish(self, writer: PartialWriter, plan: UploadPlan) -> bool:
        created = writer.commit()
        if plan.supersede:
            self.relay.drop_superseded(plan.sender, plan.recipient, plan.name)
        return created

    async def _find(self, signer: Signer, recipient: str, name: str) -> Partial:
        own_name(signer.fingerprint, recipient, name)
        found = await self.relay.store_work(0, self.partials.find, signer.fingerprint, name)
        if found is None or found.plan.recipient != recipient:
            raise Refusal(404, "no-upload", "No such upload waits here; announce it again.")
        return found


def _where(offset: int, size: int, status: int) -> Response:
    return JSONResponse(
        {"offset": offset, "size": size}, status_code=status, headers={OFFSET: str(offset)}
    )
