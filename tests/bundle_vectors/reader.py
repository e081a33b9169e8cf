"""The reader side of a bundle, without a vault: what the test kit and the fuzzer drive.

Exactly what import does before it touches the vault: open and verify the
bundle, check when it was written (read at `READ_AT_MS`, the kit's time),
decrypt and split the payload, parse every JSON item and check every op.
Anything wrong raises BundleRefused; any other exception is a reader bug.
Whether one op is refused alone (`OP_REFUSED`) depends on what the vault
holds: tests/sync/test_bundle_vectors.py imports those vectors into a vault.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from liaison_desk.sync import payload
from liaison_desk.sync.bundle import PeerLookup, open_bundle
from liaison_desk.sync.clocks import check_bundle_time
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.ops import Op
from tests.bundle_vectors.craft import CREATED_MS

ACCEPTED = "accepted"
OP_REFUSED = "op-refused:"  # then the reason code of the one op refused
READ_AT_MS = CREATED_MS


def read_items(items: Iterable[payload.Item]) -> list[Op]:
    """Parse the JSON of every item and check every op."""
    ops = []
    for item in items:
        if item.kind == payload.OP:
            ops.append(Op.from_json(item.json()))
        elif item.kind != payload.BLOB:
            item.json()
    return ops


def read_bundle(path: Path, me: Identity, lookup: PeerLookup) -> list[Op]:
    bundle = open_bundle(path, me, lookup)
    check_bundle_time(bundle.header.created_ms, READ_AT_MS, bundle.sender.name)
    return read_items(payload.items(bundle.chunks(), bundle.header.payload_len))


def outcome(path: Path, me: Identity, lookup: PeerLookup) -> str:
    """`accepted`, or the reason code of the refusal."""
    try:
        read_bundle(path, me, lookup)
    except BundleRefused as refused:
        return refused.reason
    return ACCEPTED
