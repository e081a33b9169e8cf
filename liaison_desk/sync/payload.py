"""The bundle payload: typed, length-prefixed items, zlib-compressed as one stream.

Items: a `start` (JSON, first), then `op`s (JSON), each attachment-creating op
followed by its bytes in `blob` items, then an `end` (JSON, last). Every item
is bounded, JSON is nested at most `MAX_DEPTH` levels (checked before it is
parsed, without recursion), and decompression is bounded per read and in
total, so a payload that inflates to gigabytes is refused without the process
growing. The total is bounded item by item: JSON items by a ratio to the
compressed size, a run of blobs by the size its attachment op declares, and
the sizes declared in one bundle by `MAX_FILES` (the exporter splits larger
sets of attachments across bundles, `sync.exchange`).
"""

from __future__ import annotations

import json
import re
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
# Deflate itself expands up to ~1032:1, so a bomb is a valid stream. JSON ops seldom pass
# 100:1; attachments may well (a scan of a blank page), so their bytes are bounded by the
# sizes their ops declare instead, and those by MAX_FILES per bundle.
MAX_RATIO = 100
SLACK = 2 * MAX_ITEM  # inflated ahead of the item being read
MAX_FILES = 256 * 1024 * 1024  # attachment bytes one bundle declares: 4 of the largest, and
# room for its ops under the relay's 512 MiB upload limit
MAX_DEPTH = 8  # JSON nesting; the deepest item written is 3 levels (an op's list field)
_ITEM = struct.Struct(">BI")
_LEVEL = 3
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_DECODER = json.JSONDecoder()
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_INNERMOST = re.compile(rb"\[\]|\{\}")


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
    value: Any = None  # a start, op or end item's JSON, parsed as it was split off

    @property
    def name(self) -> str:
        return _NAMES[self.kind]

    def json(self) -> Any:
        """The item's JSON: parsed as it was split off, or here for an item made by hand."""
        return self.value if self.value is not None else parse_json(self.body, self.name)


def malformed(detail: str) -> BundleRefused:
    return BundleRefused("malformed-payload", f"The bundle's contents are malformed ({detail}).")


def too_deep(body: bytes) -> bool:
    """Whether JSON text nests arrays and objects more than MAX_DEPTH levels (or is unbalanced).

    Strings are set aside, then the innermost pairs of brackets are removed, one
    level per pass: at most MAX_DEPTH passes, each a regular expression over the text.
    """
    if body.count(b"[") + body.count(b"{") <= MAX_DEPTH:
        return False  # the common case: too few brackets to nest deeper
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", body))
    for _ in range(MAX_DEPTH):
        brackets, removed = _INNERMOST.subn(b"", brackets)
        if not removed:
            break
    return bool(brackets)


def parse_json(body: bytes, name: str) -> Any:
    """An item's JSON, refused (`malformed-payload`) if invalid or nested too deep."""
    if too_deep(body):
        raise malformed(f"a {name} item's JSON is nested more than {MAX_DEPTH} levels deep")
    try:
        text = body.decode()
        value, end = _DECODER.raw_decode(text)
        if end == len(text):
            return value
    except ValueError:  # UnicodeDecodeError and JSONDecodeError among them
        pass
    try:  # spaces around it, a byte-order mark: what json.loads accepts
        return json.loads(body)
    except ValueError:
        raise malformed(f"a {name} item is not valid JSON") from None


def declared_size(op: Any) -> int | None:
    """The size an attachment op declares for the bytes that follow it (None: no bytes)."""
    if not isinstance(op, dict) or op.get("e") != "attachment":
        return None
    fields = op.get("f")
    size = fields.get("size") if isinstance(fields, dict) else None
    return size if type(size) is int and 0 <= size <= MAX_ATTACHMENT else None


def _bomb() -> BundleRefused:
    return BundleRefused(
        "compression-bomb", "The bundle inflates far beyond its size; it was refused."
    )


def items(chunks: Iterable[bytes], compressed_len: int) -> Iterator[Item]:
    """Decompress and split the payload; refuses anything outside the format's bounds or order.

    JSON items and item headers may inflate to MAX_RATIO times the compressed
    length (plus SLACK); blob bytes to what their ops declare, MAX_FILES in all.
    """
    decompressor = zlib.decompressobj()
    limit = MAX_RATIO * compressed_len + SLACK
    total = 0  # bytes inflated that count against `limit`
    buffer = bytearray()
    previous: int | None = None  # the kind of the last item split off
    run = 0  # bytes of blobs since the last op
    allowed = 0  # bytes of blobs the last op declared
    declared = 0  # bytes of blobs all ops so far declared

    def inflate(data: bytes) -> Iterator[bytes]:
        nonlocal total
        while data:
            try:
                out = decompressor.decompress(data, MAX_ITEM)
            except zlib.error:
                raise malformed("the compressed stream is damaged") from None
            total += len(out)
            if total > limit:
                raise _bomb()
            yield out
            data = decompressor.unconsumed_tail
            if decompressor.eof and (decompressor.unused_data or data):
                raise malformed("data after the end of the compressed stream")

    def check_order(kind: int, length: int) -> None:
        nonlocal run, total
        if previous == END:
            raise malformed("items after the end")
        if (previous is None) != (kind == START):
            raise malformed("no start item first" if previous is None else "a second start item")
        if kind == BLOB:
            if previous not in (OP, BLOB):
                raise malformed("attachment bytes without an attachment")
            run += length
            if run > allowed:
                raise malformed("an attachment longer than its op declares")
            total -= length  # counted against what its op declared, not the ratio
        else:
            run = 0

    def declare(value: Any) -> None:
        nonlocal allowed, declared
        allowed = declared_size(value) or 0
        declared += allowed
        if declared > MAX_FILES:
            raise _bomb()

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
            if kind == BLOB:
                yield Item(kind, body)
                continue
            value = parse_json(body, _NAMES[kind])
            if kind == OP:
                declare(value)
            yield Item(kind, body, value)

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
