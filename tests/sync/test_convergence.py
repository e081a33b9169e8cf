"""Two and three vaults converge whatever order bundles travel in, lost or delivered twice."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from liaison_desk.core.records import Attachment, Contact, Meeting, Organization, Participant
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts
from liaison_desk.sync.exchange import pending_ops
from liaison_desk.sync.peers import get_peer, set_group
from tests.sync.helpers import (
    canonical_dump,
    deliver,
    enrol_station,
    exchange,
    fingerprint,
    hq_and_two_stations,
    make_vault,
    send,
)


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


def full_rounds(hq: Vault, stations: Sequence[Vault], folder: Path, rounds: int = 2) -> None:
    """Every station to HQ, then HQ to every station; twice, so every ack comes back."""
    for _ in range(rounds):
        for station in stations:
            exchange(station, hq, folder)
        for station in stations:
            exchange(hq, station, folder)


def assert_converged(hq: Vault, holdings: dict[Vault, set[str]]) -> None:
    """Each station holds exactly its ids, with the same content HQ has for them."""
    everything = canonical_dump(hq)
    for station, ids in holdings.items():
        theirs = canonical_dump(station)
        assert {key.split("/", 1)[1] for key in theirs} == ids, station.info.name
        assert theirs == {k: v for k, v in everything.items() if k.split("/", 1)[1] in ids}


def all_ids(vault: Vault) -> set[str]:
    return {key.split("/", 1)[1] for key in canonical_dump(vault)}


def test_two_vaults_converge_with_a_lost_and_a_doubled_bundle(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    station = make_vault(tmp_path, "paris")
    enrol_station(hq, station)
    out = tmp_path / "usb"

    general = hq.store.add(Organization(name="Ministry of Defence", distribution="all"))
    colonel = station.store.add(Contact(full_name="Col. Ardent", rank="Colonel"))
    lost = send(station, hq, out)
    assert lost.ops == 1
    station.store.update(Contact, colonel.id, {"notes": "Prefers mornings"})
    again = send(station, hq, out)
    assert again.ops == 2  # the lost bundle's op travels again with the new one
    deliver(hq, again)
    assert deliver(hq, again).status == "replayed"
    assert deliver(hq, lost).already_held == 1  # a late copy of the lost bundle changes nothing

    deliver(station, send(hq, station, out))
    # Concurrent edits: the same field on both sides, and different fields.
    hq.store.update(Contact, colonel.id, {"notes": "Prefers afternoons", "rank": "Brigadier"})
    station.store.update(Contact, colonel.id, {"notes": "Prefers mornings, early"})
    station.store.update(Organization, general.id, {"country": "FR"})
    full_rounds(hq, [station], out)

    assert canonical_dump(hq) == canonical_dump(station)
    contact = hq.store.get(Contact, colonel.id)
    assert contact.rank == "Brigadier"
    assert hq.store.get(Organization, general.id).country == "FR"
    for vault in (hq, station):
        (conflict,) = list_conflicts(vault)
        assert (conflict.record_id, conflict.field) == (colonel.id, "notes")
        values = {conflict.mine.value, conflict.theirs.value}
        assert values == {"Prefers afternoons", "Prefers mornings, early"}
    assert send(station, hq, out).ops == 0
    assert send(hq, station, out).ops == 0


def test_three_vaults_converge_through_hq(trio: tuple[Vault, Vault, Vault], tmp_path: Path) -> None:
    hq, a, b = trio
    out = tmp_path / "usb"
    with hq.store.transaction():
        set_group(hq.conn, "north-cell", [fingerprint(a), fingerprint(b)])
    guide = hq.store.add_many([Contact(full_name="HQ desk officer", distribution="all")])[0]

    # Paris: a private contact, a shared one with a meeting, a participant and a card photo.
    private_a = a.store.add(Contact(full_name="Gen. Moreau", notes="Paris only"))
    shared = a.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
    meeting = a.store.add(
        Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z", distribution="all")
    )
    seat = a.store.add(Participant(meeting_id=meeting.id, contact_id=shared.id, role="host"))
    card = a.store.add(
        Attachment(owner_id=shared.id, name="card.png", mime="image/png", data=b"\x89PNG" * 500)
    )
    cell_org = a.store.add(Organization(name="Northern cell", distribution="group:north-cell"))
    # Tokyo: a private contact and one shared with Paris by name.
    private_b = b.store.add(Contact(full_name="Cdr. Sato", notes="Tokyo only"))
    for_paris = b.store.add(
        Contact(full_name="Capt. Ito", distribution=f"stations:{fingerprint(a)}")
    )

    # Round 1: Paris's first bundle is lost, Tokyo's arrives twice.
    lost = send(a, hq, out)
    tokyo = send(b, hq, out)
    assert deliver(hq, tokyo).status == "applied"
    assert deliver(hq, tokyo).status == "replayed"
    from_paris = send(a, hq, out)
    assert from_paris.ops == lost.ops == 6  # nothing was acknowledged: all of it again
    # HQ writes to Tokyo before Paris's work arrives, then to Paris.
    to_tokyo_early = send(hq, b, out)
    deliver(hq, from_paris)
    deliver(hq, lost)  # late and out of order: already held
    to_paris = send(hq, a, out)
    to_tokyo = send(hq, b, out)
    deliver(b, to_tokyo)
    deliver(b, to_tokyo_early)  # older bundle after the newer one
    deliver(a, to_paris)
    assert {guide.id, for_paris.id} <= all_ids(a)
    assert {guide.id, shared.id, meeting.id, seat.id, card.id, cell_org.id} <= all_ids(b)
    assert private_a.id not in all_ids(b) and private_b.id not in all_ids(a)

    # Concurrent edits: same field (notes) at all three, different fields, a delete vs an edit.
    a.store.update(Contact, shared.id, {"notes": "from Paris"})
    b.store.update(Contact, shared.id, {"notes": "from Tokyo", "position": "Naval attaché"})
    hq.store.update(Contact, shared.id, {"rank": "Admiral"})
    b.store.delete(Contact, for_paris.id)
    a.store.update(Contact, for_paris.id, {"notes": "Met at the reception"})
    a.store.update(Meeting, meeting.id, {"summary": "Agreed on exercise dates"})

    # Round 2 in a shuffled order, Tokyo's bundle to HQ lost once.
    dropped = send(b, hq, out)
    deliver(hq, send(a, hq, out))
    deliver(a, send(hq, a, out))
    deliver(b, send(hq, b, out))
    resent = send(b, hq, out)
    assert resent.ops == dropped.ops == 2  # an edit and a delete
    deliver(hq, resent)
    full_rounds(hq, [a, b], out)

    everything = all_ids(hq)
    mine_a = {private_a.id, shared.id, meeting.id, seat.id, card.id, cell_org.id}
    shared_with_all = {guide.id, shared.id, meeting.id, seat.id, card.id, cell_org.id}
    assert_converged(
        hq,
        {
            a: mine_a | shared_with_all | {for_paris.id},
            b: {private_b.id, for_paris.id} | shared_with_all,
        },
    )
    assert everything == mine_a | shared_with_all | {private_b.id, for_paris.id}

    final = hq.store.get(Contact, shared.id)
    assert (final.rank, final.position) == ("Admiral", "Naval attaché")
    assert a.store.get(Meeting, meeting.id).summary == "Agreed on exercise dates"
    assert hq.conn.execute(
        "SELECT deleted FROM contacts WHERE id = ?", (for_paris.id,)
    ).fetchone() == (1,)
    at_hq = {(c.record_id, c.field) for c in list_conflicts(hq)}
    assert (shared.id, "notes") in at_hq  # the losing note is kept for review
    assert (for_paris.id, "deleted") in at_hq  # Paris's edit met Tokyo's delete
    loser = next(c for c in list_conflicts(hq) if c.field == "notes")
    assert {loser.mine.value, loser.theirs.value} == {"from Paris", "from Tokyo"}

    # A full round later nothing is pending anywhere.
    for station in (a, b):
        peer = get_peer(hq.conn, fingerprint(station))
        assert peer is not None
        assert pending_ops(hq, peer) == 0
        assert send(station, hq, out).ops == 0
        assert send(hq, station, out).ops == 0


def test_lost_bundles_are_resent_until_acknowledged(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, a, b = trio
    out = tmp_path / "usb"
    for n in range(5):
        a.store.add(Contact(full_name=f"Contact {n}", distribution="all"))
    assert send(a, hq, out).ops == 5  # lost
    assert send(a, hq, out).ops == 5  # lost again
    deliver(hq, send(a, hq, out))
    assert send(a, hq, out).ops == 5  # HQ has them, but Paris has not heard so yet
    deliver(a, send(hq, a, out))  # HQ's vector acknowledges them
    assert send(a, hq, out).ops == 0

    first = send(hq, b, out)
    assert first.ops == 5  # lost on the way to Tokyo
    second = send(hq, b, out)
    assert second.ops == 5
    deliver(b, second)
    deliver(b, first)
    deliver(hq, send(b, hq, out))
    assert send(hq, b, out).ops == 0
    assert canonical_dump(b) == canonical_dump(hq)
