"""Need-to-know: what HQ passes from one station to another, and what it keeps to itself."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from liaison_desk.core.contact_details import details_of, save_details
from liaison_desk.core.records import (
    Attachment,
    Contact,
    Meeting,
    Organization,
    Participant,
    ProtocolRef,
)
from liaison_desk.core.vault import Vault
from liaison_desk.sync.peers import set_group
from tests.people import details, values
from tests.sync.helpers import canonical_dump, enrol_station, exchange, fingerprint, make_vault


@pytest.fixture
def vaults(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault, Vault]]:
    """HQ and three stations: Paris, Tokyo and Nairobi."""
    hq = make_vault(tmp_path, "hq", "hq")
    stations = [make_vault(tmp_path, name) for name in ("paris", "tokyo", "nairobi")]
    for station in stations:
        enrol_station(hq, station)
    yield hq, stations[0], stations[1], stations[2]
    for vault in (hq, *stations):
        vault.lock()


def rounds(hq: Vault, stations: Sequence[Vault], folder: Path, n: int = 2) -> None:
    for _ in range(n):
        for station in stations:
            exchange(station, hq, folder)
        for station in stations:
            exchange(hq, station, folder)


def ids(vault: Vault) -> set[str]:
    return {key.split("/", 1)[1] for key in canonical_dump(vault)}


def logged_ids(vault: Vault) -> set[str]:
    """Every record id this vault ever received a change of (kept or not)."""
    return {r for (r,) in vault.conn.execute("SELECT record_id FROM oplog")}


def same_as_hq(hq: Vault, station: Vault, wanted: set[str]) -> bool:
    mine = canonical_dump(station, wanted)
    return set(mine) == set(canonical_dump(hq, wanted)) and mine == canonical_dump(hq, wanted)


def test_each_distribution_reaches_exactly_its_stations(
    vaults: tuple[Vault, Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo, nairobi = vaults
    with hq.store.transaction():
        set_group(hq.conn, "pacific", [fingerprint(tokyo), fingerprint(nairobi)])
    private = paris.store.add(Contact(full_name="Gen. Moreau", notes="Paris's own source"))
    private_meeting = paris.store.add(
        Meeting(title="Lunch with Gen. Moreau", starts_at="2026-03-14T12:00Z")
    )
    paris.store.add(Participant(meeting_id=private_meeting.id, contact_id=private.id))
    paris.store.add(
        Attachment(owner_id=private.id, name="card.jpg", mime="image/jpeg", data=b"jpeg" * 100)
    )
    to_all = paris.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
    to_tokyo = paris.store.add(
        Contact(full_name="Capt. Ito", distribution=f"stations:{fingerprint(tokyo)}")
    )
    to_pacific = paris.store.add(Organization(name="Pacific forum", distribution="group:pacific"))
    hq_only = hq.store.add(Contact(full_name="HQ's own contact"))
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb")

    hidden = {private.id, private_meeting.id} | {
        r
        for (r,) in paris.conn.execute(
            "SELECT id FROM participants UNION SELECT id FROM attachments"
        )
    }
    assert len(hidden) == 4
    assert hidden <= ids(hq)
    for other in (tokyo, nairobi):
        assert not hidden & logged_ids(other)  # not a single op of them left HQ
        assert hq_only.id not in logged_ids(other)
    assert ids(tokyo) == {to_all.id, to_tokyo.id, to_pacific.id}
    assert ids(nairobi) == {to_all.id, to_pacific.id}
    assert hq_only.id not in ids(paris)
    assert same_as_hq(hq, tokyo, ids(tokyo))
    assert same_as_hq(hq, nairobi, ids(nairobi))
    assert same_as_hq(hq, paris, ids(paris))

    # Edits to shared records keep flowing; edits to private ones keep not flowing.
    paris.store.update(Contact, to_tokyo.id, {"notes": "Speaks Japanese and French"})
    paris.store.update(Contact, private.id, {"notes": "Still Paris's own"})
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb")
    assert tokyo.store.get(Contact, to_tokyo.id).notes == "Speaks Japanese and French"
    assert private.id not in logged_ids(tokyo) | logged_ids(nairobi)


@pytest.mark.parametrize("widened_at", ["station", "hq"])
def test_widening_after_acknowledgement_delivers_the_whole_record(
    vaults: tuple[Vault, Vault, Vault, Vault], tmp_path: Path, widened_at: str
) -> None:
    hq, paris, tokyo, nairobi = vaults
    out = tmp_path / "usb"
    contact = paris.store.add(Contact(full_name="Col. Ardent", rank="Colonel"))
    meeting = paris.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z"))
    seat = paris.store.add(Participant(meeting_id=meeting.id, contact_id=contact.id, role="guest"))
    minutes = paris.store.add(
        Attachment(
            owner_id=meeting.id, name="minutes.pdf", mime="application/pdf", data=b"%P" * 999
        )
    )
    paris.store.update(Contact, contact.id, {"notes": "First note"})
    save_details(paris.store, contact.id, details(phones=("+33 1 23",)))
    (phone,) = details_of(paris.store, contact.id).points
    paris.store.update(Meeting, meeting.id, {"summary": "Exercise dates agreed"})
    paris.store.update(Contact, contact.id, {"rank": "Brigadier"})
    rounds(hq, [paris, tokyo, nairobi], out)
    # Tokyo acknowledges Paris's history up to here without having received any of it.
    acked = tokyo.conn.execute(
        "SELECT seq FROM holdings WHERE origin = ?", (paris.info.origin,)
    ).fetchone()
    assert acked == (8,)
    assert not ids(tokyo)

    widener = paris if widened_at == "station" else hq
    tokyo_only = f"stations:{fingerprint(tokyo)}"
    widener.store.update(Contact, contact.id, {"distribution": tokyo_only})
    widener.store.update(Meeting, meeting.id, {"distribution": tokyo_only})
    rounds(hq, [paris, tokyo, nairobi], out)

    assert ids(tokyo) == {contact.id, meeting.id, seat.id, minutes.id, phone.id}
    assert same_as_hq(hq, tokyo, ids(tokyo))
    received = tokyo.store.get(Contact, contact.id)
    assert (received.rank, received.notes) == ("Brigadier", "First note")
    assert values(tokyo.store, contact.id, "phone") == ("+33 1 23",)
    assert tokyo.store.get(Meeting, meeting.id).summary == "Exercise dates agreed"
    assert not ids(nairobi)
    assert not {contact.id, meeting.id} & logged_ids(nairobi)

    # Later edits arrive as ordinary changes, with the record's clocks intact.
    paris.store.update(Contact, contact.id, {"notes": "Second note"})
    tokyo.store.update(Contact, contact.id, {"position": "Defence attaché"})
    rounds(hq, [paris, tokyo, nairobi], out)
    for vault in (hq, paris, tokyo):
        final = vault.store.get(Contact, contact.id)
        assert (final.notes, final.position) == ("Second note", "Defence attaché")
    assert same_as_hq(hq, tokyo, ids(tokyo))
    assert same_as_hq(hq, paris, ids(paris))


def test_protocol_library_written_at_hq_goes_to_every_station(
    vaults: tuple[Vault, Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo, nairobi = vaults
    precedence = hq.store.add(
        ProtocolRef(
            title="Order of precedence", body="1. Head of State", category="order-of-precedence"
        )
    )
    assert precedence.distribution == "all"
    desk_note = hq.store.add(Contact(full_name="HQ duty officer"))
    assert desk_note.distribution == "hq"
    local = paris.store.add(ProtocolRef(title="Local customs", body="Shoes off"))
    assert local.distribution == "hq"
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb")
    for station in (paris, tokyo, nairobi):
        assert station.store.get(ProtocolRef, precedence.id).body == "1. Head of State"
        assert desk_note.id not in ids(station)
    assert local.id not in ids(tokyo) | ids(nairobi)
    assert local.id in ids(hq)

    hq.store.update(ProtocolRef, precedence.id, {"body": "1. Head of State\n2. Head of Government"})
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb", n=1)
    for station in (paris, tokyo, nairobi):
        assert station.store.get(ProtocolRef, precedence.id).body.endswith("Head of Government")


def test_a_station_that_joins_a_group_receives_the_groups_records_whole(
    vaults: tuple[Vault, Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo, nairobi = vaults
    with hq.store.transaction():
        set_group(hq.conn, "cell", [fingerprint(paris)])
    shared = paris.store.add(Organization(name="Coordination cell", distribution="group:cell"))
    paris.store.update(Organization, shared.id, {"notes": "Meets on Tuesdays"})
    gone = hq.store.add(Contact(full_name="Former member", distribution="group:cell"))
    hq.store.delete(Contact, gone.id)
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb")
    assert not ids(tokyo)

    with hq.store.transaction():
        set_group(hq.conn, "cell", [fingerprint(paris), fingerprint(tokyo)])
    rounds(hq, [paris, tokyo, nairobi], tmp_path / "usb")
    assert ids(tokyo) == {shared.id, gone.id}  # the deletion arrives too, as a tombstone
    assert same_as_hq(hq, tokyo, ids(tokyo))
    assert tokyo.store.get(Organization, shared.id).notes == "Meets on Tuesdays"
    assert not ids(nairobi)
