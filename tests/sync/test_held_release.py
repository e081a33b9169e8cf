"""What a compromised station wrote stays at HQ until released: whatever its clock said, and
whichever way HQ would otherwise send a record whole (a widened distribution, a group joined,
HQ's own change of distribution); released, it goes on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.compromise import decide, held_records, revoke_station
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import set_group
from tests.sync.helpers import canonical_dump, exchange, fingerprint, hq_and_two_stations

REASON = "Laptop taken at a checkpoint"
DAY_MS = 86_400_000


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


def _names(vault: Vault) -> set[str]:
    return {c.full_name for c in vault.store.list(Contact)}


def _holds_text(vault: Vault, text: str) -> bool:
    return text in json.dumps(canonical_dump(vault))


def test_ops_received_after_the_date_are_held_though_the_clock_was_set_back(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    paris.store.add(Contact(full_name="Colonel Before", distribution="all"))
    exchange(paris, hq, usb)
    since = max(paris.clock.now_ms(), hq.clock.now_ms()) + 60_000
    hq.clock.ms = since + 1_000
    paris.clock.ms = since - DAY_MS  # the taker set it back
    after = paris.store.add(Contact(full_name="Colonel After", distribution="all"))
    (stamp,) = paris.conn.execute("SELECT hlc FROM oplog WHERE record_id = ?", (after.id,))
    assert int(stamp[0][:13]) < since  # its stamp says before the compromise
    exchange(paris, hq, usb)  # HQ received it after

    revoke_station(hq, fingerprint(paris), REASON, since)

    assert [r.title for r in held_records(hq)] == ["Colonel After"]
    exchange(hq, tokyo, usb)
    assert _names(tokyo) == {"Colonel Before"}


def test_a_held_record_reaches_no_station_whole_until_released(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    set_group(hq.conn, "cell", [fingerprint(paris)])
    widened = paris.store.add(Contact(full_name="Colonel Widened", distribution="hq"))
    grouped = paris.store.add(Contact(full_name="Colonel Grouped", distribution="group:cell"))
    kept = paris.store.add(Contact(full_name="Colonel Kept", distribution="hq"))
    exchange(paris, hq, usb)
    exchange(hq, tokyo, usb)
    since = paris.clock.now_ms() + 1
    # After the compromise: content written, and one record widened to every station,
    # which HQ answers with a snapshot of it, under its own name.
    paris.store.update(Contact, widened.id, {"notes": "CANARY-WIDENED"})
    paris.store.update(Contact, widened.id, {"distribution": "all"})
    paris.store.update(Contact, grouped.id, {"notes": "CANARY-GROUPED"})
    paris.store.update(Contact, kept.id, {"notes": "CANARY-KEPT"})
    exchange(paris, hq, usb)

    revoke_station(hq, fingerprint(paris), REASON, since)
    assert {r.title for r in held_records(hq)} == {
        "Colonel Widened",
        "Colonel Grouped",
        "Colonel Kept",
    }
    set_group(hq.conn, "cell", [fingerprint(paris), fingerprint(tokyo)])  # Tokyo joins
    hq.store.update(Contact, kept.id, {"distribution": "all"})  # HQ widens one itself
    exchange(hq, tokyo, usb)

    leaks = [
        c for c in ("CANARY-WIDENED", "CANARY-GROUPED", "CANARY-KEPT") if _holds_text(tokyo, c)
    ]
    assert leaks == []

    decide(hq, "contact", widened.id, release=True)
    decide(hq, "contact", grouped.id, release=True)
    exchange(hq, tokyo, usb)
    assert tokyo.store.get(Contact, widened.id).notes == "CANARY-WIDENED"
    assert tokyo.store.get(Contact, grouped.id).notes == "CANARY-GROUPED"
    assert not _holds_text(tokyo, "CANARY-KEPT")


def test_a_station_approved_again_sends_nothing_held_or_discarded_but_its_new_records_flow(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    paris.store.add(Contact(full_name="Colonel Before", distribution="all"))
    exchange(paris, hq, usb)
    since = max(paris.clock.now_ms(), hq.clock.now_ms()) + 60_000
    hq.clock.ms = paris.clock.ms = since + 1_000
    kept = paris.store.add(Contact(full_name="Colonel Kept Back", distribution="all"))
    thrown = paris.store.add(Contact(full_name="Colonel Thrown Out", distribution="all"))
    exchange(paris, hq, usb)
    revoke_station(hq, fingerprint(paris), REASON, since)
    decide(hq, "contact", thrown.id, release=False)

    # The laptop is found: HQ approves the same station again, one record still under review.
    enrol.approve(hq, enrol.write_request(load_identity(paris.conn), paris.clock))
    paris.store.add(Contact(full_name="Colonel Found Again", distribution="all"))
    exchange(paris, hq, usb)
    exchange(hq, tokyo, usb)

    assert _names(tokyo) == {"Colonel Before", "Colonel Found Again"}
    assert not _holds_text(tokyo, "Kept Back") and not _holds_text(tokyo, "Thrown Out")
    decide(hq, "contact", kept.id, release=True)
    exchange(hq, tokyo, usb)
    assert _names(tokyo) == {"Colonel Before", "Colonel Found Again", "Colonel Kept Back"}
