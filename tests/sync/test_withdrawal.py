"""A record whose distribution narrows is withdrawn from the stations that lost access."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.kinds import kind_of
from liaison_desk.core.records import Attachment, Contact, Meeting, Participant
from liaison_desk.core.vault import Vault
from liaison_desk.sync import withdrawal
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import pending_ops
from liaison_desk.sync.peers import get_peer
from tests.sync.helpers import (
    canonical_dump,
    deliver,
    fingerprint,
    hq_and_two_stations,
    round_trip,
    send,
)


def held(vault: Vault, table: str, record_id: str) -> bool:
    row = vault.conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (record_id,)).fetchone()
    return row is not None


def ops_of(vault: Vault, record_id: str) -> int:
    row = vault.conn.execute("SELECT count(*) FROM oplog WHERE record_id = ?", (record_id,))
    return int(row.fetchone()[0])


def test_a_narrowed_record_leaves_the_stations_that_lost_access(tmp_path: Path) -> None:
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        contact = paris.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        meeting = paris.store.add(
            Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z", distribution="all")
        )
        seat = paris.store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
        card = paris.store.add(
            Attachment(owner_id=meeting.id, name="agenda.txt", mime="text/plain", data=b"x" * 99)
        )
        kept = hq.store.add(Contact(full_name="Desk officer", distribution="all"))
        for station in (paris, tokyo, paris, tokyo):
            round_trip(hq, station, usb)
        assert held(tokyo, "contacts", contact.id) and held(tokyo, "attachments", card.id)

        # Paris narrows its contact to HQ alone; HQ narrows the meeting to Paris alone.
        paris.store.update(Contact, contact.id, {"distribution": "hq"})
        hq.store.update(Meeting, meeting.id, {"distribution": f"stations:{fingerprint(paris)}"})
        round_trip(hq, paris, usb)
        peer = get_peer(hq.conn, fingerprint(tokyo))
        assert peer is not None and pending_ops(hq, peer) == 2  # two records to withdraw
        send(hq, tokyo, usb)  # lost on the way: the next bundle says it again
        deliver(tokyo, send(hq, tokyo, usb))

        for table, record_id in (
            ("contacts", contact.id),
            ("meetings", meeting.id),
            ("participants", seat.id),
            ("attachments", card.id),
        ):
            assert not held(tokyo, table, record_id), table
            assert ops_of(tokyo, record_id) == 0  # the content of its ops went with it
            assert held(paris, table, record_id) and held(hq, table, record_id)
        assert held(tokyo, "contacts", kept.id)
        notes = [e for e in audit.entries(tokyo.conn) if e.event == "record-withdrawn"]
        assert sorted((e.detail["kind"], e.detail["id"], e.detail["records"]) for e in notes) == (
            sorted([("contact", contact.id, 1), ("meeting", meeting.id, 3)])
        )
        assert "Tanaka" not in json.dumps([e.detail for e in notes])

        round_trip(hq, tokyo, usb)
        assert pending_ops(hq, peer) == 0  # acknowledged: withdrawn once, not for ever
        assert send(hq, tokyo, usb).ops == 0
        assert canonical_dump(tokyo) == canonical_dump(hq, {kept.id})

        # Widened again, the meeting comes back whole.
        hq.store.update(Meeting, meeting.id, {"distribution": "all"})
        round_trip(hq, tokyo, usb)
        assert held(tokyo, "meetings", meeting.id) and held(tokyo, "attachments", card.id)


def test_a_station_keeps_what_it_wrote_on_a_record_withdrawn_from_it(tmp_path: Path) -> None:
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        meeting = hq.store.add(
            Meeting(title="Joint visit", starts_at="2026-05-02T09:00Z", distribution="all")
        )
        guest = tokyo.store.add(Contact(full_name="Cdr. Sato"))
        round_trip(hq, tokyo, usb)
        seat = tokyo.store.add(Participant(meeting_id=meeting.id, contact_id=guest.id))
        round_trip(hq, tokyo, usb)
        hq.store.update(Meeting, meeting.id, {"distribution": f"stations:{fingerprint(paris)}"})
        round_trip(hq, tokyo, usb)
        assert not held(tokyo, "meetings", meeting.id)
        assert held(tokyo, "participants", seat.id)  # its own: HQ still routes it there
        assert tokyo.store.get(Participant, seat.id).meeting_id == meeting.id
        round_trip(hq, tokyo, usb)
        assert send(tokyo, hq, usb).ops == 0 and send(hq, tokyo, usb).ops == 0


def test_an_older_bundle_delivered_after_the_withdrawal_does_not_bring_the_record_back(
    tmp_path: Path,
) -> None:
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        record = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        kept = hq.store.add(Contact(full_name="Desk officer", distribution="all"))
        early = send(hq, tokyo, usb)  # carries the record; delivered late
        hq.store.update(Contact, record.id, {"distribution": f"stations:{fingerprint(paris)}"})
        deliver(tokyo, send(hq, tokyo, usb))
        assert held(tokyo, "contacts", kept.id) and not held(tokyo, "contacts", record.id)
        late = deliver(tokyo, early)
        assert late.status == "applied" and late.already_held == late.ops
        assert not held(tokyo, "contacts", record.id)
        round_trip(hq, tokyo, usb)
        assert canonical_dump(tokyo) == canonical_dump(hq, {kept.id})


def test_an_edit_made_before_the_narrowing_reached_its_author_is_kept(tmp_path: Path) -> None:
    """Tokyo adds a note to a shared contact while HQ narrows it to Paris: the note was
    written while the contact was Tokyo's to see, so HQ takes it; then Tokyo withdraws it."""
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        shared = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        round_trip(hq, tokyo, usb)
        tokyo.store.update(Contact, shared.id, {"notes": "Met in Yokosuka"})
        hq.store.update(Contact, shared.id, {"distribution": f"stations:{fingerprint(paris)}"})
        at_hq = deliver(hq, send(tokyo, hq, usb))
        assert at_hq.refused == ()
        assert hq.store.get(Contact, shared.id).notes == "Met in Yokosuka"
        deliver(tokyo, send(hq, tokyo, usb))
        assert not held(tokyo, "contacts", shared.id)
        round_trip(hq, paris, usb)
        assert paris.store.get(Contact, shared.id).notes == "Met in Yokosuka"


