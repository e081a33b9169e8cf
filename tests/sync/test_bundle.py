"""sync/bundle.py: a bundle written and read back, and every check of its reader.

The first part reads bundles with no vault, as the test kit does (the fixed
identities of tests/bundle_vectors). The second feeds hostile bundles to a
real, open HQ vault through an import (`refuse`, in conftest.py): each is
refused with the reason the reader gives, and the vault's files and records
stay exactly as they were.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from liaison_desk.sync import bundle as bundle_module
from liaison_desk.sync import importing
from liaison_desk.sync.bundle import (
    CHUNK_SIZE,
    MAX_PAYLOAD,
    PREFIX,
    SEALED_KEY,
    Header,
    open_bundle,
    read_header,
    write_bundle,
)
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import MLDSA87_SIGNATURE, Identity
from tests.bundle_vectors import craft, identities
from tests.hostile_files import never_written_pipe
from tests.sync.hostile import World

IDS = identities.load()
STATION, HQ = IDS["station"], IDS[identities.RECIPIENT]
LOOKUP = identities.lookup(IDS)
ORIGIN = "0123456789abcdef"
CREATED_MS = 1_780_000_000_000


def written(path: Path, payload: bytes, seq: int = 7, key: bytes | None = None) -> int:
    """Write a bundle from the station to HQ carrying `payload` (in pieces, as export does)."""
    pieces = [payload[i : i + 10_000] for i in range(0, len(payload), 10_000)]
    keys = (lambda n: key) if key is not None else os.urandom
    with open(path, "w+b") as out:
        return write_bundle(out, STATION, HQ.public, seq, ORIGIN, CREATED_MS, pieces, keys)


# -- written and read back, with no vault ---------------------------------------------------------


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE + 5]
)
def test_a_bundle_reads_back_what_was_written(tmp_path: Path, size: int) -> None:
    payload = os.urandom(size)
    path = tmp_path / "b.ldbundle"
    assert written(path, payload) == path.stat().st_size

    bundle = open_bundle(path, HQ, LOOKUP)

    assert b"".join(bundle.chunks()) == payload
    assert bundle.sender.fingerprint == STATION.fingerprint
    header = bundle.header
    assert (header.sender, header.recipient) == (STATION.fingerprint, HQ.fingerprint)
    assert (header.bundle_seq, header.origin, header.created_ms) == (7, ORIGIN, CREATED_MS)
    assert (header.payload_len, header.chunks) == (size, max(1, -(-size // CHUNK_SIZE)))


def test_the_same_payload_makes_another_file_each_time(tmp_path: Path) -> None:
    """A fresh file key each time: two bundles of the same changes share no ciphertext."""
    first, second = tmp_path / "1.ldbundle", tmp_path / "2.ldbundle"
    written(first, b"the same changes" * 100)
    written(second, b"the same changes" * 100)
    a, b = open_bundle(first, HQ, LOOKUP), open_bundle(second, HQ, LOOKUP)
    assert b"".join(a.chunks()) == b"".join(b.chunks())
    assert craft.parse(first.read_bytes()).chunks != craft.parse(second.read_bytes()).chunks
    assert a.digest != b.digest  # the digest names one exact file


def test_the_header_reads_from_the_first_bytes_alone(tmp_path: Path) -> None:
    """What the relay does with an upload's first bytes: no keys, no rest of the file."""
    path = tmp_path / "b.ldbundle"
    size = written(path, os.urandom(5000), seq=12)
    header = read_header(io.BytesIO(path.read_bytes()[:PREFIX]), size)
    assert (header.sender, header.recipient, header.bundle_seq, header.origin) == (
        STATION.fingerprint,
        HQ.fingerprint,
        12,
        ORIGIN,
    )


def test_a_bundle_that_cannot_be_opened_is_refused_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(BundleRefused) as refused:
        open_bundle(tmp_path / "gone.ldbundle", HQ, LOOKUP)
    assert refused.value.reason == "unreadable"
    assert refused.value.message.startswith("gone.ldbundle cannot be read")


