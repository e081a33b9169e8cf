"""Hostile bundles against a real, open vault: each is refused with its reason, nothing changes.

"Nothing changes" is checked on the files themselves (vault.db, its -wal and
-shm, keys.json, hashed with the vault still open) and on the canonical dump
of every record. The bomb and the length fields at their limits run in a
child process whose peak memory is measured.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import importing, peers
from liaison_desk.sync.bundle import MAX_CHUNK, MAX_PAYLOAD, PREFIX, SEALED_KEY, open_bundle
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import Identity, load_identity
from liaison_desk.sync.payload import BLOB, BLOB_PIECE, MAX_ITEM, OP, item, json_item
from tests.bundle_vectors import craft, generate
from tests.conftest import PASSPHRASE
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, send

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT_MB = 256
VAULT_FILES = ("vault.db", "vault.db-wal", "vault.db-shm", "keys.json")


@dataclass
class World:
    root: Path
    hq: Vault
    station: Vault
    small: bytes  # a real bundle of three ops, one chunk
    large: bytes  # a real bundle with an attachment, three chunks
    revoked: bytes  # a real bundle from a station HQ has since revoked

    @property
    def hq_identity(self) -> Identity:
        return load_identity(self.hq.conn)

    @property
    def station_identity(self) -> Identity:
        return load_identity(self.station.conn)

    def file_key(self, parts: craft.Parts) -> bytes:
        return craft.unseal(parts, self.hq_identity)

    def resealed(self, parts: craft.Parts, header: craft.Header) -> bytes:
        """`parts` under a changed header, sealed and signed again by the station."""
        sealed = craft.seal(self.file_key(parts), self.hq_identity.public, header)
        return craft.sign(
            replace(parts, header=header, sealed=sealed), self.station_identity
        ).assemble()

    def signed_payload(self, payload: bytes, **header: Any) -> bytes:
        """A bundle from the enrolled station carrying `payload`, properly sealed and signed."""
        origin = self.station.info.origin
        key = os.urandom(32)
        parts = craft.build(
            self.station_identity, self.hq_identity.public, payload, key, origin=origin, **header
        )
        return parts.assemble()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("hostile")
    hq = make_vault(root, "hq", "hq")
    station = make_vault(root, "station")
    gone = make_vault(root, "gone")
    for s in (station, gone):
        enrol_station(hq, s)
    for n in range(3):
        station.store.add(Contact(full_name=f"Contact {n}", notes="Met at the reception."))
    small = send(station, hq, root / "out").path.read_bytes()
    owner = station.store.list(Contact)[0]
    data = os.urandom(150 * 1024)  # incompressible: three 64 KiB chunks
    station.store.add(
        Attachment(owner_id=owner.id, name="scan.pdf", mime="application/pdf", data=data)
    )
    large = send(station, hq, root / "out").path.read_bytes()
    gone.store.add(Contact(full_name="Someone"))
    revoked = send(gone, hq, root / "out").path.read_bytes()
    peers.revoke(hq, load_identity(gone.conn).fingerprint)
    gone.lock()
    yield World(root, hq, station, small, large, revoked)
    hq.lock()
    station.lock()


def files_of(vault: Vault) -> dict[str, str]:
    """The bytes of each of the vault's files (hashed)."""
    return {
        name: hashlib.sha256((vault.path / name).read_bytes()).hexdigest()
        for name in VAULT_FILES
        if (vault.path / name).exists()
    }


