"""The S3 stores' calls to the bucket: one client, and its failures turned into StoreErrors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from liaison_desk.relay.errors import StoreError

READ = 1024 * 1024
SHA384 = "sha384"
MISSING = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
FULL = {"QuotaExceeded", "XMinioStorageFull"}  # Ceph RGW's and MinIO's "no room left"
# 412: the key exists; 409: AWS's answer while another conditional write to it is in flight.
TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}
FAILURES = (BotoCoreError, ClientError)
T = TypeVar("T")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def missing(exc: ClientError) -> bool:
    return error_code(exc) in MISSING


def why(exc: Exception) -> str:
    if not isinstance(exc, ClientError):
        return f"no answer: {type(exc).__name__}"
    code = error_code(exc)
    return {"404": "it does not exist", "403": "access denied"}.get(code, code or "refused")


def if_there(call: Callable[[], T]) -> T | None:
    """What `call` returns, or None if the object it asks for is missing; failures become
    StoreError."""
    try:
        return call()
    except ClientError as exc:
        if missing(exc):
            return None
        raise store_error(exc) from exc
    except BotoCoreError as exc:
        raise store_error(exc) from exc


def store_error(exc: Exception) -> StoreError:
    if isinstance(exc, ClientError):
        code = error_code(exc)
        if code in FULL:
            return StoreError("The relay's bucket is full.", full=True)
        return StoreError(f"The relay's bucket refused ({code or 'no code'}).")
    return StoreError(f"The relay's bucket cannot be reached ({type(exc).__name__}).")


def client(endpoint_url: str | None) -> Any:
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
