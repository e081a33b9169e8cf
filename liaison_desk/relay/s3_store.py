"""Mailboxes in an S3-compatible bucket, so that several relay processes can share them.

    PREFIX/mailboxes/<recipient>/<bundle>   complete bundles only (sha384 in the metadata)
    PREFIX/nonces/<minute>/<digest>         nonces claimed, by the minute they were made
    PREFIX/roster.json                      HQ's signed roster
    PREFIX/uploads/<sender>/<name>/...      partial uploads (`relay.s3_partial`)

An upload is spooled locally (memory, then a temporary file: it is ciphertext)
and committed with one conditional `PUT` (`If-None-Match: *`): the object
appears whole or not at all, and of two processes racing on one name only the
first writes it. A relay killed mid-upload leaves nothing in the bucket, and
its spool file was never linked to a name. Nonces are claimed the same way.

Credentials and region come from boto3's usual chain (environment, config
files, instance roles); `endpoint_url` points at MinIO, Ceph or a test server.
Large uploads spool to `TMPDIR`.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from liaison_desk.core.errors import StorageError
from liaison_desk.relay.errors import DifferentBundle, StoreError
from liaison_desk.relay.partial import PartialStore
from liaison_desk.relay.s3_calls import (
    FAILURES,
    READ,
    SHA384,
    TAKEN,
    client,
    error_code,
    if_there,
    missing,
    store_error,
    why,
)
from liaison_desk.relay.s3_partial import S3Partials
from liaison_desk.relay.store import NONCE_LIFETIME_S, StoredBundle

_IN_MEMORY = 4 * 1024 * 1024
_DELETE_BATCH = 1000  # the most one DeleteObjects request takes
_COMMIT_ATTEMPTS = 3


class S3Upload:
    def __init__(self, store: S3Store) -> None:
        self._store = store
        self._file = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY)  # noqa: SIM115 (closed by commit/abort)

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as exc:
            self.abort()
            raise StoreError(f"The relay's spool failed ({exc.strerror or exc}).") from exc

    def commit(self, recipient: str, name: str, sha384: bytes) -> bool:
        key = self._store.key("mailboxes", recipient, name)
        try:
            size = self._file.tell()
            for _ in range(_COMMIT_ATTEMPTS):
                self._file.seek(0)
                if self._store.put_new(key, self._file, size, {SHA384: sha384.hex()}):
                    return True
                stored = self._store.sha384_of(key)
                if stored is None:
                    continue  # still in flight, or acknowledged and deleted since: try again
                if stored != sha384:
                    raise DifferentBundle()
                return False
            raise StoreError("The relay's bucket kept changing under one bundle name.")
        except OSError as exc:
            raise StoreError(f"The relay's spool failed ({exc.strerror or exc}).") from exc
        finally:
            self.abort()

    def abort(self) -> None:
        self._file.close()


class S3Download:
    def __init__(self, body: Any, size: int) -> None:
        self._body = body
        self.size = size

    def chunks(self) -> Iterator[bytes]:
        try:
            yield from self._body.iter_chunks(READ)
        except FAILURES as exc:
            raise store_error(exc) from exc

    def close(self) -> None:
        self._body.close()


class S3Store:
    local = False

    def __init__(
        self,
        bucket: str,
        endpoint_url: str | None = None,
        prefix: str = "",
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.s3 = client(endpoint_url)
        try:
            self.s3.head_bucket(Bucket=bucket)
        except FAILURES as exc:
            raise StorageError(f"The relay's bucket {bucket} cannot be used ({why(exc)}).") from exc
        self.partials: PartialStore = S3Partials(self)

    def key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)

    # -- the primitives the rest is made of -------------------------------------------------------

    def put_new(self, key: str, body: Any, size: int, metadata: dict[str, str]) -> bool:
        """Write `key` unless it exists; False if it does, or another write to it is in flight."""
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentLength=size,
                IfNoneMatch="*",
                Metadata=metadata,
                ContentType="application/octet-stream",
            )
        except ClientError as exc:
            if error_code(exc) in TAKEN:
                return False
            raise store_error(exc) from exc
        except BotoCoreError as exc:
            raise store_error(exc) from exc
        return True

    def sha384_of(self, key: str) -> bytes | None:
        """The stored object's SHA-384, from its metadata, else read through; None if absent."""
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
            noted = head.get("Metadata", {}).get(SHA384)
            if noted:
                return bytes.fromhex(noted)
            digest = hashlib.sha384()
            body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            for block in body.iter_chunks(READ):
                digest.update(block)
            return digest.digest()
        except ClientError as exc:
            if missing(exc):
                return None
            raise store_error(exc) from exc
        except (BotoCoreError, ValueError) as exc:
            raise StoreError("The relay's bucket holds an unreadable bundle.") from exc

    def listing(self, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
        """Every page of a listing (objects and, with a delimiter, common prefixes)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        args = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter
        try:
            yield from paginator.paginate(**args)
        except FAILURES as exc:
            raise store_error(exc) from exc

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + _DELETE_BATCH]]
            try:
                answer = self.s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except FAILURES as exc:
                raise store_error(exc) from exc
            if answer.get("Errors"):
                raise StoreError(f"The relay's bucket kept {len(answer['Errors'])} old nonces.")

    # -- MailboxStore -----------------------------------------------------------------------------

    def upload(self) -> S3Upload:
        return S3Upload(self)

    def waiting(self, recipient: str, prefix: str = "") -> list[StoredBundle]:
        box = self.key("mailboxes", recipient, "")
        found = [
            StoredBundle(item["Key"][len(box) :], int(item["Size"]))
            for page in self.listing(box + prefix)
            for item in page.get("Contents", [])
        ]
        return sorted(found, key=lambda b: b.name)

    def download(self, recipient: str, name: str, start: int = 0) -> S3Download | None:
        """From byte `start` on (the client resumes a download cut short)."""
        key = self.key("mailboxes", recipient, name)
        if start == 0:
            found = if_there(lambda: self.s3.get_object(Bucket=self.bucket, Key=key))
            return None if found is None else S3Download(found["Body"], int(found["ContentLength"]))
        try:
            found = self.s3.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-")
        except ClientError as exc:
            if error_code(exc) == "InvalidRange":  # past its end: the relay says how long it is
                return self.download(recipient, name)
            if missing(exc):
                return None
            raise store_error(exc) from exc
        except BotoCoreError as exc:
            raise store_error(exc) from exc
        return S3Download(found["Body"], int(str(found["ContentRange"]).rpartition("/")[2]))

    def stored_sha384(self, recipient: str, name: str) -> bytes | None:
        return self.sha384_of(self.key("mailboxes", recipient, name))

    def delete(self, recipient: str, name: str) -> bool:
        """True if the bundle was there (S3's own delete does not say)."""
        key = self.key("mailboxes", recipient, name)

        def remove() -> bool:
            self.s3.head_object(Bucket=self.bucket, Key=key)
            self.s3.delete_object(Bucket=self.bucket, Key=key)
            return True

        return if_there(remove) or False

    def claim_nonce(self, keyid: str, nonce: str, created_s: int) -> bool:
        digest = hashlib.sha256(f"{keyid}:{nonce}".encode()).hexdigest()
        return self.put_new(self.key("nonces", str(created_s // 60), digest), b"", 0, {})

    def prune_nonces(self, now_s: int) -> int:
        oldest = (now_s - NONCE_LIFETIME_S) // 60
        root = self.key("nonces", "")
        minutes = [
            entry["Prefix"]
            for page in self.listing(root, delimiter="/")
            for entry in page.get("CommonPrefixes", [])
        ]
        dropped = 0
        for minute in minutes:
            label = minute[len(root) :].rstrip("/")
            if label.isdigit() and int(label) < oldest:
                self.delete_keys(
                    [
                        item["Key"]
                        for page in self.listing(minute)
                        for item in page.get("Contents", [])
                    ]
                )
                dropped += 1
        return dropped

    def read_roster(self) -> tuple[bytes, str] | None:
        def read() -> tuple[bytes, str]:
            found = self.s3.get_object(Bucket=self.bucket, Key=self.key("roster.json"))
            return found["Body"].read(), str(found["ETag"])

        return if_there(read)

    def roster_tag(self) -> str | None:
        key = self.key("roster.json")
        head = if_there(lambda: self.s3.head_object(Bucket=self.bucket, Key=key))
        return None if head is None else str(head["ETag"])

    def write_roster(self, data: bytes) -> None:
        try:
            self.s3.put_object(
                Bucket=self.bucket,
                Key=self.key("roster.json"),
                Body=data,
                ContentType="application/json",
            )
        except FAILURES as exc:
            raise store_error(exc) from exc
