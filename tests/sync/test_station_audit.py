"""A station's audit log reaches HQ in bundles; HQ's check names a removed, reordered or
edited entry, whether it was changed at the station before sending or in HQ's copy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.audit_chain import local_entries
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.station_audit import held_by_hq, station_log
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault, round_trip

NEW = "another passphrase entirely for paris"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Path]]:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    yield hq, paris, tmp_path / "usb"
    hq.lock()
    paris.lock()


def test_security_entries_reach_hq_whole_and_the_rest_as_links(
    pair: tuple[Vault, Vault, Path],
) -> None:
    hq, paris, usb = pair
    paris.change_passphrase(PASSPHRASE, NEW)
    paris.audit("export", records=12, format="vcard")
    paris.store.add(Contact(full_name="Hélène Girard"))

    round_trip(hq, paris, usb)

    log = station_log(hq.conn, fingerprint(paris))
    assert log.intact
    sent = local_entries(paris.conn)
    assert [e.n for e in log.entries] == [e.n for e in sent[: len(log.entries)]]
    whole = {e.event for e in log.entries if e.has_content}
    assert {"vault-created", "passphrase-changed", "export", "enrolment"} <= whole
    assert not whole & {"bundle-exported", "bundle-imported", "unlock"}
    assert all(log.verified(e) for e in log.entries)

    # HQ tells the station what it holds; the next bundle carries only what follows.
    held = held_by_hq(hq.conn, fingerprint(paris))
    paris.audit("backup-created", bytes=1000)
    round_trip(hq, paris, usb)
    later = station_log(hq.conn, fingerprint(paris))
    assert later.intact
    assert later.entries[: len(log.entries)] == log.entries
    assert held < later.entries[-1].n
    assert later.entries[-1].n <= local_entries(paris.conn)[-1].n


def test_hq_names_an_entry_removed_from_its_copy(pair: tuple[Vault, Vault, Path]) -> None:
    hq, paris, usb = pair
    for i in range(6):
        paris.audit("export", records=i, format="csv")
    exchange(paris, hq, usb)
    station = fingerprint(paris)

    hq.conn.execute("DELETE FROM station_audit WHERE station = ? AND n = 4", (station,))

    log = station_log(hq.conn, station)
    (found,) = log.breaks
    assert (found.n, found.kind, found.sentence) == (5, "removed", "Entries were removed: #4.")
    assert [log.verified(e) for e in log.entries][:3] == [True, True, True]
    assert not log.verified(log.entries[-1])


def test_hq_names_entries_reordered_in_its_copy(pair: tuple[Vault, Vault, Path]) -> None:
    hq, paris, usb = pair
    for i in range(6):
        paris.audit("export", records=i, format="csv")
    exchange(paris, hq, usb)
    station = fingerprint(paris)
    rows = dict(
        (n, row)
        for n, *row in hq.conn.execute(
            "SELECT n, at, event, detail, prev, hash FROM station_audit WHERE station = ?",
            (station,),
        )
    )
    for n, other in ((4, 5), (5, 4)):
        hq.conn.execute(
            "UPDATE station_audit SET at = ?, event = ?, detail = ?, prev = ?, hash = ? "
            "WHERE station = ? AND n = ?",
            (*rows[other], station, n),
        )

    breaks = station_log(hq.conn, station).breaks
    assert breaks and {b.kind for b in breaks} == {"reordered"}
    assert breaks[0].n == 4


def test_hq_names_an_entry_edited_in_its_copy(pair: tuple[Vault, Vault, Path]) -> None:
    hq, paris, usb = pair
    for i in range(6):
        paris.audit("export", records=i, format="csv")
    exchange(paris, hq, usb)
    station = fingerprint(paris)

    hq.conn.execute(
        "UPDATE station_audit SET detail = '{\"records\": 0}' WHERE station = ? AND n = 6",
        (station,),
    )

    (found,) = station_log(hq.conn, station).breaks
    assert (found.n, found.kind) == (6, "edited")


def test_hq_names_entries_removed_or_edited_at_the_station_before_sending(
    pair: tuple[Vault, Vault, Path],
) -> None:
    hq, paris, usb = pair
    for i in range(4):
        paris.audit("export", records=i, format="csv")
    paris.conn.execute("DELETE FROM audit WHERE n = 3")  # never reaches HQ
    paris.conn.execute("UPDATE audit SET detail = '{\"records\": 99}' WHERE n = 5")

    exchange(paris, hq, usb)

    kinds = {(b.n, b.kind) for b in station_log(hq.conn, fingerprint(paris)).breaks}
    assert kinds == {(4, "removed"), (5, "edited")}


def test_a_station_rewriting_what_hq_holds_is_caught_at_its_next_bundle(
    pair: tuple[Vault, Vault, Path],
) -> None:
    hq, paris, usb = pair
    for i in range(3):
        paris.audit("export", records=i, format="csv")
    round_trip(hq, paris, usb)
    held = held_by_hq(hq.conn, fingerprint(paris))
    assert held > 0
    # The station drops everything HQ holds and writes its log anew from the start.
    paris.conn.execute("DELETE FROM audit")
    for i in range(held + 2):
        paris.audit("backup-created", bytes=i)

    exchange(paris, hq, usb)

    breaks = station_log(hq.conn, fingerprint(paris)).breaks
    assert breaks and breaks[0].n == held + 1