def test_a_file_swapped_after_it_was_verified_is_refused_at_its_end(tmp_path: Path) -> None:
    """Chunks that decrypt (same key, same length) yet are not the ones that were signed."""
    path, key = tmp_path / "b.ldbundle", os.urandom(32)
    written(path, b"a" * (2 * CHUNK_SIZE), key=key)
    bundle = open_bundle(path, HQ, LOOKUP)
    written(path, b"b" * (2 * CHUNK_SIZE), key=key)
    with pytest.raises(BundleRefused) as refused:
        list(bundle.chunks())
    assert refused.value.reason == "changed-while-reading"


class CountingReader:
    """A bundle file that counts the bytes read from it."""

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        data = self.f.read(n)
        self.read_bytes += len(data)
        return data

    def fileno(self) -> int:
        return self.f.fileno()

    def __enter__(self) -> CountingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


def test_a_sparse_file_claiming_8_gib_is_refused_after_reading_its_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """12 KiB of data in a file whose header and size say 8 GiB: it was hashed to the end."""
    header = Header(STATION.fingerprint, HQ.fingerprint, 7, ORIGIN, CREATED_MS, 8 << 30)
    path = tmp_path / "sparse.ldbundle"
    with path.open("wb") as out:
        out.write(header.pack() + SEALED_KEY.to_bytes(2, "big") + os.urandom(12 * 1024))
        out.truncate(PREFIX + 2 + SEALED_KEY + header.ciphertext_len + 2 + MLDSA87_SIGNATURE + 104)
    opened: list[CountingReader] = []
    real_open = bundle_module._open

    def counted(p: Path) -> CountingReader:
        opened.append(CountingReader(real_open(p)))
        return opened[-1]

    monkeypatch.setattr(bundle_module, "_open", counted)
    with pytest.raises(BundleRefused) as refused:
        open_bundle(path, HQ, LOOKUP)
    assert refused.value.reason == "too-large"
    assert refused.value.message.startswith("The bundle is 8.0 GiB, more than the 2 GiB this vault")
    assert [f.read_bytes for f in opened] == [PREFIX]


def test_a_bundle_under_the_limit_given_is_read_and_one_over_it_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.ldbundle"
    size = written(path, os.urandom(CHUNK_SIZE))
    assert open_bundle(path, HQ, LOOKUP, max_size=size).header.payload_len == CHUNK_SIZE
    with pytest.raises(BundleRefused) as refused:
        open_bundle(path, HQ, LOOKUP, max_size=size - 1)
    assert refused.value.reason == "too-large"


def test_a_pipe_named_like_a_bundle_is_refused_without_waiting(tmp_path: Path) -> None:
    with (
        never_written_pipe(tmp_path / "b.ldbundle") as pipe,
        pytest.raises(BundleRefused) as refused,
    ):
        open_bundle(pipe, HQ, LOOKUP)
    assert refused.value.reason == "not-a-file"
    assert (
        refused.value.message == "b.ldbundle is a named pipe, not a regular file; it was not read."
    )


# -- hostile bundles, imported into a real vault ---------------------------------------------------


def _flip_reason(at: int, data: bytes) -> set[str]:
    """What flipping the byte at `at` of a one-chunk bundle must be refused as."""
    fields = [
        (8, {"not-a-bundle"}),
        (10, {"unsupported-version"}),
        (12, {"malformed-header"}),  # header length
        (60, {"unknown-sender"}),
        (108, {"wrong-recipient"}),
        # A longer payload length runs past the file or into the signature lengths.
        (132, {"bad-signature"}),  # sequence, incarnation, creation time
        (140, {"malformed-header", "truncated", "malformed-signature"}),
        (PREFIX, {"malformed-header"}),  # chunk size
        (PREFIX + 2, {"malformed-header"}),  # sealed key length
    ]
    for end, reasons in fields:
        if at < end:
            return reasons
    parts = craft.parse(data)
    ml_len_at = PREFIX + 2 + SEALED_KEY + len(parts.ciphertext)
    ec_len_at = ml_len_at + 2 + len(parts.mldsa87)
    if at in (ml_len_at, ml_len_at + 1, ec_len_at, ec_len_at + 1):
        return {"malformed-signature"}
    return {"bad-signature"}  # the sealed key, the ciphertext, the signatures themselves