def test_a_record_widened_again_comes_back_with_the_stations_own_edit(tmp_path: Path) -> None:
    """Paris edits a contact HQ has just narrowed away from it; the contact is withdrawn
    at Paris, widened again at HQ, and Paris's edit reaches HQ after HQ's snapshot: Paris
    gets the contact back with its own edit, as HQ holds it."""
    with hq_and_two_stations(tmp_path) as (hq, paris, _tokyo):
        usb = tmp_path / "usb"
        shared = hq.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        round_trip(hq, paris, usb)
        hq.store.update(Contact, shared.id, {"distribution": "hq"})
        paris.store.update(Contact, shared.id, {"rank": "Admiral"})
        deliver(paris, send(hq, paris, usb))
        assert not held(paris, "contacts", shared.id)
        hq.store.update(Contact, shared.id, {"distribution": "all"})
        round_trip(hq, paris, usb)
        round_trip(hq, paris, usb)
        assert hq.store.get(Contact, shared.id).rank == "Admiral"
        assert paris.store.get(Contact, shared.id).rank == "Admiral"
        assert canonical_dump(paris, {shared.id}) == canonical_dump(hq, {shared.id})


@pytest.mark.parametrize(
    "listed",
    [
        {"contact": "x"},
        [["contact"]],
        [["participant", "019e7044-8811-7c1f-8bbc-0cc7d6e389f0"]],  # goes with its meeting
        [["contact", ""]],
        [["contact", "é" * 10]],
        [["contact", "x" * 65]],
        [["contact", 7]],
    ],
)
def test_a_malformed_withdrawal_list_refuses_the_bundle(listed: object) -> None:
    with pytest.raises(BundleRefused) as refused:
        withdrawal.parse(listed)
    assert refused.value.reason == "malformed-payload"


def test_an_edit_sent_after_its_author_acknowledged_the_narrowing_is_refused(
    tmp_path: Path,
) -> None:
    """Paris has withdrawn the contact HQ narrowed to Tokyo and said so; a modified client
    there still sends an edit of it. Nothing it sends now can have crossed the narrowing
    on the way, so HQ refuses it, and Tokyo never reads it."""
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        usb = tmp_path / "usb"
        source = hq.store.add(Contact(full_name="Source X", notes="as met", distribution="all"))
        for station in (paris, tokyo, paris, tokyo):
            round_trip(hq, station, usb)
        hq.store.update(Contact, source.id, {"distribution": f"stations:{fingerprint(tokyo)}"})
        for station in (paris, tokyo, paris, tokyo, paris):
            round_trip(hq, station, usb)
        assert not held(paris, "contacts", source.id)

        kind = kind_of(Contact)
        row = hq.conn.execute("SELECT clocks FROM contacts WHERE id = ?", (source.id,))
        clocks = json.loads(row.fetchone()[0])
        with paris.store.transaction():
            paris.store._append_op(
                str(paris.store.now()),
                kind,
                source.id,
                {"notes": "new number: +1 555 0100"},
                {"notes": clocks.get("notes", clocks["*"])},
            )
        at_hq = deliver(hq, send(paris, hq, usb))
        assert [r.reason for r in at_hq.refused] == ["not-authorised"]
        assert hq.store.get(Contact, source.id).notes == "as met"
        round_trip(hq, tokyo, usb)
        assert tokyo.store.get(Contact, source.id).notes == "as met"
