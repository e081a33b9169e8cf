"""The parts of a request the relay's endpoints read: ids, lengths, digests, the body.

Each refuses (`relay.errors.Refusal`) what is malformed before anything is stored.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

from starlette.requests import Request

from liaison_desk.relay.errors import Refusal
from liaison_desk.relay.store import RECIPIENT
from liaison_desk.sync.bundle import read_header
from liaison_desk.sync.bundle_names import bundle_name, is_bundle_name, sender_prefix
from liaison_desk.sync.errors import BundleRefused, RequestRefused
from liaison_desk.sync.request_signing import body_digest

_RANGE = re.compile(r"bytes=(?P<start>[0-9]{1,15})-")


def within(wait: float, whose: str) -> None:
    """Refuse a request over its rate limit (`wait`: seconds until one may go, or 0)."""
    if wait:
        raise Refusal(
            429,
            "rate-limited",
            f"Too many requests {whose}; slow down.",
            retry_after=int(wait) + 1,
        )


def digest_of(header: str | None) -> bytes:
    try:
        return body_digest(header)
    except RequestRefused as exc:
        raise Refusal(400, exc.code, exc.message) from None


def recipient_of(request: Request) -> str:
    recipient = str(request.path_params["recipient"])
    if not RECIPIENT.fullmatch(recipient):
        raise Refusal(400, "bad-id", "That is not a vault id.")
    return recipient


def ids_of(request: Request) -> tuple[str, str]:
    name = str(request.path_params["name"])
    if not is_bundle_name(name):
        raise Refusal(400, "bad-id", "That is not a bundle name.")
    return recipient_of(request), name


def length_of(request: Request, limit: int) -> int:
    """The declared body length, refused before a byte of the body is read if too large."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise Refusal(411, "length-required", "Send the body's length (Content-Length).")
    size = int(declared)
    if size > limit:
        raise Refusal(
            413, "too-large", f"The body is larger than this relay accepts ({limit} bytes)."
        )
    return size


async def body_of(request: Request, size: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > size:
            raise Refusal(400, "length-mismatch", "The body is longer than its Content-Length.")
        yield chunk
    if received != size:
        raise Refusal(400, "length-mismatch", "The body is shorter than its Content-Length.")


def check_header(head: bytes, size: int, sender: str, recipient: str, name: str) -> None:
    """The bundle's own header must name the signer, the mailbox and the file name."""
    try:
        header = read_header(io.BytesIO(head), size)
    except BundleRefused as exc:
        raise Refusal(422, "not-a-bundle", exc.message) from None
    expected = bundle_name(header.sender, header.recipient, header.origin, header.bundle_seq)
    if header.sender != sender or header.recipient != recipient or name != expected:
        raise Refusal(422, "header-mismatch", "The bundle's header does not match the request.")


def own_name(sender: str, recipient: str, name: str) -> None:
    """A bundle's name begins with its sender's and its recipient's ids."""
    if not name.startswith(sender_prefix(sender, recipient)):
        raise Refusal(400, "bad-name", "The bundle's name does not match its sender and recipient.")


def range_start(request: Request) -> int | None:
    """N of a `Range: bytes=N-` header; None without one, or with any other form (which the
    relay ignores, answering the whole bundle, as RFC 9110 allows)."""
    match = _RANGE.fullmatch(request.headers.get("range", ""))
    return int(match["start"]) if match else None
