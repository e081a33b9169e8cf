"""The reader side of a bundle, without a vault: what the test kit and the fuzzer drive.

Exactly what import does before it touches the vault: open and verify the
bundle, check when it was written (read at `READ_AT_MS`, the kit's time),
decrypt and split the payload, parse every JSON item and check every op, each
within the start item's coverage, each attachment's bytes against its op, and
the end item's count (`sync.importing` checks the last three as it applies).
Anything wrong raises BundleRefused; any other exception is a reader bug.
Whether one op is refused alone (`OP_REFUSED`) depends on what the vault
holds: tests/sync/test_bundle_vectors.py imports those vectors into a vault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from liaison_desk.core.hlc import is_origin
from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.sync import payload
from liaison_desk.sync.bundle import PeerLookup, open_bundle
from liaison_desk.sync.clocks import check_bundle_time
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import Identity, PeerIdentity
from liaison_desk.sync.ops import MAX_SEQ, Op
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.revocations import read_notice
from tests.bundle_vectors.craft import CREATED_MS

ACCEPTED = "accepted"
OP_REFUSED = "op-refused:"  # then the reason code of the one op refused
READ_AT_MS = CREATED_MS


def read_items(items: Iterable[payload.Item], hq: PeerIdentity | None = None) -> list[Op]:
    """Parse the JSON of every item and check every op: its fields, that it lies within the
    start item's coverage, that an attachment's bytes follow it whole, and the end's count.
    Read by HQ (`hq`), the start item's revocation notices must be HQ's own (§8.3)."""
    ops: list[Op] = []
    spans: dict[str, tuple[int, int]] = {}
    incoming: _File | None = None
    end: Any = None
    for item in items:
        if item.kind == payload.BLOB:
            if incoming is None:
                raise malformed("attachment bytes without an attachment")
            incoming.write(item.body)
            continue
        if incoming is not None:
            incoming.finish()
            incoming = None
        if item.kind == payload.START:
            spans = coverage(item.json())
            restores(item.json(), hq)
        elif item.kind == payload.OP:
            op = Op.from_json(item.json())
            span = spans.get(op.origin)
            if span is None or not span[0] < op.seq <= span[1]:
                raise malformed("an op outside the bundle's declared coverage")
            if op.entity == "attachment" and op.creates:
                incoming = _File(op)
            ops.append(op)
        else:
            end = item.json()
    if type(end) is not dict or end.get("ops") != len(ops):
        raise malformed("the end item does not match the ops received")
    return ops


def coverage(start: Any) -> dict[str, tuple[int, int]]:
    """The start item's coverage: origin -> (after, upto), every bound a count below 2**62."""
    spans = start.get("coverage") if type(start) is dict else None
    if type(spans) is not dict:
        raise malformed("the start item is incomplete")
    out = {}
    for origin, span in spans.items():
        if not (
            is_origin(origin)
            and type(span) is list
            and len(span) == 2
            and all(type(n) is int and 0 <= n < MAX_SEQ for n in span)
        ):
            raise malformed("the start item holds malformed origins or counts")
        if span[0] >= span[1]:
            raise malformed("an empty or reversed coverage range")
        out[origin] = (span[0], span[1])
    return out


def restores(start: dict[str, Any], hq: PeerIdentity | None) -> None:
    """§8.3's start fields: `yours` a list of origins; each notice in `revocations` signed by
    HQ, when HQ reads it."""
    yours = start.get("yours", [])
    if type(yours) is not list:
        raise malformed("the start item is incomplete")
    if not all(is_origin(o) for o in yours):
        raise malformed("the start item holds malformed origins or counts")
    notices = start.get("revocations")
    if hq is None or notices is None:
        return
    if type(notices) is not list or len(notices) > 64:
        raise malformed("its revocation notices are not a short list")
    for notice in notices:
        read_notice(notice, hq)


class _File:
    """An attachment's bytes as they follow its op: `f.size` bytes whose SHA-256 is `f.sha256`."""

    def __init__(self, op: Op) -> None:
        size = op.fields.get("size")
        if type(size) is not int or not 0 <= size <= MAX_ATTACHMENT:
            raise malformed("an attachment's size is missing or out of bounds")
        self.size, self.sha256 = size, str(op.fields.get("sha256"))
        self.written, self.hash = 0, hashlib.sha256()

    def write(self, piece: bytes) -> None:
        if self.written + len(piece) > self.size:
            raise malformed("an attachment is longer than it says")
        self.hash.update(piece)
        self.written += len(piece)

    def finish(self) -> None:
        if self.written != self.size or self.hash.hexdigest() != self.sha256:
            raise malformed("an attachment's bytes do not match its size and checksum")


def read_bundle(path: Path, me: Identity, lookup: PeerLookup) -> list[Op]:
    bundle = open_bundle(path, me, lookup)
    check_bundle_time(bundle.header.created_ms, READ_AT_MS, bundle.sender.name)
    return read_items(payload.items(bundle.chunks(), bundle.header.payload_len), me.public)


def outcome(path: Path, me: Identity, lookup: PeerLookup) -> str:
    """`accepted`, or the reason code of the refusal."""
    try:
        read_bundle(path, me, lookup)
    except BundleRefused as refused:
        return refused.reason
    return ACCEPTED
