"""A station with several large attachments reaches HQ: no bundle it writes is refused.

Compressible attachments (a scan of a blank page, a log) inflate far beyond
any ratio a reader could allow JSON: each is bounded by the size its op
declares, and a bundle declares at most `payload.MAX_FILES`; the exporter
leaves what would pass that for the next bundle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.core.vault import Vault
from liaison_desk.sync import exchange, payload, peers
from liaison_desk.sync.drive import sync_drive
from tests.sync.helpers import enrol_station, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    yield hq, station
    hq.lock()
    station.lock()


def _scan(n: int, size: int) -> bytes:
    """Bytes that compress about a thousand to one, different for each `n`."""
    return (b"%%PDF-1.7 blank page %d\n" % n).ljust(4096, b" ") * (size // 4096)


def _attach(station: Vault, sizes: list[int]) -> dict[str, str]:
    owner = station.store.add(Contact(full_name="Gen. Moreau"))
    files = {}
    for n, size in enumerate(sizes):
        data = _scan(n, size)
        record = station.store.add(
            Attachment(owner_id=owner.id, name=f"scan-{n}.pdf", mime="application/pdf", data=data)
        )
        files[record.id] = hashlib.sha256(data).hexdigest()
    return files


def _held(vault: Vault, ids: set[str]) -> dict[str, str]:
    rows = vault.conn.execute("SELECT id, data FROM attachments").fetchall()
    return {i: hashlib.sha256(data).hexdigest() for i, data in rows if i in ids}


def test_three_large_compressible_attachments_reach_hq_in_one_bundle(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    files = _attach(station, [MAX_ATTACHMENT] * 3)
    usb = tmp_path / "usb"
    usb.mkdir()

    sent = sync_drive(station, usb).sent
    assert [s.attachments for s in sent] == [3]
    # 192 MiB in well under a megabyte: the old bound (100 x size + 66 MiB) refused it.
    assert 100 * sent[0].size + MAX_ATTACHMENT + 2 * payload.MAX_ITEM < 3 * MAX_ATTACHMENT
    at_hq = sync_drive(hq, usb)
    assert not at_hq.refused and at_hq.changes_in == 4
    assert _held(hq, set(files)) == files

    sync_drive(station, usb)  # HQ's acknowledgement: nothing is owed any more
    hq_peer = peers.hq_peer(station.conn)
    assert hq_peer is not None and exchange.pending_ops(station, hq_peer) == 0


def test_more_attachments_than_a_bundle_declares_follow_in_the_next_bundles(
    pair: tuple[Vault, Vault], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, station = pair
    monkeypatch.setattr(payload, "MAX_FILES", 2 * 1024 * 1024)  # two files of 1 MiB
    files = _attach(station, [1024 * 1024] * 5)
    station.store.add(Contact(full_name="Written after the files"))
    usb = tmp_path / "usb"
    usb.mkdir()

    carried = []
    for _ in range(3):
        carried += [s.attachments for s in sync_drive(station, usb).sent]
        assert not sync_drive(hq, usb).refused
    assert carried == [2, 2, 1]
    assert _held(hq, set(files)) == files
    assert hq.conn.execute(
        "SELECT count(*) FROM contacts WHERE full_name = 'Written after the files'"
    ).fetchone() == (1,)


def test_hq_s_files_for_a_station_are_split_the_same_way(
    pair: tuple[Vault, Vault], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, station = pair
    monkeypatch.setattr(payload, "MAX_FILES", 2 * 1024 * 1024)
    owner = hq.store.add(Contact(full_name="Protocol desk", distribution="all"))
    hq.store.add(Contact(full_name="Kept at HQ", distribution="hq"))
    files = {}
    for n in range(3):
        data = _scan(n, 1024 * 1024)
        record = hq.store.add(
            Attachment(owner_id=owner.id, name=f"guide-{n}.pdf", mime="application/pdf", data=data)
        )
        files[record.id] = hashlib.sha256(data).hexdigest()
    usb = tmp_path / "usb"
    usb.mkdir()

    carried = []
    for _ in range(2):
        carried += [s.attachments for s in sync_drive(hq, usb).sent]
        assert not sync_drive(station, usb).refused
    assert carried == [2, 1]
    assert _held(station, set(files)) == files
    assert station.conn.execute("SELECT count(*) FROM contacts").fetchone() == (1,)
