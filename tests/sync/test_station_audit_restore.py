"""A station restored from an older backup writes its log on from below what HQ holds: HQ
still gets every entry it writes, and names the restore instead of showing a silent gap."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.audit_chain import local_entries
from liaison_desk.core.backup import create_backup, restore_backup
from liaison_desk.sync.station_audit import station_log
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault, round_trip


def test_hq_gets_every_entry_a_restored_station_writes_and_names_the_restore(
    tmp_path: Path,
) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    usb = tmp_path / "usb"
    station = fingerprint(paris)
    round_trip(hq, paris, usb)
    create_backup(paris, tmp_path / "paris.ldbackup")
    for i in range(8):  # written after the backup, and sent to HQ
        paris.audit("export", records=i, format="csv")
    round_trip(hq, paris, usb)
    held_before = {(e.n, e.hash) for e in station_log(hq.conn, station).entries}
    paris.lock()

    restored = restore_backup(
        tmp_path / "paris.ldbackup", tmp_path / "paris-2", PASSPHRASE, clock=paris.clock
    )
    try:
        restored.audit("export", records=99, format="vcard")
        written = local_entries(restored.conn)
        assert written[-1].n < max(n for n, _ in held_before)  # numbered below what HQ holds
        exchange(hq, restored, usb)  # HQ says what it holds: more than this log has
        exchange(restored, hq, usb)

        log = station_log(hq.conn, station)
        got = {(e.n, e.hash) for e in log.entries}
        assert {(e.n, e.hash) for e in written} <= got  # every entry, the new export's too
        new = next(e for e in log.entries if e.n == written[-1].n)
        assert (new.event, new.detail) == ("export", '{"format": "vcard", "records": 99}')
        (restore,) = [b for b in log.breaks if b.kind == "restored"]
        assert restore.n == min(e.n for e in written if (e.n, e.hash) not in held_before)
        assert "restored from an earlier copy" in restore.sentence
        assert "export" in restore.sentence  # what the restore hid, named
        assert not log.intact
        assert [b.kind for b in log.breaks] == ["restored"]  # the chain itself holds

        # From then on the two agree again: later entries come, no new break.
        restored.audit("export", records=100, format="vcard")
        round_trip(hq, restored, usb)
        exchange(restored, hq, usb)
        later = station_log(hq.conn, station)
        assert [b.kind for b in later.breaks] == ["restored"]
        assert {(e.n, e.hash) for e in local_entries(restored.conn)[:-2]} <= {
            (e.n, e.hash) for e in later.entries
        }
    finally:
        restored.lock()
        hq.lock()
