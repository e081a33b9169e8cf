"""Mailboxes in an S3-compatible bucket, so that several relay processes can share them.

    PREFIX/mailboxes/<recipient>/<bundle>   complete bundles only (sha384 in the metadata)
    PREFIX/nonces/<minute>/<digest>         nonces claimed, by the minute they were made
    PREFIX/roster.json                      HQ's signed roster

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
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from liaison_desk.core.errors import StorageError
from liaison_desk.relay.errors import DifferentBundle, StoreError
from liaison_desk.relay.store import NONCE_LIFETIME_S, StoredBundle

_READ = 1024 * 1024
_IN_MEMORY = 4 * 1024 * 1024
_DELETE_BATCH = 1000  # the most one DeleteObjects request takes
_COMMIT_ATTEMPTS = 3
_SHA384 = "sha384"
_MISSING = {"404", "NoSuchKey", "NotFound"}
_FULL = {"QuotaExceeded", "XMinioStorageFull"}  # Ceph RGW's and MinIO's "no room left"
# 412: the key exists; 409: AWS's answer while another conditional write to it is in flight.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}
_FAILURES = (BotoCoreError, ClientError)
T = TypeVar("T")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _missing(exc: ClientError) -> bool:
    return _code(exc) in _MISSING


def _why(exc: Exception) -> str:
    if not isinstance(exc, ClientError):
        return f"no answer: {type(exc).__name__}"
    code = _code(exc)
    return {"404": "it does not exist", "403": "access denied"}.get(code, code or "refused")


def _if_there(call: Callable[[], T]) -> T | None:
    """What `call` returns, or None if the object it asks for is missing; failures become
    StoreError."""
    try:
        return call()
    except ClientError as exc:
        if _missing(exc):
            return None
        raise _store_error(exc) from exc
    except BotoCoreError as exc:
        raise _store_error(exc) from exc


def _store_error(exc: Exception) -> StoreError:
    if isinstance(exc, ClientError):
        code = _code(exc)
        if code in _FULL:
            return StoreError("The relay's bucket is full.", full=True)
        return StoreError(f"The relay's bucket refused ({code or 'no code'}).")
    return StoreError(f"The relay's bucket cannot be reached ({type(exc).__name__}).")


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
                if self._store.put_new(key, self._file, size, {_SHA384: sha384.hex()}):
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
            yield from self._body.iter_chunks(_READ)
        except _FAILURES as exc:
            raise _store_error(exc) from exc

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
        self._s3 = _client(endpoint_url)
        try:
            self._s3.head_bucket(Bucket=bucket)
        except _FAILURES as exc:
            raise StorageError(
                f"The relay's bucket {bucket} cannot be used ({_why(exc)})."
            ) from exc

    def key(self, *parts: str) -> str:
        return self.prefix + "/".join(parts)

    # -- the primitives the rest is made of -------------------------------------------------------

    def put_new(self, key: str, body: Any, size: int, metadata: dict[str, str]) -> bool:
        """Write `key` unless it exists; False if it does, or another write to it is in flight."""
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=body,
                ContentLength=size,
                IfNoneMatch="*",
                Metadata=metadata,
                ContentType="application/octet-stream",
            )
        except ClientError as exc:
            if _code(exc) in _TAKEN:
                return False
            raise _store_error(exc) from exc
        except BotoCoreError as exc:
            raise _store_error(exc) from exc
        return True

    def sha384_of(self, key: str) -> bytes | None:
        """The stored object's SHA-384, from its metadata, else read through; None if absent."""
        try:
            head = self._s3.head_object(Bucket=self.bucket, Key=key)
            noted = head.get("Metadata", {}).get(_SHA384)
            if noted:
                return bytes.fromhex(noted)
            digest = hashlib.sha384()
            body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
            for block in body.iter_chunks(_READ):
                digest.update(block)
            return digest.digest()
        except ClientError as exc:
            if _missing(exc):
                return None
            raise _store_error(exc) from exc
        except (BotoCoreError, ValueError) as exc:
            raise StoreError("The relay's bucket holds an unreadable bundle.") from exc

    def _keys(self, prefix: str, delimiter: str = "") -> Iterator[dict[str, Any]]:
        """Every page of a listing (objects and, with a delimiter, common prefixes)."""
        paginator = self._s3.get_paginator("list_objects_v2")
        args = {"Bucket": self.bucket, "Prefix": prefix}
        if delimiter:
            args["Delimiter"] = delimiter
        try:
            yield from paginator.paginate(**args)
        except _FAILURES as exc:
            raise _store_error(exc) from exc

    def _delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = [{"Key": k} for k in keys[start : start + _DELETE_BATCH]]
            try:
                answer = self._s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            except _FAILURES as exc:
                raise _store_error(exc) from exc
            if answer.get("Errors"):
                raise StoreError(f"The relay's bucket kept {len(answer['Errors'])} old nonces.")

    # -- MailboxStore -----------------------------------------------------------------------------

    def upload(self) -> S3Upload:
        return S3Upload(self)

    def waiting(self, recipient: str, prefix: str = "") -> list[StoredBundle]:
        box = self.key("mailboxes", recipient, "")
        found = [
            StoredBundle(item["Key"][len(box) :], int(item["Size"]))
            for page in self._keys(box + prefix)
            for item in page.get("Contents", [])
        ]
        return sorted(found, key=lambda b: b.name)

    def download(self, recipient: str, name: str) -> S3Download | None:
        key = self.key("mailboxes", recipient, name)
        found = _if_there(lambda: self._s3.get_object(Bucket=self.bucket, Key=key))
        return None if found is None else S3Download(found["Body"], int(found["ContentLength"]))

    def delete(self, recipient: str, name: str) -> bool:
        """True if the bundle was there (S3's own delete does not say)."""
        key = self.key("mailboxes", recipient, name)

        def remove() -> bool:
            self._s3.head_object(Bucket=self.bucket, Key=key)
            self._s3.delete_object(Bucket=self.bucket, Key=key)
            return True

        return _if_there(remove) or False

    def claim_nonce(self, keyid: str, nonce: str, created_s: int) -> bool:
        digest = hashlib.sha256(f"{keyid}:{nonce}".encode()).hexdigest()
        return self.put_new(self.key("nonces", str(created_s // 60), digest), b"", 0, {})

    def prune_nonces(self, now_s: int) -> int:
        oldest = (now_s - NONCE_LIFETIME_S) // 60
        root = self.key("nonces", "")
        minutes = [
            entry["Prefix"]
            for page in self._keys(root, delimiter="/")
            for entry in page.get("CommonPrefixes", [])
        ]
        dropped = 0
        for minute in minutes:
            label = minute[len(root) :].rstrip("/")
            if label.isdigit() and int(label) < oldest:
                self._delete_keys(
                    [
                        item["Key"]
                        for page in self._keys(minute)
                        for item in page.get("Contents", [])
                    ]
                )
                dropped += 1
        return dropped

    def read_roster(self) -> tuple[bytes, str] | None:
        def read() -> tuple[bytes, str]:
            found = self._s3.get_object(Bucket=self.bucket, Key=self.key("roster.json"))
            return found["Body"].read(), str(found["ETag"])

        return _if_there(read)

    def roster_tag(self) -> str | None:
        key = self.key("roster.json")
        head = _if_there(lambda: self._s3.head_object(Bucket=self.bucket, Key=key))
        return None if head is None else str(head["ETag"])

    def write_roster(self, data: bytes) -> None:
        try:
            self._s3.put_object(
                Bucket=self.bucket,
                Key=self.key("roster.json"),
                Body=data,
                ContentType="application/json",
            )
        except _FAILURES as exc:
            raise _store_error(exc) from exc


def _client(endpoint_url: str | None) -> Any:
    """One client for all threads (boto3 clients are thread-safe; sessions are not)."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 4},
        max_pool_connections=32,
        connect_timeout=10,
        read_timeout=60,
        # S3-compatible services (MinIO, Ceph) seldom have a DNS name per bucket.
        s3={"addressing_style": "path"} if endpoint_url else None,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)
