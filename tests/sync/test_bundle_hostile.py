"""Hostile bundles against a real, open vault, past the bundle's own checks.

A bundle that verifies yet carries a bad op, a replayed bundle, and the bomb
and length fields at their limits (in a child process whose peak memory is
measured): each is refused or reported, and nothing in the vault changes.
What the bundle reader itself refuses is in test_bundle.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import importing
from liaison_desk.sync.bundle import MAX_CHUNK, MAX_PAYLOAD
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import BLOB, BLOB_PIECE, MAX_ITEM, OP, item, json_item
from tests.bundle_vectors import craft, generate
from tests.conftest import PASSPHRASE
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, send
from tests.sync.hostile import World, files_of

ROOT = Path(__file__).resolve().parents[2]
# Far below the 2 GiB a bomb inflates to. The child's imports alone take about 52 MiB (4 more
# since the core reads phone numbers and repeat rules), and a 64 MiB attachment's row is
# written through SQLite's page cache, which brings the largest bomb's import to about 257.
MEMORY_LIMIT_MB = 288


def test_a_bad_op_after_good_ones_is_refused_and_nothing_is_kept(
    world: World, refuse: Callable[[bytes], str]
) -> None:
    # Decrypted, one op altered after the first has been applied, sealed and signed again.
    parts = craft.parse(world.small)
    packed = craft.decrypt(parts, world.file_key(parts))
    stream = zlib.decompress(packed)
    at = stream.rindex(b'"full_name"')  # in the last op: "full_name" becomes an unknown field
    altered = stream[:at] + b'"pass_name"' + stream[at + 11 :]
    assert refuse(world.signed_payload(zlib.compress(altered))) == "malformed-payload"


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
    assert peak_mb < MEMORY_LIMIT_MB, peak_mb
    assert canonical_dump(hq) == records


def test_bomb_of_largest_attachments_is_refused_in_little_memory(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    bomb = _signed(hq, station, generate.bomb(station.info.origin))
    assert len(bomb) < 3_000_000  # inflates to 2 GiB
    reasons, peak_mb = import_in_child(hq, {"bomb": bomb}, tmp_path / "in")
    assert reasons == {"bomb": "compression-bomb"}
    assert peak_mb < MEMORY_LIMIT_MB, peak_mb


if __name__ == "__main__":
    _child(Path(sys.argv[1]), Path(sys.argv[2]))
