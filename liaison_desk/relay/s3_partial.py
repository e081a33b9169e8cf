"""Partial uploads in the bucket, as S3 multipart uploads (`relay.partial` says what they are).

    PREFIX/uploads/<sender>/<name>/plan       the plan the sender signed, with the multipart id
    PREFIX/uploads/<sender>/<name>/tail-<k>   bytes of piece k still arriving (after k parts)
    multipart upload to PREFIX/mailboxes/<recipient>/<name>, one part per checked piece

Every relay process sharing the bucket finds the same state there, so an
upload begun through one process goes on through another. A piece becomes a
part only once whole and matching its signed digest; the bytes of the piece
still arriving are kept as `tail-<k>` when a request ends, cut or not. The
multipart upload is invisible until completed, with `If-None-Match: *`, at
the bundle's mailbox key: the bundle appears whole, checked, or not at all.
An expired or replaced upload's multipart upload is aborted. A relay killed
between starting a multipart upload and writing its plan leaves one nobody
names: a bucket lifecycle rule aborting incomplete multipart uploads after a
few days removes those (docs/relay.md, "Deploying at HQ").
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from liaison_desk.relay.errors import DifferentBundle, PieceRefused, UploadMoved
from liaison_desk.relay.partial import Partial, PieceHasher, UploadPlan
from liaison_desk.relay.s3_calls import FAILURES, SHA384, TAKEN, error_code, if_there, store_error
from liaison_desk.sync.upload_plan import PIECE, pieces_of

if TYPE_CHECKING:
    from liaison_desk.relay.s3_store import S3Store

_TAIL = "tail-"


class S3PartialWriter:
    def __init__(self, partials: S3Partials, partial: Partial) -> None:
        self._partials = partials
        self._plan = plan = partial.plan
        self.offset = partial.offset
        self._hasher = PieceHasher(plan, self.offset)
        self._piece = bytearray()
        if self.offset % PIECE and self.offset < plan.size:  # else every piece is a part
            tail = partials.read_tail(plan, self._hasher.index)
            if tail is None or len(tail) != self.offset % PIECE:
                raise UploadMoved()
            self._piece += tail
            self._hasher.update(tail)

    def write(self, data: bytes) -> None:
        while data:
            index = self._hasher.index
            end = self._plan.piece_end(index)
            take, data = data[: end - self.offset], data[end - self.offset :]
            self._piece += take
            self._hasher.update(take)
            self.offset += len(take)
            if self.offset == end:
                piece = bytes(self._piece)
                self._piece.clear()
                if not self._hasher.finish():
                    self.offset = index * PIECE
                    self._partials.drop_tails(self._plan, below=None)
                    raise PieceRefused()
                self._partials.upload_part(self._plan, index, piece)

    def commit(self) -> bool:
        return self._partials.complete(self._plan)

    def close(self) -> None:
        """Keep the bytes of the piece still arriving, and forget older tails."""
        index = self._hasher.index
        if self._piece:
            self._partials.write_tail(self._plan, index, bytes(self._piece))
            self._piece.clear()
        self._partials.drop_tails(self._plan, below=index)


class S3Partials:
    def __init__(self, store: S3Store) -> None:
        self._store = store
        self._s3 = store.s3
        self._bucket = store.bucket

    # -- keys -------------------------------------------------------------------------------------

    def _folder(self, sender: str, name: str) -> str:
        return self._store.key("uploads", sender, name, "")

    def _target(self, plan: UploadPlan) -> str:
        return self._store.key("mailboxes", plan.recipient, plan.name)

    def _tail(self, plan: UploadPlan, index: int) -> str:
        return f"{self._folder(plan.sender, plan.name)}{_TAIL}{index}"

    # -- PartialStore -----------------------------------------------------------------------------

    def begin(self, plan: UploadPlan) -> Partial:
        found = self.find(plan.sender, plan.name)
        if found is not None and found.plan.same_bundle(plan):
            return found
        if found is not None:
            self.drop(plan.sender, plan.name)
        try:
            started = self._s3.create_multipart_upload(
                Bucket=self._bucket,
                Key=self._target(plan),
                Metadata={SHA384: plan.sha384.hex()},
                ContentType="application/octet-stream",
            )
        except FAILURES as exc:
            raise store_error(exc) from exc
        plan = replace(plan, upload_id=str(started["UploadId"]))
        try:
            self._s3.put_object(
                Bucket=self._bucket,
                Key=self._folder(plan.sender, plan.name) + "plan",
                Body=plan.to_json(),
                ContentType="application/json",
            )
        except FAILURES as exc:
            self._abort(plan)
            raise store_error(exc) from exc
        return Partial(plan, 0, time.time())

    def find(self, sender: str, name: str) -> Partial | None:
        folder = self._folder(sender, name)
        objects = {
            item["Key"][len(folder) :]: item
            for page in self._store.listing(folder)
            for item in page.get("Contents", [])
        }
        if "plan" not in objects:
            return None
        read = if_there(
            lambda: self._s3.get_object(Bucket=self._bucket, Key=folder + "plan")["Body"].read()
        )
        try:
            plan = UploadPlan.from_json(read or b"")
        except ValueError:
            return None
        parts = self._parts(plan)
        if parts is None:
            return None  # completed, or aborted, meanwhile
        done = 0
        while done < len(parts) and parts[done]["PartNumber"] == done + 1:
            done += 1
        offset = min(plan.size, done * PIECE)
        tail = objects.get(f"{_TAIL}{done}")
        if tail is not None and done < pieces_of(plan.size):
            offset = min(plan.size, offset + int(tail["Size"]))
        times = [item["LastModified"] for item in objects.values()]
        times += [part["LastModified"] for part in parts]
        return Partial(plan, offset, max(t.timestamp() for t in times))

    def of_sender(self, sender: str) -> list[Partial]:
        folder = self._store.key("uploads", sender, "")
        names = [
            item["Key"][len(folder) :].removesuffix("/plan")
            for page in self._store.listing(folder)
            for item in page.get("Contents", [])
            if item["Key"].endswith("/plan")
        ]
        return [p for p in (self.find(sender, n) for n in sorted(names)) if p is not None]

    def resume(self, partial: Partial) -> S3PartialWriter:
        return S3PartialWriter(self, partial)

    def drop(self, sender: str, name: str) -> None:
        found = self.find(sender, name)
        if found is not None:
            self._abort(found.plan)
        self._delete_folder(self._folder(sender, name))

    def expire(self, before_s: float) -> int:
        root = self._store.key("uploads", "")
        folders = {
            item["Key"][len(root) :].rsplit("/", 1)[0]
            for page in self._store.listing(root)
            for item in page.get("Contents", [])
            if item["LastModified"].timestamp() < before_s
        }
        dropped = 0
        for folder in sorted(folders):
            sender, _, name = folder.partition("/")
            found = self.find(sender, name)
            if found is None:
                self._delete_folder(self._folder(sender, name))  # tails of no plan
            elif found.touched_s < before_s:
                self.drop(sender, name)
                dropped += 1
        return dropped

    # -- what the writer does ---------------------------------------------------------------------

    def read_tail(self, plan: UploadPlan, index: int) -> bytes | None:
        key = self._tail(plan, index)
        found = if_there(lambda: self._s3.get_object(Bucket=self._bucket, Key=key))
        return None if found is None else bytes(found["Body"].read())

    def write_tail(self, plan: UploadPlan, index: int, data: bytes) -> None:
        try:
            self._s3.put_object(Bucket=self._bucket, Key=self._tail(plan, index), Body=data)
        except FAILURES as exc:
            raise store_error(exc) from exc

    def drop_tails(self, plan: UploadPlan, below: int | None) -> None:
        """Delete the tails of pieces before `below` (None: every tail)."""
        folder = self._folder(plan.sender, plan.name)
        stale = [
            item["Key"]
            for page in self._store.listing(folder + _TAIL)
            for item in page.get("Contents", [])
            if below is None or int(item["Key"][len(folder + _TAIL) :]) < below
        ]
        self._store.delete_keys(stale)

    def upload_part(self, plan: UploadPlan, index: int, piece: bytes) -> None:
        try:
            self._s3.upload_part(
                Bucket=self._bucket,
                Key=self._target(plan),
                UploadId=plan.upload_id,
                PartNumber=index + 1,
                Body=piece,
            )
        except ClientError as exc:
            if error_code(exc) == "NoSuchUpload":
                raise UploadMoved() from None
            raise store_error(exc) from exc
        except FAILURES as exc:
            raise store_error(exc) from exc

    def complete(self, plan: UploadPlan) -> bool:
        parts = self._parts(plan)
        if parts is None or len(parts) != pieces_of(plan.size):
            raise UploadMoved()
        listed = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in parts]
        try:
            self._s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=self._target(plan),
                UploadId=plan.upload_id,
                MultipartUpload={"Parts": listed},
                IfNoneMatch="*",
            )
            created = True
        except ClientError as exc:
            if error_code(exc) not in TAKEN:
                raise store_error(exc) from exc
            self._abort(plan)
            if self._store.sha384_of(self._target(plan)) != plan.sha384:
                self._delete_folder(self._folder(plan.sender, plan.name))
                raise DifferentBundle() from None
            created = False
        except FAILURES as exc:
            raise store_error(exc) from exc
        self._delete_folder(self._folder(plan.sender, plan.name))
        return created

    # -- plumbing ---------------------------------------------------------------------------------

    def _parts(self, plan: UploadPlan) -> list[dict[str, Any]] | None:
        """The parts uploaded so far, by number; None if the multipart upload is gone."""

        def listing() -> list[dict[str, Any]]:
            pages = self._s3.get_paginator("list_parts").paginate(
                Bucket=self._bucket, Key=self._target(plan), UploadId=plan.upload_id
            )
            return [part for page in pages for part in page.get("Parts", [])]

        found = if_there(listing)
        return None if found is None else sorted(found, key=lambda p: int(p["PartNumber"]))

    def _abort(self, plan: UploadPlan) -> None:
        key = self._target(plan)
        if_there(
            lambda: self._s3.abort_multipart_upload(
                Bucket=self._bucket, Key=key, UploadId=plan.upload_id
            )
        )

    def _delete_folder(self, folder: str) -> None:
        pages = self._store.listing(folder)
        keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        self._store.delete_keys(keys)
