"""Wipe at next contact, through a drive and through the relay; and the orders that change
nothing: signed by another key, addressed to another station, for an older incarnation, or
replayed to a vault enrolled anew."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.errors import VaultNotFound
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.drive import mailbox, sync_drive
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.wipe_order import ORDER_FILE, WipeOrderRefused, obey, order_wipe, sign
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.relay.relay_process import export_identity, relay_process
from tests.sqlcipher_pages import pages_opened
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    paris.store.add(Contact(full_name="Colonel Secret", notes="x" * 3000))
    exchange(paris, hq, tmp_path / "usb")  # HQ learns Paris's incarnation
    yield hq, paris
    hq.lock()
    paris.lock()


class Held:
    """Every file of a vault held open across what follows, as the disk's blocks would be."""

    def __init__(self, vault: Vault) -> None:
        self.key = bytes(vault._data_key)
        self.fds = {p.name: os.open(p, os.O_RDONLY) for p in vault.path.rglob("*") if p.is_file()}
        database = self.read("vault.db")
        self.salt, self.pages = database[:16], len(database) // 4096 + 64
        assert pages_opened(database, self.key, self.salt, self.pages) > 0

    def read(self, name: str) -> bytes:
        fd = self.fds[name]
        return os.pread(fd, os.fstat(fd).st_size, 0)

    def readable_pages(self) -> int:
        try:
            return sum(
                pages_opened(self.read(n), self.key, self.salt, self.pages) for n in self.fds
            )
        finally:
            for fd in self.fds.values():
                os.close(fd)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_wipe_through_a_drive(pair: tuple[Vault, Vault], tmp_path: Path) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    drive = tmp_path / "drive"
    drive.mkdir()
    order_wipe(hq, station)
    sync_drive(hq, drive)
    assert (mailbox(drive, station) / ORDER_FILE).exists()
    assert not list(mailbox(drive, station).glob("*.ldbundle"))  # no more data
    held = Held(paris)

    report = sync_drive(paris, drive)

    assert report.wiped and paris.locked
    assert list(paris.path.iterdir()) == []
    assert held.readable_pages() == 0
    with pytest.raises(VaultNotFound):
        Vault.unlock(paris.path, PASSPHRASE)
    # It told HQ, while its keys still existed.
    assert sync_drive(hq, drive).acknowledged_wipes == [station]


def test_wipe_through_the_relay(pair: tuple[Vault, Vault], tmp_path: Path) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as relay:
        sync_online(hq, relay.url)
        order_wipe(hq, station)
        sync_online(hq, relay.url)  # the roster carries the order
        held = Held(paris)

        report = sync_online(paris, relay.url)

        assert report.wiped and paris.locked
        assert list(paris.path.iterdir()) == []
        assert held.readable_pages() == 0
        # It told HQ through the relay, which refuses it all else, while its keys existed.
        assert sync_online(hq, relay.url).acknowledged_wipes == [station]
        assert sync_online(hq, relay.url).acknowledged_wipes == []  # taken once


def _order_on_drive(drive: Path, station: str, order: dict[str, object]) -> None:
    box = mailbox(drive, station)
    box.mkdir(parents=True, exist_ok=True)
    (box / ORDER_FILE).write_text(json.dumps(order))


def _refused_on_drive(paris: Vault, drive: Path, order: dict[str, object]) -> str:
    _order_on_drive(drive, fingerprint(paris), order)
    before = _files(paris.path)
    report = sync_drive(paris, drive)
    assert isinstance(report.error, WipeOrderRefused) and not report.wiped
    assert _files(paris.path) == before
    return report.error.message


def test_an_order_signed_by_another_key_changes_nothing(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    order = order_wipe(hq, fingerprint(paris))
    rogue = make_vault(tmp_path, "rogue", "hq")
    body = {k: v for k, v in order.items() if k != "signatures"}
    forged = sign(load_identity(rogue.conn), body)
    rogue.lock()
    message = _refused_on_drive(paris, tmp_path / "drive", forged)
    assert "not signed by this station's HQ" in message


def test_an_order_for_another_station_changes_nothing(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    tokyo = make_vault(tmp_path, "tokyo")
    enrol_station(hq, tokyo)
    exchange(tokyo, hq, tmp_path / "usb")
    order = order_wipe(hq, fingerprint(tokyo))
    tokyo.lock()
    assert "another station" in _refused_on_drive(paris, tmp_path / "drive", order)


def test_an_order_for_an_older_incarnation_changes_nothing(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    order = order_wipe(hq, fingerprint(paris))
    paris.start_incarnation()  # as a vault restored from a backup does
    assert "no longer writes under" in _refused_on_drive(paris, tmp_path / "drive", order)


def test_an_order_replayed_after_re_enrolment_changes_nothing(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    folder = paris.path
    order = order_wipe(hq, fingerprint(paris))
    obey(paris, order)
    assert list(folder.iterdir()) == []
    # The officer starts again in the same folder and is enrolled anew.
    shutil.rmtree(folder)
    again, _ = Vault.create(folder, PASSPHRASE, name="paris", kdf=FAST_KDF)
    enrol_station(hq, again)
    again.store.add(Contact(full_name="Colonel New"))
    try:
        message = _refused_on_drive(again, tmp_path / "drive", order)
        assert "another station" in message
        with pytest.raises(WipeOrderRefused):
            obey(again, order)
        assert {c.full_name for c in again.store.list(Contact)} == {"Colonel New"}
    finally:
        again.lock()
