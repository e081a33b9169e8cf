"""Write the bundle test kit: one `.ldbundle` per case, `expected.json` and `identities.json`.

Run from the repository root: `python -m tests.bundle_vectors.generate [DIR]`.
Each case changes exactly one thing in an otherwise valid bundle from the
station to HQ, re-sealing and re-signing whatever the change would otherwise
break, so that exactly one check refuses it. The expected outcome is declared
beside each case, never computed by running the reader.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from liaison_desk.core.hlc import Stamp
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.sync.bundle import CONTEXT, MAX_CHUNK, MAX_PAYLOAD, MIN_CHUNK, SEALED_KEY
from liaison_desk.sync.payload import (
    BLOB,
    BLOB_PIECE,
    END,
    MAX_DEPTH,
    MAX_ITEM,
    OP,
    START,
    item,
    json_item,
)
from tests.bundle_vectors import craft, identities
from tests.bundle_vectors.craft import ORIGIN, Parts
from tests.bundle_vectors.reader import OP_REFUSED

HERE = Path(__file__).parent
EXPECTED = "expected.json"
SUFFIX = ".ldbundle"
BOMB_ATTACHMENTS = 32  # of MAX_ATTACHMENT zero bytes each: the bomb inflates to 2 GiB
DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class Kit:
    ids: dict[str, Any]  # name -> Identity
    name: str  # the case being written (its file key derives from it)

    @property
    def station(self) -> Any:
        return self.ids["station"]

    @property
    def hq(self) -> Any:
        return self.ids["hq"].public

    def key(self, label: str = "") -> bytes:
        return hashlib.sha256(f"file-key/{self.name}/{label}".encode()).digest()

    def bundle(self, payload: bytes, sender: str = "station", **header: Any) -> Parts:
        return craft.build(self.ids[sender], self.hq, payload, self.key(), **header)

    def resigned(self, parts: Parts, signer: str = "station") -> bytes:
        return craft.sign(parts, self.ids[signer]).assemble()

    def resealed(self, parts: Parts, header: craft.Header) -> bytes:
        """`parts` under a changed header: the key sealed again to it, then signed again."""
        sealed = craft.seal(self.key(), self.hq, header)
        return self.resigned(replace(parts, header=header, sealed=sealed))


# -- payloads -------------------------------------------------------------------------------------


def stamp(n: int, origin: str = ORIGIN) -> str:
    return str(Stamp(craft.CREATED_MS - 10_000 + n, 0, origin))


def record_id(n: int) -> str:
    return f"019e7044-0000-7000-8000-{n:012x}"


def contact(seq: int, **fields: Any) -> dict[str, Any]:
    return {
        "o": ORIGIN,
        "s": seq,
        "h": stamp(seq),
        "e": "contact",
        "r": record_id(seq),
        "f": {
            "marking": "UNCLASSIFIED",
            "tags": [],
            "distribution": "hq",
            "full_name": f"Contact {seq}",
            "languages": ["fr", "en"],
            "cadence_days": 30,
            **fields,
        },
        "b": {},
    }


def attachment(seq: int, data_size: int, sha256: str, origin: str = ORIGIN) -> dict[str, Any]:
    return {
        "o": origin,
        "s": seq,
        "h": stamp(seq, origin),
        "e": "attachment",
        "r": record_id(seq),
        "f": {
            "marking": "UNCLASSIFIED",
            "tags": [],
            "distribution": "hq",
            "owner_id": record_id(1),
            "name": f"scan-{seq}.bin",
            "mime": "application/octet-stream",
            "sha256": sha256,
            "size": data_size,
        },
        "b": {},
    }


def start(ops: int, origin: str = ORIGIN) -> bytes:
    return json_item(
        START,
        {
            "origins": [origin],
            "vector": {origin: ops},
            "coverage": {origin: [0, ops]} if ops else {},
            "owners": {},
        },
    )


def end(ops: int, attachments: int = 0) -> bytes:
    return json_item(END, {"ops": ops, "attachments": attachments})


def ops_items(*ops: dict[str, Any]) -> list[bytes]:
    return [start(len(ops)), *(json_item(OP, op) for op in ops), end(len(ops))]


def two_ops() -> list[bytes]:
    return ops_items(contact(1), contact(2, notes="Met at the reception."))


def with_op(op: Any) -> bytes:
    """A payload whose single op is `op` (raw bytes are sent as the item body unchanged)."""
    body = op if isinstance(op, bytes) else json.dumps(op).encode()
    return craft.compress([start(1), item(OP, body), end(1)])


def nested(levels: int) -> Any:
    """A JSON array `levels` deep."""
    value: list[Any] = []
    for _ in range(levels - 1):
        value = [value]
    return value


def nested_start(levels: int) -> bytes:
    """A bundle with no ops whose start item carries a key readers ignore, `levels` deep below
    the start item itself (which is level 1)."""
    body = json.loads(start(0)[5:])
    return craft.compress([json_item(START, {**body, "later": nested(levels)}), end(0)])


def noise(label: str, size: int) -> str:
    """Text that does not compress much (hex of a hash stream), so payloads span chunks."""
    return hashlib.shake_256(label.encode()).hexdigest(size // 2)


def chunky() -> bytes:
    """About four 1 KiB chunks of compressed payload."""
    return craft.compress(ops_items(*(contact(n, notes=noise(f"n{n}", 1800)) for n in (1, 2, 3))))


GOOD = craft.compress(two_ops())


# -- the cases ------------------------------------------------------------------------------------

Case = Callable[[Kit], bytes]
CASES: dict[str, tuple[str, Case]] = {}


def case(name: str, expected: str) -> Callable[[Case], Case]:
    def register(make: Case) -> Case:
        assert name not in CASES, name
        CASES[name] = (expected, make)
        return make

    return register


def good(kit: Kit, **header: Any) -> Parts:
    return kit.bundle(GOOD, **header)


# accepted


@case("accepted-no-ops", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(craft.compress(ops_items())).assemble()


@case("accepted-one-op", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(craft.compress(ops_items(contact(1)))).assemble()


@case("accepted-two-ops", "accepted")
def _(kit: Kit) -> bytes:
    return good(kit).assemble()


@case("accepted-unicode", "accepted")
def _(kit: Kit) -> bytes:
    op = contact(1, full_name="Ⅻ Łukasz Żółć — 李小龍 — محمد", notes="🙂\u202e\u0000 ok")
    return kit.bundle(craft.compress(ops_items(op))).assemble()


@case("accepted-snapshot-op", "accepted")
def _(kit: Kit) -> bytes:
    op = {**contact(1), "c": {"*": stamp(1), "notes": stamp(0)}}
    return kit.bundle(craft.compress(ops_items(op))).assemble()


@case("accepted-many-chunks", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(chunky(), chunk_size=MIN_CHUNK).assemble()


@case("accepted-exact-chunk-boundary", "accepted")
def _(kit: Kit) -> bytes:
    # Stored (level 0) deflate adds 11 bytes to anything under 64 KiB: fill two chunks exactly.
    target = 2 * MIN_CHUNK
    fill = 0
    while len(payload := craft.compress(ops_items(contact(1, notes="x" * fill)), 0)) < target:
        fill += target - len(payload)
    assert len(payload) == target
    return kit.bundle(payload, chunk_size=MIN_CHUNK).assemble()


@case("accepted-chunk-size-max", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(chunky(), chunk_size=MAX_CHUNK).assemble()


def _attachment_payload(data: bytes, pieces: int) -> bytes:
    step = -(-len(data) // pieces)
    blobs = [item(BLOB, data[at : at + step]) for at in range(0, len(data), step)]
    op = attachment(2, len(data), hashlib.sha256(data).hexdigest())
    return craft.compress(
        [start(2), json_item(OP, contact(1)), json_item(OP, op), *blobs, end(2, 1)]
    )


@case("accepted-attachment", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(_attachment_payload(b"%PDF-1.7 a small scan\n", 1)).assemble()


@case("accepted-attachment-in-pieces", "accepted")
def _(kit: Kit) -> bytes:
    data = noise("scan", 3 * 1024).encode()
    return kit.bundle(_attachment_payload(data, 3), chunk_size=MIN_CHUNK).assemble()


@case("accepted-item-max-length", "accepted")
def _(kit: Kit) -> bytes:
    body = json.dumps(contact(1, notes="a" * 1_000_000)).encode()
    body += b" " * (MAX_ITEM - len(body))  # JSON allows trailing white space
    return kit.bundle(craft.compress([start(1), item(OP, body), end(1)])).assemble()


# accepted, each showing a rule of docs/bundle-format.md §6 (ops as a vault writes them)


@case("accepted-nulls-where-allowed", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(craft.compress(ops_items(whole_contact(1)))).assemble()


@case("accepted-deletion-op", "accepted")
def _(kit: Kit) -> bytes:
    return kit.bundle(craft.compress(ops_items(whole_contact(1), deletion(2)))).assemble()


@case("accepted-attachment-empty", "accepted")
def _(kit: Kit) -> bytes:
    op = attachment(2, 0, hashlib.sha256(b"").hexdigest())
    return kit.bundle(craft.compress(ops_items(whole_contact(1), op))).assemble()


@case("accepted-contact-details", "accepted")
def _(kit: Kit) -> bytes:
    details = (
        child(2, "contact_point", channel="phone", label="mobile", value="+33 6 12 34 56 78",
              extension="12", e164="+33612345678", pref=1),
        child(3, "contact_point", channel="address", street="14 rue Saint-Dominique",
              locality="Paris", postcode="75007", country="France"),
        child(4, "posting", title="Defence attaché", organization="Embassy in Tokyo",
              starts_on="2019-09", ends_on="2022-07"),
        child(5, "relation", relation="spouse", name="Marc Girard"),
    )  # fmt: skip
    return kit.bundle(craft.compress(ops_items(whole_contact(1), *details))).assemble()


@case("accepted-legacy-contact-fields", "accepted")
def _(kit: Kit) -> bytes:
    """A contact as a vault before schema 6 wrote it: its phones, emails and address in
    fields of its own, none of the fields added since."""
    old = contact(1, phones=["+33 1 44 42 30 11", "+1-800-MYFAX"], emails=["a@b.example"])
    old["f"] |= {"address": "12 rue des Écoles, Paris", "rank": None, "notes": None}
    return kit.bundle(craft.compress(ops_items(old))).assemble()


# not a bundle at all


@case("empty-file", "empty")
def _(kit: Kit) -> bytes:
    return b""


@case("not-a-bundle-text", "not-a-bundle")
def _(kit: Kit) -> bytes:
    return b"Meeting notes, 3 March: nothing to report.\n"


@case("not-a-bundle-zip", "not-a-bundle")
def _(kit: Kit) -> bytes:
    return b"PK\x03\x04" + bytes(200)


@case("magic-cut-short", "not-a-bundle")
def _(kit: Kit) -> bytes:
    return b"LDBUN"


@case("magic-only", "truncated")
def _(kit: Kit) -> bytes:
    return b"LDBUNDLE"


# header


@case("version-0", "unsupported-version")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, version=0))


@case("version-2", "unsupported-version")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, version=2))


@case("version-max", "unsupported-version")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, version=0xFFFF))


@case("header-length-short", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, header_len=craft.HEADER_LEN - 1))


@case("header-length-long", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, header_len=craft.HEADER_LEN + 1))


@case("header-length-zero", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, header_len=0))


@case("header-length-max", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, header_len=0xFFFF))


@case("bundle-seq-zero", "malformed-header")
def _(kit: Kit) -> bytes:
    return good(kit, bundle_seq=0).assemble()


def _chunk_size_case(name: str, size: int) -> None:
    @case(name, "malformed-header")
    def _(kit: Kit) -> bytes:
        parts = good(kit)
        return kit.resealed(parts, replace(parts.header, chunk_size=size))


_chunk_size_case("chunk-size-zero", 0)
_chunk_size_case("chunk-size-below-min", MIN_CHUNK // 2)
_chunk_size_case("chunk-size-above-max", MAX_CHUNK * 2)
_chunk_size_case("chunk-size-not-power-of-two", 3000)
_chunk_size_case("chunk-size-max-u32", 0xFFFF_FFFF)


@case("payload-length-zero-with-data", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, payload_len=0))


@case("payload-length-one-more", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, payload_len=parts.header.payload_len + 1))


@case("payload-length-max", "truncated")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, payload_len=MAX_PAYLOAD))


@case("payload-length-max-plus-one", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, payload_len=MAX_PAYLOAD + 1))


@case("payload-length-max-u64", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resealed(parts, replace(parts.header, payload_len=(1 << 64) - 1))


@case("header-altered-not-resigned", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, header=replace(parts.header, created_ms=craft.CREATED_MS + 1)).assemble()


# who it is from and to


@case("wrong-recipient", "wrong-recipient")
def _(kit: Kit) -> bytes:
    other = kit.ids["other-station"].public
    return craft.build(kit.station, other, GOOD, kit.key()).assemble()


@case("unknown-sender", "unknown-sender")
def _(kit: Kit) -> bytes:
    return good(kit, sender="other-station").assemble()


@case("revoked-sender", "revoked-sender")
def _(kit: Kit) -> bytes:
    return good(kit, sender="revoked-station").assemble()


# when it was written (read at craft.CREATED_MS)


@case("written-two-days-ahead", "clock-ahead")
def _(kit: Kit) -> bytes:
    return good(kit, created_ms=craft.CREATED_MS + 2 * DAY_MS).assemble()


# signatures


@case("resigned-by-other-key", "bad-signature")
def _(kit: Kit) -> bytes:
    return kit.resigned(good(kit), signer="other-station")


@case("signed-by-recipient", "bad-signature")
def _(kit: Kit) -> bytes:
    return kit.resigned(good(kit), signer="hq")


@case("mldsa-good-ecdsa-bad", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    other = kit.station.sign(parts.message() + b"!", CONTEXT)
    return replace(parts, ecdsa_p384=other.ecdsa_p384).assemble()


@case("ecdsa-good-mldsa-bad", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    other = kit.station.sign(parts.message() + b"!", CONTEXT)
    return replace(parts, mldsa87=other.mldsa87).assemble()


@case("signed-in-other-context", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    other = kit.station.sign(parts.message(), b"liaison-desk/enrolment/v1")
    return replace(parts, mldsa87=other.mldsa87, ecdsa_p384=other.ecdsa_p384).assemble()


@case("signatures-of-another-bundle", "bad-signature")
def _(kit: Kit) -> bytes:
    parts, other = good(kit), good(kit, bundle_seq=2)
    return replace(parts, mldsa87=other.mldsa87, ecdsa_p384=other.ecdsa_p384).assemble()


@case("ecdsa-not-der", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, ecdsa_p384=bytes(len(parts.ecdsa_p384))).assemble()


@case("mldsa-length-short", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, mldsa87=parts.mldsa87[:-1]).assemble()


@case("mldsa-length-zero", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, mldsa87_len=0).assemble()


@case("mldsa-length-max", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, mldsa87_len=0xFFFF).assemble()


@case("ecdsa-length-zero", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, ecdsa_p384=b"").assemble()


@case("ecdsa-length-over-max", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, ecdsa_p384=parts.ecdsa_p384.ljust(121, b"\0")).assemble()


@case("ecdsa-length-max", "malformed-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, ecdsa_p384_len=0xFFFF).assemble()


@case("trailing-byte", "trailing-data")
def _(kit: Kit) -> bytes:
    return replace(good(kit), trailing=b"\n").assemble()


@case("trailing-second-signature", "trailing-data")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    extra = len(parts.ecdsa_p384).to_bytes(2, "big") + parts.ecdsa_p384
    return replace(parts, trailing=extra).assemble()


# truncated


def _truncated(name: str, where: Callable[[Parts], int]) -> None:
    @case(name, "truncated")
    def _(kit: Kit) -> bytes:
        parts = good(kit)
        return parts.assemble()[: where(parts)]


_PREFIX_LEN = craft.HEADER_LEN + 12
_truncated("truncated-in-preamble", lambda p: 10)
_truncated("truncated-in-header", lambda p: 100)
_truncated("truncated-in-sealed-key-length", lambda p: _PREFIX_LEN + 1)
_truncated("truncated-in-sealed-key", lambda p: _PREFIX_LEN + 2 + SEALED_KEY // 2)
_truncated("truncated-mid-chunk", lambda p: _PREFIX_LEN + 2 + SEALED_KEY + len(p.ciphertext) // 2)
_truncated(
    "truncated-in-mldsa-signature",
    lambda p: _PREFIX_LEN + 2 + SEALED_KEY + len(p.ciphertext) + 2 + 1000,
)
_truncated("truncated-before-ecdsa-length", lambda p: len(p.assemble()) - len(p.ecdsa_p384) - 2)
_truncated("truncated-in-ecdsa-signature", lambda p: len(p.assemble()) - 10)
_truncated("truncated-last-byte", lambda p: len(p.assemble()) - 1)


# the sealed file key


@case("sealed-key-length-short", "malformed-header")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resigned(replace(parts, sealed=parts.sealed[:-1]))


@case("sealed-key-length-zero", "malformed-header")
def _(kit: Kit) -> bytes:
    return replace(good(kit), sealed_len=0).assemble()


@case("sealed-key-length-max", "malformed-header")
def _(kit: Kit) -> bytes:
    return replace(good(kit), sealed_len=0xFFFF).assemble()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@case("sealed-key-encapsulation-altered", "key-unsealing-failed")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resigned(replace(parts, sealed=_flip(parts.sealed, 100)))


@case("sealed-key-ciphertext-altered", "key-unsealing-failed")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return kit.resigned(replace(parts, sealed=_flip(parts.sealed, SEALED_KEY - 20)))


@case("sealed-to-other-recipient", "key-unsealing-failed")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    sealed = craft.seal(kit.key(), kit.ids["other-station"].public, parts.header)
    return kit.resigned(replace(parts, sealed=sealed))


@case("sealed-under-other-header", "key-unsealing-failed")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    sealed = craft.seal(kit.key(), kit.hq, replace(parts.header, bundle_seq=2))
    return kit.resigned(replace(parts, sealed=sealed))


@case("sealed-key-altered-not-resigned", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = good(kit)
    return replace(parts, sealed=_flip(parts.sealed, 100)).assemble()


# chunks (four of 1 KiB)


def chunked(kit: Kit) -> Parts:
    return kit.bundle(chunky(), chunk_size=MIN_CHUNK)


@case("chunk-altered-not-resigned", "bad-signature")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    chunks = (parts.chunks[0], _flip(parts.chunks[1], 10), *parts.chunks[2:])
    return replace(parts, chunks=chunks).assemble()


@case("chunk-altered", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    chunks = (parts.chunks[0], _flip(parts.chunks[1], 10), *parts.chunks[2:])
    return kit.resigned(replace(parts, chunks=chunks))


@case("chunk-tag-altered", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    chunks = (*parts.chunks[:-1], _flip(parts.chunks[-1], len(parts.chunks[-1]) - 1))
    return kit.resigned(replace(parts, chunks=chunks))


@case("chunks-swapped", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    c = parts.chunks
    return kit.resigned(replace(parts, chunks=(c[1], c[0], *c[2:])))


@case("chunk-repeated", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    c = parts.chunks
    return kit.resigned(replace(parts, chunks=(c[0], c[0], *c[2:])))


@case("chunk-dropped", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    c = parts.chunks
    header = replace(parts.header, payload_len=parts.header.payload_len - MIN_CHUNK)
    return kit.resealed(replace(parts, chunks=(c[0], *c[2:])), header)


@case("last-chunk-dropped", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    c = parts.chunks
    header = replace(parts.header, payload_len=MIN_CHUNK * (len(c) - 1))
    return kit.resealed(replace(parts, chunks=c[:-1]), header)


@case("last-chunk-not-flagged", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    n = len(parts.chunks)
    chunks = craft.encrypt_chunks(kit.key(), chunky(), MIN_CHUNK, [False] * n)
    return kit.resigned(replace(parts, chunks=chunks))


@case("middle-chunk-flagged-last", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    flags = [i in (1, len(parts.chunks) - 1) for i in range(len(parts.chunks))]
    chunks = craft.encrypt_chunks(kit.key(), chunky(), MIN_CHUNK, flags)
    return kit.resigned(replace(parts, chunks=chunks))


@case("chunks-under-another-key", "chunk-corrupt")
def _(kit: Kit) -> bytes:
    parts = chunked(kit)
    chunks = craft.encrypt_chunks(kit.key("other"), chunky(), MIN_CHUNK)
    return kit.resigned(replace(parts, chunks=chunks))


# the payload: every one properly sealed and signed


def _payload_case(name: str, expected: str, make: Callable[[], bytes]) -> None:
    @case(name, expected)
    def _(kit: Kit) -> bytes:
        return kit.bundle(make()).assemble()


def _malformed(name: str, make: Callable[[], bytes]) -> None:
    _payload_case(name, "malformed-payload", make)


_malformed("payload-empty", lambda: b"")
_malformed("payload-not-zlib", lambda: noise("not zlib", 400).encode())
_malformed("payload-zlib-trailing-garbage", lambda: GOOD + b"\0garbage")
_malformed("payload-zlib-two-streams", lambda: GOOD + GOOD)
_malformed("payload-zlib-truncated", lambda: GOOD[:-6])
_malformed("payload-zlib-bad-checksum", lambda: GOOD[:-1] + bytes([GOOD[-1] ^ 1]))
_malformed("payload-raw-deflate", lambda: zlib.compress(b"".join(two_ops()), wbits=-15))
_malformed("payload-gzip", lambda: zlib.compress(b"".join(two_ops()), wbits=31))
_malformed("item-type-zero", lambda: craft.compress([start(0), item(0, b"{}"), end(0)]))
_malformed("item-type-unknown", lambda: craft.compress([start(0), item(5, b"{}"), end(0)]))
_malformed("item-type-max", lambda: craft.compress([start(0), item(255, b"{}"), end(0)]))
_malformed(
    "item-length-over-limit",
    lambda: craft.compress([start(0), item(BLOB, bytes(MAX_ITEM + 1)), end(0)]),
)
_malformed("item-length-max-u32", lambda: craft.compress([start(0), b"\x02\xff\xff\xff\xff{}"]))
_malformed("item-partial-at-end", lambda: craft.compress([*two_ops(), item(OP, b"{}")[:4]]))
_malformed("item-cut-short-at-end", lambda: craft.compress([*two_ops()[:-1], end(2)[:-3]]))
_malformed("no-start-item", lambda: craft.compress(two_ops()[1:]))
_malformed("start-item-twice", lambda: craft.compress([start(2), *two_ops()]))
_malformed("start-item-after-op", lambda: craft.compress([*two_ops()[:2], start(2), end(2)]))
_malformed("no-end-item", lambda: craft.compress(two_ops()[:-1]))
_malformed("item-after-end", lambda: craft.compress([*two_ops(), json_item(OP, contact(3))]))
_malformed("end-item-twice", lambda: craft.compress([*two_ops(), end(2)]))
_malformed("no-items", lambda: craft.compress([]))
_malformed("blob-without-op", lambda: craft.compress([start(0), item(BLOB, b"data"), end(0)]))
_malformed("start-not-json", lambda: craft.compress([item(START, b"{origins"), end(0)]))
_malformed("end-not-json", lambda: craft.compress([start(0), item(END, b"ops=0")]))
_malformed("op-malformed-json", lambda: with_op(b'{"o": "0123456789abcdef", "s": 1,'))
_malformed("op-json-not-utf8", lambda: with_op(json.dumps(contact(1)).encode()[:-2] + b"\xff}"))
_malformed("op-json-nested-too-deep", lambda: with_op(b"[" * 200_000 + b"]" * 200_000))
_malformed("op-json-nested-past-bound", lambda: with_op(contact(1, tags=nested(MAX_DEPTH - 1))))
_malformed("start-json-nested-past-bound", lambda: nested_start(MAX_DEPTH))
_payload_case(
    "accepted-start-json-nested-at-bound", "accepted", lambda: nested_start(MAX_DEPTH - 1)
)
_malformed("op-json-nan", lambda: with_op(json.dumps(contact(1, cadence_days=float("nan")))))
_malformed("op-not-an-object", lambda: with_op([contact(1)]))
_malformed("op-missing-field", lambda: with_op({k: v for k, v in contact(1).items() if k != "r"}))
_malformed("op-unknown-field", lambda: with_op(contact(1, password="hunter2")))
_malformed("op-no-fields", lambda: with_op({**contact(1), "f": {}}))
_malformed("op-seq-not-int", lambda: with_op({**contact(1), "s": "1"}))
_malformed("op-seq-zero", lambda: with_op({**contact(1), "s": 0}))
_malformed("op-seq-too-big", lambda: with_op({**contact(1), "s": 1 << 62}))
_malformed("op-bad-origin", lambda: with_op({**contact(1), "o": "not-an-origin"}))
_malformed("op-bad-clock-stamp", lambda: with_op({**contact(1), "h": "yesterday"}))
_malformed("op-unknown-kind", lambda: with_op({**contact(1), "e": "password"}))
_malformed("op-kind-not-text", lambda: with_op({**contact(1), "e": ["contact"]}))
_malformed("op-record-id-too-long", lambda: with_op({**contact(1), "r": "x" * 65}))
_malformed("op-text-field-not-text", lambda: with_op(contact(1, full_name=42)))
_malformed("op-list-field-not-list", lambda: with_op(contact(1, languages="fr")))
_malformed("op-int-field-not-int", lambda: with_op(contact(1, cadence_days="30")))
_malformed("op-bad-base-clock", lambda: with_op({**contact(1), "b": {"notes": "then"}}))
_malformed("op-snapshot-without-default-clock", lambda: with_op({**contact(1), "c": {}}))
_malformed("op-snapshot-clocks-null", lambda: with_op({**whole_contact(1), "c": None}))
_malformed("op-unknown-key", lambda: with_op({**whole_contact(1), "x": 1}))
_malformed("op-null-required-field", lambda: with_op(whole_contact(1, full_name=None)))
_malformed("op-null-list-field", lambda: with_op(whole_contact(1, languages=None)))
_malformed("op-int-field-too-big", lambda: with_op(whole_contact(1, cadence_days=1 << 63)))
_malformed("op-base-unknown-field", lambda: with_op({**deletion(1), "b": {"x": stamp(0)}}))


def _covering(spans: dict[str, list[int]], *ops: dict[str, Any]) -> bytes:
    """A payload of `ops` under a start item that declares `spans` as its coverage."""
    head = {"origins": [ORIGIN], "vector": {ORIGIN: len(ops)}, "coverage": spans, "owners": {}}
    items = [json_item(START, head), *(json_item(OP, op) for op in ops), end(len(ops))]
    return craft.compress(items)


_malformed(
    "op-outside-coverage",
    lambda: _covering({ORIGIN: [0, 1]}, whole_contact(1), whole_contact(2)),
)
_malformed("op-at-coverage-start", lambda: _covering({ORIGIN: [1, 2]}, whole_contact(1)))
_malformed(
    "op-origin-not-covered",
    lambda: _covering({ORIGIN: [0, 1]}, {**whole_contact(1), "o": "fedcba9876543210"}),
)
_malformed(
    "end-count-wrong",
    lambda: craft.compress([start(2), *(json_item(OP, whole_contact(n)) for n in (1, 2)), end(3)]),
)


def _file_payload(data: bytes, sent: bytes, owner: dict[str, Any] | None = None) -> bytes:
    """An attachment op declaring `data` (size and checksum), followed by the bytes `sent`."""
    op = attachment(2, len(data), hashlib.sha256(data).hexdigest())
    first = owner or whole_contact(1)
    items = [start(2), json_item(OP, first), json_item(OP, op), item(BLOB, sent), end(2, 1)]
    return craft.compress(items)


_malformed("attachment-bytes-short", lambda: _file_payload(b"a scan", b"a sca"))
_malformed("attachment-bytes-other-checksum", lambda: _file_payload(b"a scan", b"a scam"))
_malformed(
    "blob-after-other-op",
    lambda: craft.compress(
        [start(1), json_item(OP, whole_contact(1)), item(BLOB, b"data"), end(1)]
    ),
)


def _with_start(extra: dict[str, Any]) -> bytes:
    """One contact under a start item carrying `extra` too (§8.3's fields)."""
    head = {"origins": [ORIGIN], "vector": {ORIGIN: 1}, "coverage": {ORIGIN: [0, 1]}, "owners": {}}
    ops = [json_item(OP, whole_contact(1)), end(1)]
    return craft.compress([json_item(START, {**head, **extra}), *ops])


_malformed("start-yours-not-a-list", lambda: _with_start({"yours": ORIGIN}))
_malformed("start-yours-not-origins", lambda: _with_start({"yours": [ORIGIN, "not-an-origin"]}))
_payload_case(
    "accepted-start-yours", "accepted", lambda: _with_start({"yours": ["fedcba9876543210"]})
)


@case("start-revocation-not-signed-by-hq", "malformed-payload")
def _(kit: Kit) -> bytes:
    """A station sends back a revocation notice in HQ's name that HQ never signed."""
    notice = {
        "hq": kit.hq.fingerprint,
        "origin": ORIGIN,
        "seq": 1,
        "issued_ms": craft.CREATED_MS,
        "revoked": [],
    }
    signed = kit.station.sign(json.dumps(notice).encode(), b"liaison-desk/revocations/v1")
    forged = {
        "notice": notice,
        "signatures": {
            "ml-dsa-87": base64.b64encode(signed.mldsa87).decode(),
            "ecdsa-p384": base64.b64encode(signed.ecdsa_p384).decode(),
        },
    }
    return kit.bundle(_with_start({"revocations": [forged]})).assemble()


def _blob_run_too_long() -> bytes:
    """An attachment op followed by one blob piece more than any attachment may have."""
    op = attachment(1, MAX_ATTACHMENT, "0" * 64)
    pieces = MAX_ATTACHMENT // BLOB_PIECE + 1
    head = start(1) + json_item(OP, op)
    return craft.spliced_zlib([(head, 1), (item(BLOB, bytes(BLOB_PIECE)), pieces), (end(1), 1)])


_malformed("blob-run-over-attachment-limit", _blob_run_too_long)


def bomb(origin: str = ORIGIN) -> bytes:
    """2 GiB of well-formed items in about 2 MB: attachments of 64 MiB of zeros each."""
    blob = item(BLOB, bytes(BLOB_PIECE))
    per = MAX_ATTACHMENT // BLOB_PIECE
    sha = hashlib.sha256(bytes(MAX_ATTACHMENT)).hexdigest()
    pieces: list[tuple[bytes, int]] = [(start(BOMB_ATTACHMENTS, origin), 1)]
    for n in range(1, BOMB_ATTACHMENTS + 1):
        op = attachment(n, MAX_ATTACHMENT, sha, origin)
        pieces += [(json_item(OP, op), 1), (blob, per)]
    pieces.append((end(BOMB_ATTACHMENTS, BOMB_ATTACHMENTS), 1))
    return craft.spliced_zlib(pieces)


_payload_case("compression-bomb", "compression-bomb", bomb)


# ops refused alone: the bundle is applied and acknowledged, its op 2 is not applied. Read
# by HQ holding LIBRARY (a protocol reference HQ wrote), SHARED_WITH_STATION (a contact
# HQ wrote, shared with `station` only) and SHARED_FILE (a file HQ attached to that
# contact), at craft.CREATED_MS.

LIBRARY = record_id(0x900)
SHARED_WITH_STATION = record_id(0x901)
SHARED_FILE = record_id(0x902)


def whole_contact(seq: int, **fields: Any) -> dict[str, Any]:
    """A contact's creation with every field, as a vault writes one (a vault can store it)."""
    op = contact(seq, **fields)
    kind = BY_NAME["contact"]
    blank = {f: [] if f in kind.list_fields else None for f in kind.fields}
    return {**op, "f": {**blank, **op["f"]}}


def child(seq: int, entity: str, **fields: Any) -> dict[str, Any]:
    """Op `seq` creates a child record (every field) of the contact op 1 created."""
    kind = BY_NAME[entity]
    blank = {f: [] if f in kind.list_fields else None for f in kind.fields}
    own = {"marking": "UNCLASSIFIED", "distribution": "hq", "contact_id": record_id(1)}
    return {
        "o": ORIGIN,
        "s": seq,
        "h": stamp(seq),
        "e": entity,
        "r": record_id(seq),
        "f": {**blank, **own, **fields},
        "b": {},
    }


def deletion(seq: int) -> dict[str, Any]:
    """Op `seq` deletes the contact op 1 created: its base holds the clock of every field."""
    return {
        "o": ORIGIN,
        "s": seq,
        "h": stamp(seq),
        "e": "contact",
        "r": record_id(1),
        "f": {"deleted": True},
        "b": {"*": stamp(1), "deleted": stamp(1)},
    }


def _second_op(op: dict[str, Any]) -> Callable[[], bytes]:
    ops = (whole_contact(1), {"o": ORIGIN, "s": 2, "b": {}, **op})
    return lambda: craft.compress(ops_items(*ops))


def _ahead(ms: int) -> str:
    return str(Stamp(craft.CREATED_MS + ms, 0, ORIGIN))


for _name, _outcome, _op in (
    (
        "op-refused-library-edit",
        f"{OP_REFUSED}not-authorised",
        {
            "h": stamp(2),
            "e": "protocol",
            "r": LIBRARY,
            "f": {"body": "Anything goes."},
            "b": {"body": stamp(0)},
        },
    ),
    (
        "op-refused-widening",
        f"{OP_REFUSED}not-authorised",
        {
            "h": stamp(2),
            "e": "contact",
            "r": SHARED_WITH_STATION,
            "f": {"distribution": "all"},
            "b": {"distribution": stamp(0)},
        },
    ),
    (
        "op-refused-file-moved",
        f"{OP_REFUSED}not-authorised",
        {
            "h": stamp(2),
            "e": "attachment",
            "r": SHARED_FILE,
            "f": {"owner_id": record_id(1)},
            "b": {"owner_id": stamp(0)},
        },
    ),
    (
        "op-refused-far-future-stamp",
        f"{OP_REFUSED}clock-ahead",
        {**whole_contact(2), "h": f"9999999999999.99999.{ORIGIN}"},
    ),
    (
        "op-refused-two-days-ahead",
        f"{OP_REFUSED}clock-ahead",
        {**whole_contact(2), "h": _ahead(2 * DAY_MS)},
    ),
    ("accepted-stamp-a-day-ahead", "accepted", {**whole_contact(2), "h": _ahead(DAY_MS)}),
):
    _payload_case(_name, _outcome, _second_op(_op))


# -- writing ------------------------------------------------------------------------------------


def main(dest: Path = HERE) -> dict[str, str]:
    """Write every vector, expected.json and identities.json into `dest`; return the outcomes."""
    dest.mkdir(parents=True, exist_ok=True)
    ids = identities.derive()
    (dest / identities.FILE.name).write_text(json.dumps(identities.to_json(ids), indent=2) + "\n")
    for stale in dest.glob(f"*{SUFFIX}"):
        if stale.stem not in CASES:
            stale.unlink()
    expected = {}
    for name, (outcome, make) in CASES.items():
        (dest / f"{name}{SUFFIX}").write_bytes(make(Kit(ids, name)))
        expected[f"{name}{SUFFIX}"] = outcome
    (dest / EXPECTED).write_text(json.dumps(expected, indent=2) + "\n")
    return expected


if __name__ == "__main__":
    out = main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    print(f"{len(out)} vectors written")
