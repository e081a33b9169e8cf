"""Revocation with a date of compromise: refused with the reason at HQ and at the relay; what
the station wrote after the date held at HQ, never sent on; an older record still flows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import (
    decide,
    flagged_records,
    held_records,
    revocation_of,
    revoke_station,
)
from liaison_desk.sync.drive import sync_drive
from liaison_desk.sync.errors import BundleRefused, RelayRefused
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.wipe_order import StationRevoked
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import (
    enrol_station,
    exchange,
    fingerprint,
    hq_and_two_stations,
    make_vault,
    send,
)

REASON = "Laptop taken at a checkpoint"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


def _names(vault: Vault) -> set[str]:
    return {c.full_name for c in vault.store.list(Contact)}


def test_records_after_the_date_are_held_and_older_ones_still_flow(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    paris.store.add(Contact(full_name="Colonel Before", distribution="all"))
    exchange(paris, hq, usb)
    # The moment of compromise, after both clocks' last reading (HQ judges by both).
    since = max(paris.clock.now_ms(), hq.clock.now_ms()) + 1
    paris.clock.ms = hq.clock.ms = since
    after = paris.store.add(Contact(full_name="Colonel After", distribution="all"))
    exchange(paris, hq, usb)  # reached HQ before anyone knew
    exchange(hq, tokyo, usb)  # and HQ passed it on to Tokyo
    assert _names(tokyo) == {"Colonel Before", "Colonel After"}
    later = paris.store.add(Contact(full_name="Colonel Later", distribution="all"))
    exchange(paris, hq, usb)

    held = revoke_station(hq, fingerprint(paris), REASON, since)

    assert held == 2
    assert revocation_of(hq.conn, fingerprint(paris)).reason == REASON
    listed = held_records(hq)
    assert {(r.kind, r.title, r.station_name) for r in listed} == {
        ("contact", "Colonel After", "paris"),
        ("contact", "Colonel Later", "paris"),
    }
    assert [r.title for r in held_records(hq, "later")] == ["Colonel Later"]

    # Tokyo, which had "After" through HQ, gets it flagged; "Later" never reaches it.
    exchange(hq, tokyo, usb)
    assert "Colonel Later" not in _names(tokyo)
    assert ("contact", after.id) in {(k, r) for k, r, _ in flagged_records(tokyo.conn)}
    shown = record_detail(tokyo.store, tokyo.clock, CONTACT, after.id)
    assert shown.flagged

    # A station enrolled later still gets the older record, not the held ones.
    oslo = make_vault(tmp_path, "oslo")
    enrol_station(hq, oslo)
    exchange(hq, oslo, usb)
    assert _names(oslo) == {"Colonel Before"}

    # Paris's next bundle is refused, naming the reason.
    paris.store.add(Contact(full_name="Colonel Refused"))
    late = send(paris, hq, usb)
    with pytest.raises(BundleRefused) as refused:
        import_bundle(hq, late.path)
    assert refused.value.reason == "revoked-sender"
    assert f"revoked by HQ: {REASON}." in refused.value.message

    # Released after review, "Later" goes on as HQ's own copy.
    decide(hq, "contact", later.id, release=True)
    exchange(hq, oslo, usb)
    assert _names(oslo) == {"Colonel Before", "Colonel Later"}
    assert held_records(hq) and [r.title for r in held_records(hq)] == ["Colonel After"]
    oslo.lock()


def test_the_relay_refuses_a_revoked_station_with_the_reason(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, _tokyo = trio
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as relay:
        sync_online(hq, relay.url)
        assert sync_online(paris, relay.url).error is None
        revoke_station(hq, fingerprint(paris), REASON)
        sync_online(hq, relay.url)  # the roster now names Paris revoked, with the reason

        paris.store.add(Contact(full_name="Colonel Refused"))
        report = sync_online(paris, relay.url)

    assert isinstance(report.error, RelayRefused)
    assert report.error.code == "revoked"
    assert f"revoked by HQ: {REASON}." in report.error.message
    assert not report.sent and not report.wiped


def test_the_revoked_station_is_told_at_its_next_drive_sync(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, _tokyo = trio
    drive = tmp_path / "drive"
    drive.mkdir()
    sync_drive(paris, drive)
    sync_drive(hq, drive)
    revoke_station(hq, fingerprint(paris), REASON)
    sync_drive(hq, drive)
    paris.store.add(Contact(full_name="Colonel Unsent"))

    report = sync_drive(paris, drive)

    assert isinstance(report.error, StationRevoked)
    assert REASON in report.error.message
    assert not report.sent and not report.applied and not report.wiped