def test_every_byte_flipped_is_refused(world: World, refuse: Callable[[bytes], str]) -> None:
    data = world.small
    assert len(craft.parse(data).chunks) == 1
    for at in range(len(data)):
        flipped = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]
        reason = refuse(flipped)
        assert reason in _flip_reason(at, data), (at, reason)


def test_every_truncation_is_refused(world: World, refuse: Callable[[bytes], str]) -> None:
    data = world.small
    for length in range(len(data)):
        expected = "empty" if length == 0 else "not-a-bundle" if length < 8 else "truncated"
        assert refuse(data[:length]) == expected, length


def _other_identity() -> Identity:
    from liaison_desk.core.identity_keys import SecretKeys

    return Identity(SecretKeys.generate(os.urandom), name="Elsewhere", role="station")


CASES: dict[str, tuple[str, Callable[[World], bytes]]] = {}


def case(name: str, reason: str) -> Callable[[Callable[[World], bytes]], Callable[[World], bytes]]:
    def register(make: Callable[[World], bytes]) -> Callable[[World], bytes]:
        CASES[name] = (reason, make)
        return make

    return register


@case("for another recipient", "wrong-recipient")
def _(w: World) -> bytes:
    other = _other_identity().public
    return craft.build(w.station_identity, other, b"x", os.urandom(32)).assemble()


@case("from an unknown sender", "unknown-sender")
def _(w: World) -> bytes:
    return craft.build(_other_identity(), w.hq_identity.public, b"x", os.urandom(32)).assemble()


@case("from a revoked sender", "revoked-sender")
def _(w: World) -> bytes:
    return w.revoked


@case("re-signed by another key", "bad-signature")
def _(w: World) -> bytes:
    return craft.sign(craft.parse(w.small), _other_identity()).assemble()


@case("chunks reordered", "chunk-corrupt")
def _(w: World) -> bytes:
    parts = craft.parse(w.large)
    c = parts.chunks
    return craft.sign(replace(parts, chunks=(c[1], c[0], *c[2:])), w.station_identity).assemble()


@case("a chunk dropped", "chunk-corrupt")
def _(w: World) -> bytes:
    parts = craft.parse(w.large)
    c = parts.chunks
    header = replace(parts.header, payload_len=parts.header.payload_len - parts.header.chunk_size)
    return w.resealed(replace(parts, chunks=(c[0], *c[2:])), header)


@case("the last chunk dropped", "chunk-corrupt")
def _(w: World) -> bytes:
    parts = craft.parse(w.large)
    header = replace(parts.header, payload_len=parts.header.chunk_size * (len(parts.chunks) - 1))
    return w.resealed(replace(parts, chunks=parts.chunks[:-1]), header)


@case("a header claiming a terabyte", "truncated")
def _(w: World) -> bytes:
    parts = craft.parse(w.small)
    return w.resealed(parts, replace(parts.header, payload_len=MAX_PAYLOAD))


@case("a header claiming more than the maximum", "malformed-header")
def _(w: World) -> bytes:
    parts = craft.parse(w.small)
    return w.resealed(parts, replace(parts.header, payload_len=MAX_PAYLOAD + 1))


@case("a file that is not a bundle", "not-a-bundle")
def _(w: World) -> bytes:
    return b"%PDF-1.7\n" + os.urandom(5000)


@case("an empty file", "empty")
def _(w: World) -> bytes:
    return b""


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_bundle_is_refused(name: str, world: World, refuse: Callable[[bytes], str]) -> None:
    reason, make = CASES[name]
    assert refuse(make(world)) == reason


def test_bundle_gone_while_applied_is_refused(
    world: World, refuse: Callable[[bytes], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A drive pulled out after the bundle was verified, before its chunks were read."""
    verify = open_bundle

    def verify_then_vanish(path: Path, *args: Any) -> Any:
        bundle = verify(path, *args)
        path.unlink()
        return bundle

    monkeypatch.setattr(importing, "open_bundle", verify_then_vanish)
    assert refuse(world.small) == "unreadable"
