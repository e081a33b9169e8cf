"""One sync's bundles at HQ share a `Fanout`: what it read for one station's bundle must not
hide what changed before the next one's. Routing reads records from their own index."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from liaison_desk.core.records import Attachment, Contact, ProtocolRef
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.sync import exchange as sync_exchange
from liaison_desk.sync import fanout, payload, routes
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.peers import exchange_peers, set_group
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.sync.helpers import exchange, fingerprint, hq_and_two_stations, round_trip


def _names(vault: Vault) -> set[str]:
    return {c.full_name for c in vault.store.list(Contact, ListQuery())}


def test_a_station_joining_a_group_mid_sync_gets_its_records(tmp_path: Path) -> None:
    """HQ logs the group's records anew for a station that joined it just before its
    bundle: ops written after the shared fanout read HQ's origin for the bundle before."""
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        set_group(hq.conn, "europe", [fingerprint(paris)])
        hq.store.add(Contact(full_name="Col. Weber", distribution="group:europe"))
        for station in (paris, tokyo):
            round_trip(hq, station, usb)
            exchange(station, hq, usb)
        assert "Col. Weber" in _names(paris)
        assert "Col. Weber" not in _names(tokyo)

        hq.store.add(ProtocolRef(title="Forms of address", body="Excellency."))
        set_group(hq.conn, "europe", [fingerprint(paris), fingerprint(tokyo)])
        fanout = Fanout()
        usb.mkdir(exist_ok=True)
        to_paris = export_bundle(hq, fingerprint(paris), usb, fanout=fanout)
        to_tokyo = export_bundle(hq, fingerprint(tokyo), usb, fanout=fanout)
        import_bundle(paris, to_paris.path)
        import_bundle(tokyo, to_tokyo.path)
        assert "Col. Weber" in _names(tokyo)
        assert to_tokyo.ops == to_paris.ops + 1  # the reference, and the group's record


def test_a_write_by_another_connection_mid_sync_is_routed_anew(tmp_path: Path) -> None:
    """A record narrowed by another connection to the vault between two bundles (another
    window, the CLI) is routed by what it says now, not by what the fanout read."""
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        record = hq.store.add(Contact(full_name="Gen. Okafor", distribution="all"))
        fanout = Fanout()
        usb.mkdir(exist_ok=True)
        to_paris = export_bundle(hq, fingerprint(paris), usb, fanout=fanout)
        other = Vault.unlock(hq.path, PASSPHRASE)
        try:
            other.store.update(
                Contact, record.id, {"distribution": f"stations:{fingerprint(paris)}"}
            )
        finally:
            other.lock()
        to_tokyo = export_bundle(hq, fingerprint(tokyo), usb, fanout=fanout)
        import_bundle(paris, to_paris.path)
        import_bundle(tokyo, to_tokyo.path)
        assert "Gen. Okafor" in _names(paris)
        assert "Gen. Okafor" not in _names(tokyo)


def test_routing_reads_each_record_from_its_index_in_an_upgraded_vault(tmp_path: Path) -> None:
    """A vault upgraded to the routing indexes answers routing's reads from them alone
    (what HQ's counts rely on at a million records), with the rows' own values."""
    old, _ = Vault.create(
        tmp_path / "hq", PASSPHRASE, name="hq", kdf=FAST_KDF, migrations=MIGRATIONS[:-1]
    )
    old.lock()
    with Vault.unlock(tmp_path / "hq", PASSPHRASE) as hq:
        record = hq.store.add(Contact(full_name="Col. Weber", distribution="group:europe"))
        assert routes.read_facts(hq.conn, "contacts", record.id) == (
            "group:europe",
            hq.info.origin,
        )
        for table in routes.OWNER_TABLES:
            plan = hq.conn.execute(
                f"EXPLAIN QUERY PLAN SELECT id, distribution, origin FROM {routes._FROM[table]} "
                "WHERE id IN (?, ?)",
                ("a", "b"),
            ).fetchall()
            assert f"USING COVERING INDEX {table}_routing" in plan[0][3], table


@pytest.mark.parametrize("window", [2, fanout._WINDOW])
def test_any_coverage_is_routed_as_the_router_routes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Shared or streamed, the ops a station gets for a coverage starting anywhere in each
    origin are those `routes.Router` picks, in the same order: also when the log is
    streamed, and read in full, a few ops at a time."""
    monkeypatch.setattr(fanout, "_WINDOW", window)
    monkeypatch.setattr(fanout, "_CHUNK", min(window, fanout._CHUNK))
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        hq.store.add(ProtocolRef(title="Forms of address", body="Excellency."))
        for i in range(3):
            tokyo.store.add(Contact(full_name=f"Cdr. Sato {i}", distribution="all"))
        tokyo.store.add(Contact(full_name="Tokyo's own source"))
        exchange(tokyo, hq, usb)
        hq.store.add(ProtocolRef(title="Gifts", body="Declare above the limit."))
        paris.store.add(
            Contact(full_name="Col. Roux", distribution=f"stations:{fingerprint(tokyo)}")
        )
        exchange(paris, hq, usb)
        conn = hq.conn
        tops = dict(conn.execute("SELECT origin, max(seq) FROM oplog GROUP BY origin").fetchall())
        origins = sorted(tops)
        for peer in exchange_peers(conn):
            for cuts in itertools.product(*(range(tops[o]) for o in origins)):
                coverage = {o: (cut, tops[o]) for o, cut in zip(origins, cuts, strict=True)}
                routed = list(sync_exchange._for_peer(conn, coverage, routes.Router(conn, peer)))
                assert list(Fanout().ops_for(conn, peer.fingerprint, coverage)) == routed
                assert list(fanout._streamed(conn, peer.fingerprint, coverage, None)) == routed


def test_a_sync_keeps_no_more_routed_ops_than_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle cut short by its files and another running to the top, in one sync: each
    small, but kept together they would span the whole history; the second is streamed."""
    monkeypatch.setattr(payload, "MAX_FILES", 1024 * 1024 + 10)  # one 1 MiB file a bundle
    monkeypatch.setattr(fanout, "_SHARED", 50)
    usb = tmp_path / "usb"
    usb.mkdir()
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        owner = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        for i in range(2):
            hq.store.add(
                Attachment(owner_id=owner.id, name=f"{i}.bin", mime="x", data=bytes([i]) * 2**20)
            )
        for i in range(100):
            hq.store.add(Contact(full_name=f"Source {i}", distribution="all"))
        for _ in range(2):  # the first bundle is cut after one file
            round_trip(hq, paris, usb)
        exchange(paris, hq, usb)
        hq.store.add(Contact(full_name="Col. Weber", distribution="all"))
        shared = Fanout()
        to_tokyo = export_bundle(hq, fingerprint(tokyo), usb, fanout=shared)
        to_paris = export_bundle(hq, fingerprint(paris), usb, fanout=shared)
        assert (to_tokyo.attachments, to_paris.ops) == (1, 1)
        assert sum(o.upto - o.after for o in shared._origins.values()) <= 50
        import_bundle(paris, to_paris.path)
        assert "Col. Weber" in _names(paris)
