"""Applying a bundle: what the sender logged is logged and written here as it was there,
a bundle that would break the vault's rules is refused whole, and import is atomic.

Atomic: a child process imports a large bundle (3,000 ops and an attachment) into
HQ's vault and kills itself (SIGKILL) at one of twenty points: after a given
number of ops has been merged (some right at the oplog's 1,000-row flushes),
after the bookkeeping, or in the audit record written just before the commit.
Half the children use a tiny page cache so that uncommitted pages are already
in the WAL when they die. After each kill the vault opens, `PRAGMA
integrity_check` says ok, and its records, oplog and bookkeeping are as before;
importing again then succeeds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from liaison_desk.core import audit
from liaison_desk.core.records import Attachment, Contact, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.sync import importing
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.merge import Merger
from liaison_desk.sync.ops import Op
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import OP, json_item
from tests.bundle_vectors import craft, generate
from tests.conftest import PASSPHRASE
from tests.sync.helpers import canonical_dump, enrol_station, make_vault, send

ROOT = Path(__file__).resolve().parents[2]
CONTACTS, MEETINGS = 2_000, 999  # with the attachment: 3,000 ops
OPS = CONTACTS + MEETINGS + 1
# After how many merged ops each child dies, then the two points after the last op.
AFTER_OPS = [1, 2, 17, 250, 640, 999, 1000, 1001, 1234, 1500, 1999, 2000, 2001, 2222, 2500]
AFTER_OPS += [2998, 2999, 3000]
POINTS = [*(f"op:{n}" for n in AFTER_OPS), "bookkeeping", "audit"]
assert len(POINTS) == 20


OPLOG = "SELECT origin, seq, hlc, entity, record_id, fields, base, clocks FROM oplog"


def test_what_the_sender_logged_is_logged_and_written_here_as_it_was_there(
    tmp_path: Path,
) -> None:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    people = station.store.add_many(
        Contact(full_name=f"Contact {n}", tags=("navy",) if n % 2 else ()) for n in range(1234)
    )
    station.store.update(Contact, people[0].id, {"notes": "Edited", "languages": ("fr",)})
    station.store.delete(Contact, people[1].id)
    station.store.add(
        Attachment(owner_id=people[2].id, name="card.png", mime="image/png", data=b"\x89PNG" * 99)
    )
    bundle = send(station, hq, tmp_path / "usb")
    assert bundle.ops == 1237  # past a thousand: the creations go in more than one batch

    result = importing.import_bundle(hq, bundle.path)
    assert (result.status, result.applied, result.conflicts) == ("applied", 1237, 0)
    ours = f"{OPLOG} WHERE origin = ? ORDER BY seq"
    origin = station.info.origin
    assert (
        hq.conn.execute(ours, (origin,)).fetchall()
        == station.conn.execute(ours, (origin,)).fetchall()
    )
    assert canonical_dump(hq) == canonical_dump(station)
    rows = (
        "SELECT id, created_at, updated_at, hlc, origin, clocks, deleted FROM contacts ORDER BY id"
    )
    assert hq.conn.execute(rows).fetchall() == station.conn.execute(rows).fetchall()
    assert hq.store.get(Contact, people[0].id).languages == ("fr",)


def test_a_record_that_breaks_a_rule_of_the_vault_refuses_the_whole_bundle(
    tmp_path: Path,
) -> None:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    station.store.add(Contact(full_name="Anna"))
    (row,) = station.conn.execute(OPLOG).fetchall()
    op = Op.from_row(row).to_json()
    op["f"]["full_name"] = None  # a contact must have a name: null is refused as it is read
    origin = station.info.origin
    payload = craft.compress([generate.start(1, origin), json_item(OP, op), generate.end(1)])
    parts = craft.build(
        load_identity(station.conn),
        load_identity(hq.conn).public,
        payload,
        os.urandom(32),
        origin=origin,
    )
    path = tmp_path / "nameless.ldbundle"
    path.write_bytes(parts.assemble())
    before = (canonical_dump(hq), hq.conn.execute(OPLOG).fetchall())

    with pytest.raises(BundleRefused, match="full_name") as refused:
        importing.import_bundle(hq, path)
    assert refused.value.reason == "malformed-payload"
    assert (canonical_dump(hq), hq.conn.execute(OPLOG).fetchall()) == before


# -- killed while applying ----------------------------------------------------------------------


@dataclass
class Setting:
    hq_dir: Path
    bundle: Path
    before: dict[str, Any]


def state(vault: Vault) -> dict[str, Any]:
    """Everything an import changes: records, oplog, holdings, acks, bundles received, peers."""
    conn = vault.conn

    def rows(sql: str) -> list[Any]:
        return [tuple(r) for r in conn.execute(sql).fetchall()]

    return {
        "records": canonical_dump(vault),
        "oplog": rows("SELECT origin, seq, hlc FROM oplog ORDER BY origin, seq"),
        "bundles_in": rows("SELECT * FROM bundles_in"),
        "peers": rows("SELECT fingerprint, last_in_at FROM peers ORDER BY fingerprint"),
        "peer_origins": rows("SELECT * FROM peer_origins ORDER BY origin"),
        "conflicts": rows("SELECT count(*) FROM conflicts"),
    }


@pytest.fixture(scope="module")
def setting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setting]:
    root = tmp_path_factory.mktemp("crash")
    hq, station = make_vault(root, "hq", "hq"), make_vault(root, "station")
    enrol_station(hq, station)
    contacts = station.store.add_many(
        Contact(full_name=f"Contact {n}", notes=f"Met at reception {n}.") for n in range(CONTACTS)
    )
    station.store.add_many(
        Meeting(title=f"Meeting {n}", starts_at="2026-03-01T10:00:00Z") for n in range(MEETINGS)
    )
    station.store.add(
        Attachment(
            owner_id=contacts[0].id,
            name="scan.pdf",
            mime="application/pdf",
            data=os.urandom(1 << 20),
        )
    )
    bundle = send(station, hq, root / "out")
    assert bundle.ops == OPS
    station.lock()
    before = state(hq)
    hq.lock()
    yield Setting(root / "hq", bundle.path, before)


def _kill(point: str) -> None:
    """Child: import the bundle and SIGKILL this process at `point`."""

    def die() -> None:
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    if point.startswith("op:"):
        limit = int(point[3:])
        apply = Merger.apply
        done = 0

        def counted(self: Merger, *args: Any, **kwargs: Any) -> Any:
            nonlocal done
            result = apply(self, *args, **kwargs)
            done += 1
            if done == limit:
                die()
            return result

        Merger.apply = counted  # type: ignore[method-assign]
    elif point == "bookkeeping":
        record = importing._Applier._record

        def then_die(self: Any, *args: Any) -> None:
            record(self, *args)
            die()

        importing._Applier._record = then_die  # type: ignore[method-assign,assignment]
    else:
        original = audit.record

        def audit_then_die(conn: Any, clock: Any, event: str, **detail: Any) -> None:
            original(conn, clock, event, **detail)
            if event == "bundle-imported":
                die()

        audit.record = audit_then_die


def main(hq_dir: Path, bundle: Path, point: str, small_cache: bool) -> None:
    vault = Vault.unlock(hq_dir, PASSPHRASE)
    if small_cache:  # a 40-page cache: the transaction's pages spill into the WAL as it goes
        vault.conn.execute("PRAGMA cache_size = 40")
    _kill(point)
    importing.import_bundle(vault, bundle)
    raise SystemExit("the import finished without being killed")


def test_kill_points_are_distinct_and_reached() -> None:
    assert len(set(POINTS)) == 20
    assert max(AFTER_OPS) == OPS


@pytest.mark.parametrize("point", POINTS)
def test_import_killed_leaves_the_vault_as_before(setting: Setting, point: str) -> None:
    small_cache = POINTS.index(point) % 2 == 0
    child = subprocess.run(
        [sys.executable, "-m", __name__, str(setting.hq_dir), str(setting.bundle), point]
        + (["small-cache"] if small_cache else []),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    vault = Vault.unlock(setting.hq_dir, PASSPHRASE)
    try:
        assert vault.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert state(vault) == setting.before
    finally:
        vault.lock()


def test_import_after_the_kills_succeeds(setting: Setting, tmp_path: Path) -> None:
    # Into a copy, so the kills above find the vault as it was whatever order tests run in.
    copy = tmp_path / "hq"
    shutil.copytree(setting.hq_dir, copy)
    vault = Vault.unlock(copy, PASSPHRASE)
    try:
        result = importing.import_bundle(vault, setting.bundle)
        assert (result.status, result.ops, result.applied) == ("applied", OPS, OPS)
        assert vault.conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert state(vault) != setting.before
    finally:
        vault.lock()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], "small-cache" in sys.argv[4:])