def stats_of(vault: Vault) -> dict[str, tuple[int, int, int]]:
    """Size, modification time and inode of each file: any write or replacement changes them."""
    out = {}
    for name in VAULT_FILES:
        if (vault.path / name).exists():
            st = (vault.path / name).stat()
            out[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Where each hostile file is written: in memory when possible (14,000 rewrites)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        yield Path(folder)


@pytest.fixture
def refuse(
    world: World, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[bytes], str]]:
    """Import bytes into HQ's open vault; return the refusal reason, checking nothing changed.

    Every attempt must leave the files unwritten (size, time and inode); at the
    end their bytes and the records are compared with what they were before.
    """
    # The sweeps import ~14,000 times: derive HQ's keys once, not on every import (2 ms each).
    identity = load_identity(world.hq.conn)
    monkeypatch.setattr(importing, "load_identity", lambda conn: identity)
    path = scratch / "hostile.ldbundle"
    records = canonical_dump(world.hq)
    files, stats = files_of(world.hq), stats_of(world.hq)

    def attempt(data: bytes) -> str:
        path.write_bytes(data)
        with pytest.raises(BundleRefused) as refused:
            importing.import_bundle(world.hq, path)
        assert stats_of(world.hq) == stats
        return refused.value.reason

    yield attempt
    assert files_of(world.hq) == files
    assert canonical_dump(world.hq) == records


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


@case("a bad op after good ones", "malformed-payload")
def _(w: World) -> bytes:
    # Decrypted, one op altered after the first has been applied, sealed and signed again.
    parts = craft.parse(w.small)
    packed = craft.decrypt(parts, w.file_key(parts))
    stream = zlib.decompress(packed)
    at = stream.rindex(b'"full_name"')  # in the last op: "full_name" becomes an unknown field
    return w.signed_payload(zlib.compress(stream[:at] + b'"pass_name"' + stream[at + 11 :]))


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


def test_replay_is_reported_and_changes_nothing(tmp_path: Path) -> None:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    station.store.add(Contact(full_name="Anna"))
    bundle = send(station, hq, tmp_path / "out")
    assert importing.import_bundle(hq, bundle.path).status == "applied"
    records = canonical_dump(hq)
    files = files_of(hq)
    again = importing.import_bundle(hq, bundle.path)
    assert (again.status, again.ops, again.applied) == ("replayed", 0, 0)
    assert files_of(hq) == files
    assert canonical_dump(hq) == records


# -- memory: the bomb and every length field at its limits, in a child process ------------------

# Runs the child and reports the peak memory of it alone (this process's own children so far
# would otherwise count too).
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(done.stderr)\n"
    "print(done.stdout.strip())\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(done.returncode)\n"
)


def import_in_child(
    vault: Vault, bundles: dict[str, bytes], folder: Path
) -> tuple[dict[str, str], int]:
    """Import each bundle into `vault` from a fresh process; its reasons and peak RSS in MiB."""
    folder.mkdir()
    for name, data in bundles.items():
        (folder / f"{name}.ldbundle").write_bytes(data)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _MEASURE,
            sys.executable,
            "-m",
            __name__,
            str(vault.path),
            str(folder),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    reasons, peak_kib = done.stdout.strip().splitlines()
    return json.loads(reasons), int(peak_kib) // 1024


def _child(vault_dir: Path, folder: Path) -> None:
    vault = Vault.unlock(vault_dir, PASSPHRASE)
    reasons = {}
    for path in sorted(folder.glob("*.ldbundle")):
        try:
            reasons[path.stem] = importing.import_bundle(vault, path).status
        except BundleRefused as refused:
            reasons[path.stem] = refused.reason
    vault.lock()
    print(json.dumps(reasons))


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    for n in range(3):
        station.store.add(Contact(full_name=f"Contact {n}"))
    yield hq, station
    hq.lock()
    station.lock()


def _signed(hq: Vault, station: Vault, payload: bytes, **header: Any) -> bytes:
    me = load_identity(station.conn)
    recipient = load_identity(hq.conn).public
    origin = station.info.origin
    return craft.build(me, recipient, payload, os.urandom(32), origin=origin, **header).assemble()


