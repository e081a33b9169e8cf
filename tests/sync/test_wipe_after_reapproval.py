"""A wipe order made before HQ approved the station again is void, by drive and by relay;
and HQ takes a wipe acknowledgement only for the order it stored."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.compromise import revoke_station
from liaison_desk.sync.drive import mailbox, sync_drive
from liaison_desk.sync.errors import RelayRefused
from liaison_desk.sync.identity import canonical, short
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.wipe_order import (
    DONE,
    DONE_PREFIX,
    NOTICE_FILE,
    ORDER_FILE,
    WipeOrderRefused,
    obey,
    order_wipe,
    sign,
)
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    paris.store.add(Contact(full_name="Colonel Secret"))
    exchange(paris, hq, tmp_path / "usb")  # HQ learns Paris's incarnation
    yield hq, paris
    hq.lock()
    paris.lock()


def _settled(vault: Vault) -> dict[str, bytes]:
    """Every file of the vault, once what was written is checkpointed (the first read after
    a write would otherwise move the write-ahead log's index, which holds no data)."""
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    vault.conn.execute("SELECT count(*) FROM meta").fetchone()
    return _files(vault)


def _files(vault: Vault) -> dict[str, bytes]:
    folder = vault.path
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _stored_order(hq: Vault, station: str) -> object:
    row = hq.conn.execute("SELECT wipe_order FROM peers WHERE fingerprint = ?", (station,))
    return row.fetchone()[0]


def test_an_order_made_before_re_approval_is_void_on_a_drive(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    drive = tmp_path / "drive"
    drive.mkdir()
    order_wipe(hq, station)
    sync_drive(hq, drive)
    old = (mailbox(drive, station) / ORDER_FILE).read_bytes()
    enrol_station(hq, paris)  # the laptop was found: approved again, before it syncs
    assert _stored_order(hq, station) is None

    # The old order still in the mailbox (HQ has not synced this drive since): void.
    before = _settled(paris)
    report = sync_drive(paris, drive)
    assert isinstance(report.error, WipeOrderRefused) and not report.wiped
    assert "before HQ approved this station again" in report.error.message
    assert _files(paris) == before

    # HQ's next sync takes it away; put back by hand (a copy kept), it is still void.
    sync_drive(hq, drive)
    assert not (mailbox(drive, station) / ORDER_FILE).exists()
    assert not (mailbox(drive, station) / NOTICE_FILE).exists()
    (mailbox(drive, station) / ORDER_FILE).write_bytes(old)
    before = _settled(paris)
    report = sync_drive(paris, drive)
    assert isinstance(report.error, WipeOrderRefused) and not report.wiped
    assert _files(paris) == before
    with pytest.raises(WipeOrderRefused):
        obey(paris, json.loads(old))
    assert _files(paris) == before

    # Once the copy is gone, Paris syncs as an enrolled station again.
    (mailbox(drive, station) / ORDER_FILE).unlink()
    assert sync_drive(paris, drive).error is None


def test_an_order_made_before_re_approval_is_void_through_the_relay(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as relay:
        sync_online(hq, relay.url)
        order_wipe(hq, fingerprint(paris))
        sync_online(hq, relay.url)  # the relay's roster carries the order
        enrol_station(hq, paris)  # approved again; the relay has not heard yet
        before = _settled(paris)

        report = sync_online(paris, relay.url)  # refused, with the old order passed on

        assert isinstance(report.error, RelayRefused) and not report.wiped
        assert _files(paris) == before
        sync_online(hq, relay.url)  # the new roster enrols Paris again
        assert sync_online(paris, relay.url).error is None


def test_a_revocation_notice_is_taken_away_when_the_station_is_approved_again(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    drive = tmp_path / "drive"
    drive.mkdir()
    revoke_station(hq, station, "Laptop missing for a night")
    sync_drive(hq, drive)
    assert (mailbox(drive, station) / NOTICE_FILE).exists()
    enrol_station(hq, paris)
    assert sync_drive(paris, drive).error is None  # the notice left is void already
    sync_drive(hq, drive)
    assert not (mailbox(drive, station) / NOTICE_FILE).exists()
    assert sync_drive(paris, drive).error is None


def test_a_wipe_acknowledgement_naming_another_order_is_refused(
    pair: tuple[Vault, Vault], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    drive = tmp_path / "drive"
    drive.mkdir()
    order_wipe(hq, station)
    # Paris holds its own keys: it can sign an acknowledgement of any order it likes.
    forged = sign(
        load_identity(paris.conn),
        {"format": DONE, "version": 1, "station": station, "order": "0" * 64, "at_ms": 1},
    )
    box = mailbox(drive, fingerprint(hq))
    box.mkdir(parents=True)
    ack = box / f"{DONE_PREFIX}{short(station)}.json"
    ack.write_bytes(canonical(forged))

    with caplog.at_level(logging.WARNING, logger="liaison_desk.sync"):
        report = sync_drive(hq, drive)

    assert report.acknowledged_wipes == []
    events = [(e.event, e.detail) for e in audit.entries(hq.conn)]
    assert ("wipe-ack-refused", {"peer": short(station)}) in events
    assert "station-wiped" not in [event for event, _ in events]
    assert not ack.exists()
    assert any(short(station) in r.getMessage() for r in caplog.records)
    assert not any("0" * 64 in r.getMessage() for r in caplog.records)

    # The station's true acknowledgement, of the order HQ stored, is taken.
    sync_drive(paris, drive)
    assert paris.locked
    assert sync_drive(hq, drive).acknowledged_wipes == [station]


def test_a_station_approved_again_while_enrolled_obeys_whichever_approval_it_pinned(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    request = enrol.write_request(load_identity(paris.conn), paris.clock)
    enrol.approve(hq, request)  # a second approval, never accepted: Paris keeps the first
    order = order_wipe(hq, fingerprint(paris))
    folder = paris.path
    obey(paris, order)
    assert paris.locked and list(folder.iterdir()) == []
