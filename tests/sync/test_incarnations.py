"""A vault restored from a backup, or copied back from an old folder, never reuses its history."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from liaison_desk.core.backup import create_backup, restore_backup
from liaison_desk.core.records import Contact, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.vectors import own_origins
from tests.conftest import PASSPHRASE
from tests.sync.helpers import canonical_dump, deliver, enrol_station, exchange, make_vault, send


def rounds(hq: Vault, station: Vault, folder: Path, n: int = 2) -> None:
    for _ in range(n):
        exchange(station, hq, folder)
        exchange(hq, station, folder)


def test_restored_station_gets_back_what_it_sent_after_the_backup(tmp_path: Path) -> None:
    out = tmp_path / "usb"
    hq = make_vault(tmp_path, "hq", "hq")
    station = make_vault(tmp_path, "paris")
    enrol_station(hq, station)
    kept = station.store.add(Contact(full_name="Col. Ardent"))
    rounds(hq, station, out)
    create_backup(station, tmp_path / "paris.ldbackup")

    after = station.store.add(Contact(full_name="Adm. Tanaka", notes="Met after the backup"))
    station.store.update(Contact, kept.id, {"notes": "Edited after the backup"})
    deliver(hq, send(station, hq, out))
    old_origin = station.info.origin
    last_seq = station.conn.execute("SELECT max(seq) FROM oplog").fetchone()[0]
    clock = station.clock
    station.lock()  # the laptop is lost

    restored = restore_backup(
        tmp_path / "paris.ldbackup", tmp_path / "paris2", PASSPHRASE, clock=clock
    )
    assert restored.info.origin != old_origin
    assert own_origins(restored.conn) == [old_origin, restored.info.origin]
    assert after.id not in {c.id for c in restored.store.list(Contact)}

    # The next exchange brings the lost work back from HQ.
    exchange(restored, hq, out)
    back = exchange(hq, restored, out)
    assert back.applied >= 2 and not back.new_incarnation
    assert restored.store.get(Contact, after.id).notes == "Met after the backup"
    assert restored.store.get(Contact, kept.id).notes == "Edited after the backup"

    # New work goes out under the new origin, never under a number already sent.
    fresh = restored.store.add(Contact(full_name="Cdr. Sato"))
    (origin, seq) = restored.conn.execute(
        "SELECT origin, seq FROM oplog WHERE record_id = ?", (fresh.id,)
    ).fetchone()
    assert (origin, seq) == (restored.info.origin, 1)
    assert restored.conn.execute(
        "SELECT max(seq) FROM oplog WHERE origin = ?", (old_origin,)
    ).fetchone() == (last_seq,)
    rounds(hq, restored, out)
    assert canonical_dump(hq) == canonical_dump(restored)
    assert send(restored, hq, out).ops == 0
    assert send(hq, restored, out).ops == 0


@pytest.mark.parametrize("edits_on_old_copy", [1, 4])
def test_station_copied_back_from_an_old_folder_is_refused_then_reincarnates(
    tmp_path: Path, edits_on_old_copy: int
) -> None:
    out = tmp_path / "usb"
    hq = make_vault(tmp_path, "hq", "hq")
    station = make_vault(tmp_path, "paris")
    enrol_station(hq, station)
    folder, clock = station.path, station.clock
    contact = station.store.add(Contact(full_name="Col. Ardent", notes="v1"))
    meeting = station.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z"))
    rounds(hq, station, out)
    station.lock()
    shutil.copytree(folder, tmp_path / "old-copy")

    # Work done after the copy reaches HQ (and HQ's acknowledgement comes back).
    station = Vault.unlock(folder, PASSPHRASE, clock=clock)
    lost = station.store.add(Contact(full_name="Adm. Tanaka", notes="made after the copy"))
    station.store.update(Contact, contact.id, {"notes": "v2 after the copy", "rank": "Colonel"})
    rounds(hq, station, out)
    station.lock()

    # The old copy is put back and used.
    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "old-copy", folder)
    station = Vault.unlock(folder, PASSPHRASE, clock=clock)
    old_origin = station.info.origin
    station.store.update(Contact, contact.id, {"notes": "v3 on the old copy"})
    for n in range(1, edits_on_old_copy):
        station.store.update(Meeting, meeting.id, {"summary": f"summary {n}"})
    newer = station.store.add(Meeting(title="Made on the old copy", starts_at="2026-04-01T09:00Z"))

    before = canonical_dump(hq)
    with pytest.raises(BundleRefused) as refused:
        deliver(hq, send(station, hq, out))
    assert refused.value.reason == "history-diverged"
    assert canonical_dump(hq) == before

    result = exchange(hq, station, out)
    assert result.new_incarnation
    assert station.info.origin != old_origin
    assert own_origins(station.conn) == [old_origin, station.info.origin]
    rounds(hq, station, out)

    assert canonical_dump(hq) == canonical_dump(station)
    held = {c.id: c for c in hq.store.list(Contact)}
    assert held[lost.id].notes == "made after the copy"  # the work the old copy lacked
    assert held[contact.id].rank == "Colonel"
    assert hq.store.get(Meeting, newer.id).title == "Made on the old copy"
    if edits_on_old_copy > 1:
        assert hq.store.get(Meeting, meeting.id).summary == f"summary {edits_on_old_copy - 1}"
    # The two notes were written without seeing each other: one wins, the other is kept.
    notes = held[contact.id].notes
    assert notes in ("v2 after the copy", "v3 on the old copy")
    (conflict,) = [c for c in list_conflicts(hq) if c.record_id == contact.id]
    assert {conflict.mine.value, conflict.theirs.value} == {
        "v2 after the copy",
        "v3 on the old copy",
    }
    assert send(station, hq, out).ops == 0
    assert send(hq, station, out).ops == 0
