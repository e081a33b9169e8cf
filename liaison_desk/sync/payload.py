"""The bundle payload: typed, length-prefixed items, zlib-compressed as one stream.

Items: a `start` (JSON, first), then `op`s (JSON), each attachment-creating op
followed by its bytes in `blob` items, then an `end` (JSON, last). Every item
is bounded, so is each attachment's run of blobs, and decompression is bounded
per read and in total, so a payload that inflates to gigabytes is refused
without the process growing.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.sync.errors import BundleRefused

START, OP, BLOB, END = 1, 2, 3, 4
_NAMES = {START: "start", OP: "op", BLOB: "blob", END: "end"}
MAX_ITEM = 1024 * 1024 + 4096
BLOB_PIECE = 1024 * 1024
# Deflate itself expands up to ~1032:1, so a bomb is a valid stream: what bounds it is that
# our payloads (JSON ops, attachments) seldom pass 100:1 once past one attachment's worth.
MAX_RATIO = 100
ALLOWANCE = MAX_ATTACHMENT + 2 * MAX_ITEM
_ITEM = struct.Struct(">BI")
_LEVEL = 3
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_json(value: Any) -> str:
    return _ENCODER.encode(value)


def item(kind: int, body: bytes) -> bytes:
    return _ITEM.pack(kind, len(body)) + body


def json_item(kind: int, value: Any) -> bytes:
    return item(kind, _ENCODER.encode(value).encode())


def compressed(items: Iterable[bytes], batch: int = 256 * 1024) -> Iterator[bytes]:
    """Compress a stream of items, handing on output in pieces of about `batch` bytes."""
    compressor = zlib.compressobj(_LEVEL)
    pending: list[bytes] = []
    size = 0
    for piece in items:
        pending.append(piece)
        size += len(piece)
        if size >= batch:
            out = compressor.compress(b"".join(pending))
            pending.clear()
            size = 0
            if out:
                yield out
    yield compressor.compress(b"".join(pending)) + compressor.flush()


@dataclass(frozen=True)
class Item:
    kind: int
    body: bytes

    @property
    def name(self) -> str:
        return _NAMES[self.kind]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
            raise malformed(f"a {self.name} item is not valid JSON") from None


def malformed(detail: str) -> BundleRefused:
    return BundleRefused("malformed-payload", f"The bundle's contents are malformed ({detail}).")


def items(chunks: Iterable[bytes], compressed_len: int) -> Iterator[Item]:
    """Decompress and split the payload; refuses anything outside the format's bounds or order."""
    decompressor = zlib.decompressobj()
    limit = MAX_RATIO * compressed_len + ALLOWANCE
    total = 0
    buffer = bytearray()
    previous: int | None = None  # the kind of the last item split off
    blob_run = 0  # bytes of blobs since the last op

    def inflate(data: bytes) -> Iterator[bytes]:
        nonlocal total
        while data:
            try:
                out = decompressor.decompress(data, MAX_ITEM)
            except zlib.error:
                raise malformed("the compressed stream is damaged") from None
            total += len(out)
            if total > limit:
                raise BundleRefused(
                    "compression-bomb", "The bundle inflates far beyond its size; it was refused."
                )
            yield out
            data = decompressor.unconsumed_tail
            if decompressor.eof and (decompressor.unused_data or data):
                raise malformed("data after the end of the compressed stream")

    def check_order(kind: int, length: int) -> None:
        nonlocal blob_run
        if previous == END:
            raise malformed("items after the end")
        if (previous is None) != (kind == START):
            raise malformed("no start item first" if previous is None else "a second start item")
        if kind == BLOB:
            if previous not in (OP, BLOB):
                raise malformed("attachment bytes without an attachment")
            blob_run += length
            if blob_run > MAX_ATTACHMENT:
                raise malformed("an attachment longer than any may be")
        else:
            blob_run = 0

    def split() -> Iterator[Item]:
        nonlocal previous
        while len(buffer) >= _ITEM.size:
            kind, length = _ITEM.unpack_from(buffer)
            if kind not in _NAMES:
                raise malformed(f"unknown item type {kind}")
            if length > MAX_ITEM:
                raise malformed(f"a {_NAMES[kind]} item claims {length:,} bytes")
            if len(buffer) < _ITEM.size + length:
                return
            check_order(kind, length)
            body = bytes(buffer[_ITEM.size : _ITEM.size + length])
            del buffer[: _ITEM.size + length]
            previous = kind
            yield Item(kind, body)

    for chunk in chunks:
        for out in inflate(chunk):
            buffer += out
            yield from split()
    if not decompressor.eof:
        raise malformed("the compressed stream ends early")
    if buffer:
        raise malformed("a partial item at the end")
    if previous != END:
        raise malformed("no end item")