def _blob_bomb(origin: str) -> bytes:
    """One attachment op claiming a terabyte, then 2 GiB of zero blobs (about 2 MB compressed)."""
    sha = hashlib.sha256(b"").hexdigest()
    head = generate.start(1, origin) + json_item(OP, generate.attachment(1, 1 << 40, sha, origin))
    blob = item(BLOB, bytes(BLOB_PIECE))
    return craft.spliced_zlib([(head, 1), (blob, 2048), (generate.end(1, 1), 1)])


def _limits(hq: Vault, station: Vault, tmp_path: Path) -> dict[str, tuple[str, bytes]]:
    """Every length field at 0, at its maximum and past it, each otherwise valid and signed."""
    real = send(station, hq, tmp_path / "out").path.read_bytes()
    parts = craft.parse(real)
    hq_id, st_id = load_identity(hq.conn), load_identity(station.conn)
    key = craft.unseal(parts, hq_id)

    def header(**change: Any) -> bytes:
        head = replace(parts.header, **change)
        sealed = craft.seal(key, hq_id.public, head)
        return craft.sign(replace(parts, header=head, sealed=sealed), st_id).assemble()

    def framing(**change: Any) -> bytes:
        return replace(parts, **change).assemble()

    origin = station.info.origin

    def with_item(raw: bytes) -> bytes:
        return _signed(hq, station, zlib.compress(generate.start(1, origin) + raw))

    return {
        "payload-length-0": ("malformed-signature", header(payload_len=0)),
        "payload-length-max": ("truncated", header(payload_len=MAX_PAYLOAD)),
        "payload-length-max-plus-1": ("malformed-header", header(payload_len=MAX_PAYLOAD + 1)),
        "chunk-size-0": ("malformed-header", header(chunk_size=0)),
        "chunk-size-max-plus-1": ("malformed-header", header(chunk_size=MAX_CHUNK + 1)),
        "header-length-0": ("malformed-header", header(header_len=0)),
        "header-length-max": ("malformed-header", header(header_len=0xFFFF)),
        "sealed-key-length-0": ("malformed-header", framing(sealed_len=0)),
        "sealed-key-length-max": ("malformed-header", framing(sealed_len=0xFFFF)),
        "mldsa-length-0": ("malformed-signature", framing(mldsa87_len=0)),
        "mldsa-length-max": ("malformed-signature", framing(mldsa87_len=0xFFFF)),
        "ecdsa-length-0": ("malformed-signature", framing(ecdsa_p384_len=0)),
        "ecdsa-length-max": ("malformed-signature", framing(ecdsa_p384_len=0xFFFF)),
        "item-length-0": ("malformed-payload", with_item(item(BLOB, b""))),
        "item-length-max": ("malformed-payload", with_item(item(OP, b" " * MAX_ITEM))),
        "item-length-max-plus-1": ("malformed-payload", with_item(item(OP, b" " * (MAX_ITEM + 1)))),
        "item-length-u32-max": ("malformed-payload", with_item(b"\x02\xff\xff\xff\xff")),
        "bomb-one-attachment-of-gigabytes": (
            "malformed-payload",
            _signed(hq, station, _blob_bomb(origin)),
        ),
    }


def test_bomb_and_length_limits_are_refused_in_little_memory(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    cases = _limits(hq, station, tmp_path)
    records = canonical_dump(hq)
    reasons, peak_mb = import_in_child(hq, {n: b for n, (_, b) in cases.items()}, tmp_path / "in")
    assert reasons == {n: reason for n, (reason, _) in cases.items()}
    assert peak_mb < MEMORY_LIMIT_MB
    assert canonical_dump(hq) == records


def test_bomb_of_largest_attachments_is_refused_in_little_memory(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    bomb = _signed(hq, station, generate.bomb(station.info.origin))
    assert len(bomb) < 3_000_000  # inflates to 2 GiB
    reasons, peak_mb = import_in_child(hq, {"bomb": bomb}, tmp_path / "in")
    assert reasons == {"bomb": "compression-bomb"}
    assert peak_mb < MEMORY_LIMIT_MB


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))
