"""A bundle refused whole for a reason of its sender's making is reported back to the sender.

HQ keeps the refusal, owes the station a bundle, carries the refusal in every
bundle for it until a later bundle of that station is applied; the station
keeps what HQ last said. Damage on the way is not reported, nor is a report
about a bundle that is not the reader's own.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import refusals
from liaison_desk.sync.bundle_names import bundle_name
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import needs_bundle
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import get_peer
from liaison_desk.sync.refusals import RefusedBundle, note_listed_too_large
from tests.bundle_vectors import craft, generate
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault, send


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq, station = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "station")
    enrol_station(hq, station)
    exchange(hq, station, tmp_path / "first")  # the station knows HQ's origin
    yield hq, station
    hq.lock()
    station.lock()


def _refuse(hq: Vault, path: Path) -> str:
    with pytest.raises(BundleRefused) as refused:
        import_bundle(hq, path)
    return refused.value.reason


def _malformed(hq: Vault, station: Vault, path: Path, seq: int) -> Path:
    """A bundle signed by the station whose one op lacks its record id."""
    origin = station.info.origin
    op = {k: v for k, v in generate.contact(1).items() if k != "r"}
    items = [generate.start(1, origin), generate.json_item(generate.OP, op), generate.end(1)]
    payload = zlib.compress(b"".join(items))
    me, recipient = load_identity(station.conn), load_identity(hq.conn).public
    created = station.clock.now_ms()
    parts = craft.build(
        me, recipient, payload, os.urandom(32), origin=origin, bundle_seq=seq, created_ms=created
    )
    path.write_bytes(parts.assemble())
    return path


def test_a_malformed_bundle_is_reported_to_its_station_until_a_later_one_is_applied(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    station_id = fingerprint(station)
    send(station, hq, tmp_path / "lost")  # bundle 1, as the station wrote it, never arrives:
    bad = _malformed(hq, station, tmp_path / "bad.ldbundle", 1)  # this one comes instead
    assert _refuse(hq, bad) == "malformed-payload"
    peer = get_peer(hq.conn, station_id)
    assert peer is not None and needs_bundle(hq, peer)  # owed the news, with no change to send

    told = exchange(hq, station, tmp_path / "back")
    assert told.bundle_refused_by_peer == RefusedBundle(station.info.origin, 1, "malformed-payload")
    assert refusals.refused_by_peers(station.conn) == [("hq", told.bundle_refused_by_peer)]
    peer = get_peer(hq.conn, station_id)
    assert peer is not None and not needs_bundle(hq, peer)  # told once; later bundles repeat it
    again = exchange(hq, station, tmp_path / "again")
    assert again.bundle_refused_by_peer == told.bundle_refused_by_peer

    station.store.add(Contact(full_name="Written after"))
    assert exchange(station, hq, tmp_path / "good").status == "applied"  # bundle 2
    over = exchange(hq, station, tmp_path / "over")
    assert over.bundle_refused_by_peer is None
    assert refusals.refused_by_peers(station.conn) == []


def test_damage_on_the_way_is_not_reported(pair: tuple[Vault, Vault], tmp_path: Path) -> None:
    hq, station = pair
    station.store.add(Contact(full_name="Anna"))
    bundle = send(station, hq, tmp_path / "out")
    data = bytearray(bundle.path.read_bytes())
    data[-200] ^= 1  # inside a signature
    bundle.path.write_bytes(bytes(data))
    assert _refuse(hq, bundle.path) == "bad-signature"
    assert "bundle_refused" not in refusals.for_start(hq.conn, fingerprint(station))


def test_a_report_about_another_vault_s_bundle_is_left_out(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    refusals.note_bundle_refused(
        hq, fingerprint(station), RefusedBundle("0123456789abcdef", 3, "clock-ahead")
    )
    told = exchange(hq, station, tmp_path / "back")
    assert told.bundle_refused_by_peer is None
    assert refusals.refused_by_peers(station.conn) == []


def test_a_bundle_left_on_the_relay_for_its_size_is_reported_by_its_name(
    pair: tuple[Vault, Vault],
) -> None:
    hq, station = pair
    hq_id, station_id, origin = fingerprint(hq), fingerprint(station), station.info.origin
    name = bundle_name(station_id, hq_id, origin, 4)
    note_listed_too_large(hq, bundle_name(station_id, "f" * 96, origin, 4), 3 << 30, 1 << 30)
    note_listed_too_large(hq, bundle_name("e" * 96, hq_id, origin, 4), 3 << 30, 1 << 30)
    assert "bundle_refused" not in refusals.for_start(hq.conn, station_id)

    note_listed_too_large(hq, name, 3 << 30, 1 << 30)
    assert refusals.for_start(hq.conn, station_id)["bundle_refused"] == {
        "origin": origin,
        "seq": 4,
        "reason": "too-large",
        "size": 3 << 30,
        "limit": 1 << 30,
    }
    advice = refusals.advice("HQ", RefusedBundle(origin, 4, "too-large", 3 << 30, 1 << 30))
    assert "it is 3 GiB, more than the 1 GiB HQ reads" in advice


@pytest.mark.parametrize(
    "entry",
    [
        [],
        {"origin": "xyz", "seq": 1, "reason": "too-large"},
        {"origin": "0123456789abcdef", "seq": -1, "reason": "too-large"},
        {"origin": "0123456789abcdef", "seq": 1, "reason": "Too Large"},
        {"origin": "0123456789abcdef", "seq": 1, "reason": "too-large", "size": "big"},
        {"origin": "0123456789abcdef", "seq": 1, "reason": "too-large", "note": "hi"},
    ],
)
def test_a_malformed_bundle_refusal_in_a_start_item_is_refused(entry: object) -> None:
    with pytest.raises(BundleRefused) as refused:
        refusals.Report.parse({"bundle_refused": entry})
    assert refused.value.reason == "malformed-payload"
