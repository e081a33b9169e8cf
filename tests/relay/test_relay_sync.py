"""HQ and two stations sync through a real relay process on 127.0.0.1 and converge."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.records import Attachment, Contact, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import RelayUnreachable
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.peers import revoke
from liaison_desk.sync.relay_client import RelayClient, Waiting
from tests.relay.relay_process import RelayProcess, export_identity, relay_process
from tests.sync.helpers import (
    canonical_dump,
    fingerprint,
    hq_and_two_stations,
)

MARKERS = ("Moreau-7c1d", "secret agenda 5f2e", "Sato-91ab", "HQ-guidance-3d4f", "card-bytes-8e8e")


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


@pytest.fixture
def relay(trio: tuple[Vault, Vault, Vault], tmp_path: Path) -> Iterator[RelayProcess]:
    with relay_process(export_identity(trio[0], tmp_path / "hq.json"), tmp_path / "relay") as r:
        yield r


def test_hq_and_two_stations_converge_and_the_relay_holds_no_plaintext(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, tmp_path: Path
) -> None:
    hq, a, b = trio
    shared = a.store.add(Contact(full_name=f"Gen. {MARKERS[0]}", distribution="all"))
    a.store.add(Meeting(title="Staff talks", notes=MARKERS[1], starts_at="2026-03-14T10:30Z"))
    a.store.add(
        Attachment(
            owner_id=shared.id, name="card.png", mime="image/png", data=MARKERS[4].encode() * 50
        )
    )
    private_b = b.store.add(Contact(full_name=f"Cdr. {MARKERS[2]}"))
    guide = hq.store.add(Contact(full_name=MARKERS[3], distribution="all"))

    sync_online(hq, relay.url)  # the roster first: the relay knows no station before it
    first = sync_online(a, relay.url)
    assert [s.ops for s in first.sent] == [3] and first.applied  # HQ's bundle with its guide
    sync_online(b, relay.url)
    # Before HQ collects, the relay holds the stations' bundles and nothing readable.
    assert list((tmp_path / "relay" / "mailboxes").rglob("*.ldbundle"))
    assert_no_markers(tmp_path / "relay", relay)
    at_hq = sync_online(hq, relay.url)
    assert at_hq.roster_sent and len(at_hq.applied) == 2 and at_hq.changes_in == 4
    for vault in (a, b, hq, a, b):
        sync_online(vault, relay.url)

    everything = canonical_dump(hq)
    assert {k.split("/", 1)[1] for k in everything} >= {shared.id, private_b.id, guide.id}
    for station, hidden in ((a, private_b.id), (b, None)):
        theirs = canonical_dump(station)
        assert theirs == {k: v for k, v in everything.items() if k in theirs}
        assert hidden is None or f"contact/{hidden}" not in theirs
    assert f"contact/{shared.id}" in canonical_dump(b)
    # Everything was acknowledged: the mailboxes are empty and nobody owes anything.
    assert not list((tmp_path / "relay" / "mailboxes").rglob("*.ldbundle"))
    quiet = [sync_online(v, relay.url) for v in (a, b, hq)]
    assert all(not r.sent and not r.applied for r in quiet)
    assert_no_markers(tmp_path / "relay", relay)


def assert_no_markers(folder: Path, relay: RelayProcess) -> None:
    blobs = [p.read_bytes() for p in folder.rglob("*") if p.is_file()]
    blobs.append(relay.access_log().encode())
    assert len(blobs) > 1
    for marker in MARKERS:
        assert not any(marker.encode() in blob for blob in blobs), marker


def test_a_station_with_the_relay_down_is_told_so_and_keeps_its_changes(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess
) -> None:
    hq, a, _ = trio
    sync_online(hq, relay.url)
    a.store.add(Contact(full_name="Col. Dubois"))
    relay.stop()
    with pytest.raises(RelayUnreachable, match="cannot be reached"):
        sync_online(a, relay.url)
    assert not list((a.path / "spool").rglob("*.ldbundle"))  # nothing written without a relay


def test_a_bundle_the_relay_never_got_goes_at_the_next_sync(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, a, b = trio
    sync_online(hq, relay.url)
    contact = a.store.add(Contact(full_name="Col. Dubois"))

    def link_drops(*args: object, **kwargs: object) -> None:
        raise RelayUnreachable("The relay at … cannot be reached (no connection could be made).")

    with monkeypatch.context() as patched:
        patched.setattr(RelayClient, "upload", link_drops)
        cut = sync_online(a, relay.url)
    assert isinstance(cut.error, RelayUnreachable) and not cut.sent
    assert len(list((a.path / "spool" / "out").rglob("*.ldbundle"))) == 1
    assert [s.ops for s in sync_online(a, relay.url).sent] == [1]
    assert not list((a.path / "spool" / "out").rglob("*.ldbundle"))
    sync_online(hq, relay.url)
    assert f"contact/{contact.id}" in canonical_dump(hq)
    # What waited at HQ for a station revoked since is dropped, not pushed at the relay.
    hq.store.add(Contact(full_name="For Tokyo", distribution="all"))
    with monkeypatch.context() as patched:
        patched.setattr(RelayClient, "upload", link_drops)
        sync_online(hq, relay.url)
    revoke(hq, fingerprint(b))
    after = sync_online(hq, relay.url)
    assert after.error is None and [s.peer_name for s in after.sent] == ["paris"]
    assert not (hq.path / "spool" / "out" / fingerprint(b)).exists()


def test_a_bundle_gone_between_listing_and_download_is_skipped(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, a, _ = trio
    sync_online(hq, relay.url)
    contact = a.store.add(Contact(full_name="Col. Dubois"))
    sync_online(a, relay.url)
    listed = RelayClient.waiting
    hq_id = fingerprint(hq)
    gone = Waiting(f"{fingerprint(a)[:16]}-to-{hq_id[:16]}-{'0' * 16}-00000001.ldbundle", 10)

    def with_one_collected_meanwhile(client: RelayClient) -> list[Waiting]:
        return [gone, *listed(client)]

    monkeypatch.setattr(RelayClient, "waiting", with_one_collected_meanwhile)
    report = sync_online(hq, relay.url)
    assert report.error is None and report.changes_in == 1
    assert f"contact/{contact.id}" in canonical_dump(hq)
