"""Who may change what, checked where ops are applied: at HQ and at every station.

A station running a modified client (`local_rights_off`: the checks a station
makes on its own edits skipped) sends what HQ must refuse: an edit of HQ's
protocol library, a wider distribution for a record shared with it, a record
re-created in another vault's name. Each op is refused alone, with its
reason; the rest of the bundle is applied and acknowledged; the refused op
never reaches another station; and the sender's officer hears of it in HQ's
next bundle.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from liaison_desk.core import write_rights
from liaison_desk.core.errors import RecordReadOnly
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.kinds import kind_of
from liaison_desk.core.records import Attachment, Contact, Meeting, Participant, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.sync.authority import Authority
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import END, OP, START, json_item
from liaison_desk.sync.refusals import NOT_AUTHORISED, RefusedOp
from tests.bundle_vectors import craft
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


@pytest.fixture
def local_rights_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A station whose client no longer checks its own edits (modified, or old)."""
    monkeypatch.setattr(write_rights, "check_change", lambda *args: None)
    monkeypatch.setattr(write_rights, "check_new", lambda *args: None)


def rounds(hq: Vault, stations: list[Vault], usb: Path, times: int = 2) -> None:
    for _ in range(times):
        for station in stations:
            exchange(station, hq, usb)
        for station in stations:
            exchange(hq, station, usb)


def oplog_ids(vault: Vault, origin: str) -> list[int]:
    rows = vault.conn.execute("SELECT seq FROM oplog WHERE origin = ? ORDER BY seq", (origin,))
    return [seq for (seq,) in rows]


def last_seq(vault: Vault) -> int:
    (seq,) = vault.conn.execute(
        "SELECT max(seq) FROM oplog WHERE origin = ?", (vault.info.origin,)
    ).fetchone()
    return int(seq)


def test_a_station_editing_hqs_library_is_refused_at_hq_and_never_reaches_the_others(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, local_rights_off: None
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    gifts = hq.store.add(ProtocolRef(title="Gifts", body="Nothing over 50 EUR."))
    rounds(hq, [paris, tokyo], usb)
    assert tokyo.store.get(ProtocolRef, gifts.id).body == "Nothing over 50 EUR."

    tokyo.store.update(ProtocolRef, gifts.id, {"body": "Anything goes."})
    forged = last_seq(tokyo)
    note = tokyo.store.add(Contact(full_name="Cdr. Sato"))  # in the same bundle: applied
    at_hq = exchange(tokyo, hq, usb)

    assert at_hq.status == "applied" and at_hq.ops == 2
    assert at_hq.refused == (
        RefusedOp(tokyo.info.origin, forged, "protocol", gifts.id, NOT_AUTHORISED),
    )
    assert hq.store.get(ProtocolRef, gifts.id).body == "Nothing over 50 EUR."
    assert hq.store.get(Contact, note.id).full_name == "Cdr. Sato"
    assert forged not in oplog_ids(hq, tokyo.info.origin)  # nothing left to forward
    to_paris = send(hq, paris, usb)
    assert deliver(paris, to_paris).refused == ()
    assert paris.store.get(ProtocolRef, gifts.id).body == "Nothing over 50 EUR."

    back = exchange(hq, tokyo, usb)  # Tokyo's officer is told
    assert back.refused_by_peer == at_hq.refused
    assert send(tokyo, hq, usb).ops == 0  # acknowledged: never sent again
    exchange(tokyo, hq, usb)
    assert exchange(hq, tokyo, usb).refused_by_peer == ()  # told once, and it said so


def test_a_recipient_widening_a_record_is_refused_and_the_third_station_never_gets_it(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, local_rights_off: None
) -> None:
    hq, paris, tokyo = trio
    nairobi = make_vault(tmp_path, "nairobi")
    enrol_station(hq, nairobi)
    usb = tmp_path / "usb"
    try:
        for_tokyo = paris.store.add(
            Contact(full_name="Adm. Tanaka", distribution=f"stations:{fingerprint(tokyo)}")
        )
        rounds(hq, [paris, tokyo, nairobi], usb)
        assert tokyo.store.get(Contact, for_tokyo.id).full_name == "Adm. Tanaka"

        tokyo.store.update(Contact, for_tokyo.id, {"distribution": "all"})  # and its snapshot
        at_hq = exchange(tokyo, hq, usb)

        assert len(at_hq.refused) == 2  # the edit, and the snapshot sent for the new readers
        assert {(op.record_id, op.reason) for op in at_hq.refused} == {
            (for_tokyo.id, NOT_AUTHORISED)
        }
        assert hq.store.get(Contact, for_tokyo.id).distribution == (
            f"stations:{fingerprint(tokyo)}"
        )
        rounds(hq, [paris, tokyo, nairobi], usb)
        assert f"contact/{for_tokyo.id}" not in canonical_dump(nairobi)
        assert paris.store.get(Contact, for_tokyo.id).distribution == (
            f"stations:{fingerprint(tokyo)}"
        )
    finally:
        nairobi.lock()


def test_a_recipient_may_edit_a_shared_record_but_not_delete_or_widen_it_at_home(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    shared = paris.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
    gifts = hq.store.add(ProtocolRef(title="Gifts", body="Nothing over 50 EUR."))
    rounds(hq, [paris, tokyo], usb)

    with pytest.raises(RecordReadOnly, match="who receives it"):
        tokyo.store.update(Contact, shared.id, {"distribution": "hq"})
    with pytest.raises(RecordReadOnly, match="can delete it"):
        tokyo.store.delete(Contact, shared.id)
    with pytest.raises(RecordReadOnly, match="only HQ changes it"):
        tokyo.store.update(ProtocolRef, gifts.id, {"body": "Anything goes."})
    with pytest.raises(RecordReadOnly, match="only HQ changes it"):
        tokyo.store.add(Attachment(owner_id=gifts.id, name="a.txt", mime="text/plain", data=b"x"))
    tokyo.store.update(Contact, shared.id, {"notes": "Met in Yokosuka"})  # sharing is for this
    rounds(hq, [paris, tokyo], usb)
    for vault in (hq, paris, tokyo):
        assert vault.store.get(Contact, shared.id).notes == "Met in Yokosuka"


def test_a_record_recreated_in_another_vaults_name_and_edited_is_refused(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """Tokyo writes its own copy of ids it has no right to (HQ's library, Paris's private
    contact), then edits them: HQ holds the real ones and refuses every op on them."""
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    gifts = hq.store.add(ProtocolRef(title="Gifts", body="Nothing over 50 EUR."))
    private = paris.store.add(Contact(full_name="Gen. Moreau", notes="Paris only"))
    exchange(paris, hq, usb)
    for_paris = send(hq, paris, usb)  # HQ's library is on its way to Paris, not there yet

    fake_gifts = tokyo.store.add(ProtocolRef(id=gifts.id, title="Gifts", body="Anything goes."))
    tokyo.store.add(Contact(id=private.id, full_name="Gen. Moreau"))
    tokyo.store.update(Contact, private.id, {"notes": "Tokyo's note"})
    at_hq = exchange(tokyo, hq, usb)

    assert fake_gifts.id == gifts.id
    assert [(op.entity, op.reason) for op in at_hq.refused] == [
        ("protocol", NOT_AUTHORISED),
        ("contact", NOT_AUTHORISED),
        ("contact", NOT_AUTHORISED),
    ]
    assert hq.store.get(Contact, private.id).notes == "Paris only"
    deliver(paris, for_paris)
    deliver(paris, send(hq, paris, usb))
    assert paris.store.get(ProtocolRef, gifts.id).body == "Nothing over 50 EUR."
    assert paris.store.get(Contact, private.id).notes == "Paris only"
    assert tokyo.info.origin not in {
        o for (o,) in paris.conn.execute("SELECT DISTINCT origin FROM oplog")
    }


def test_a_record_of_another_kind_under_a_shared_records_id_is_refused(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """Tokyo, shown Paris's contact, writes a meeting for every station under its id, and a
    participant of it: records are routed and found by id, so kept, the meeting could
    carry the contact's later edits to every station. HQ refuses the meeting (the
    participant, Tokyo's own, belongs to no meeting HQ holds); the contact stays Tokyo's."""
    hq, paris, tokyo = trio
    nairobi = make_vault(tmp_path, "nairobi")
    enrol_station(hq, nairobi)
    usb = tmp_path / "usb"
    try:
        shown = paris.store.add(
            Contact(full_name="Adm. Tanaka", distribution=f"stations:{fingerprint(tokyo)}")
        )
        rounds(hq, [paris, tokyo, nairobi], usb)
        decoy = tokyo.store.add(
            Meeting(id=shown.id, title="Decoy", starts_at="2026-03-14T10:00Z", distribution="all")
        )
        tokyo.store.add(Participant(meeting_id=decoy.id, contact_id=shown.id))
        at_hq = exchange(tokyo, hq, usb)

        assert decoy.id == shown.id
        assert [(op.entity, op.reason) for op in at_hq.refused] == [("meeting", NOT_AUTHORISED)]
        assert (
            hq.conn.execute("SELECT 1 FROM meetings WHERE id = ?", (shown.id,)).fetchone() is None
        )
        paris.store.update(Contact, shown.id, {"notes": "Reliable; speaks Russian"})
        rounds(hq, [paris, tokyo, nairobi], usb)
        assert f"contact/{shown.id}" not in canonical_dump(nairobi)
        assert not nairobi.conn.execute(
            "SELECT 1 FROM oplog WHERE record_id = ?", (shown.id,)
        ).fetchone()
        assert tokyo.store.get(Contact, shown.id).notes == "Reliable; speaks Russian"
    finally:
        nairobi.lock()


def test_a_recipient_may_add_a_participant_to_a_shared_meeting_not_to_an_unshared_one(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    shared = paris.store.add(
        Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z", distribution="all")
    )
    private = paris.store.add(Meeting(title="Private", starts_at="2026-03-15T10:30Z"))
    guest = tokyo.store.add(Contact(full_name="Cdr. Sato", distribution="all"))
    rounds(hq, [paris, tokyo], usb)
    seat = tokyo.store.add(Participant(meeting_id=shared.id, contact_id=guest.id, role="guest"))
    tokyo.store.add(Meeting(id=private.id, title="Private", starts_at="2026-03-15T10:30Z"))
    intruder = tokyo.store.add(
        Participant(meeting_id=private.id, contact_id=guest.id, role="guest")
    )
    at_hq = exchange(tokyo, hq, usb)

    assert {(op.entity, op.record_id) for op in at_hq.refused} == {
        ("meeting", private.id),
        ("participant", intruder.id),
    }
    rounds(hq, [paris, tokyo], usb)
    at_paris = canonical_dump(paris)
    assert f"participant/{seat.id}" in at_paris
    assert f"participant/{intruder.id}" not in at_paris


def forge_edit(vault: Vault, cls: type[Any], record_id: str, fields: dict[str, Any]) -> None:
    """An op a vault's own core would never write (a modified client): `fields` of a record
    it holds, against the clocks it holds them at."""
    kind = kind_of(cls)
    with vault.store.transaction():
        (text,) = vault.conn.execute(
            f"SELECT clocks FROM {kind.table} WHERE id = ?", (record_id,)
        ).fetchone()
        clocks = json.loads(text)
        base = {f: clocks.get(f, clocks["*"]) for f in fields}
        vault.store._append_op(str(vault.store.now()), kind, record_id, fields, base)


def test_a_recipient_moving_a_shared_file_onto_its_own_record_is_refused(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """HQ shares a contact and its file with Paris only. Paris moves the file onto a contact
    of its own that every station receives: a wider distribution by another road."""
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    rounds(hq, [paris, tokyo], usb, times=1)
    source = hq.store.add(
        Contact(full_name="Source X", distribution=f"stations:{fingerprint(paris)}")
    )
    dossier = hq.store.add(
        Attachment(owner_id=source.id, name="dossier.txt", mime="text/plain", data=b"SECRET")
    )
    exchange(hq, paris, usb)
    mine = paris.store.add(Contact(full_name="Paris note", distribution="all"))
    forge_edit(paris, Attachment, dossier.id, {"owner_id": mine.id})
    forged = last_seq(paris)
    at_hq = exchange(paris, hq, usb)

    assert at_hq.refused == (
        RefusedOp(paris.info.origin, forged, "attachment", dossier.id, NOT_AUTHORISED),
    )
    assert hq.store.get(Attachment, dossier.id).owner_id == source.id
    rounds(hq, [paris, tokyo], usb)
    assert f"attachment/{dossier.id}" not in canonical_dump(tokyo)


def test_a_recipient_moving_a_participant_off_a_shared_meeting_is_refused_at_home_and_at_hq(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    guest = hq.store.add(Contact(full_name="Col. Ade", distribution="all"))
    talks = hq.store.add(
        Meeting(
            title="Staff talks",
            starts_at="2026-03-14T10:30Z",
            distribution=f"stations:{fingerprint(paris)}",
        )
    )
    seat = hq.store.add(Participant(meeting_id=talks.id, contact_id=guest.id, role="guest"))
    rounds(hq, [paris, tokyo], usb, times=1)
    mine = paris.store.add(
        Meeting(title="Open day", starts_at="2026-03-20T10:30Z", distribution="all")
    )
    with pytest.raises(RecordReadOnly, match="move this participant"):
        paris.store.update(Participant, seat.id, {"meeting_id": mine.id})

    monkeypatch.setattr(write_rights, "check_change", lambda *args: None)
    paris.store.update(Participant, seat.id, {"meeting_id": mine.id})
    at_hq = exchange(paris, hq, usb)
    assert [(op.record_id, op.reason) for op in at_hq.refused] == [(seat.id, NOT_AUTHORISED)]
    assert hq.store.get(Participant, seat.id).meeting_id == talks.id

    # Its own participants, on its own meetings, Paris moves as it likes.
    other = paris.store.add(
        Meeting(title="Reception", starts_at="2026-03-21T18:00Z", distribution="all")
    )
    own_seat = paris.store.add(Participant(meeting_id=mine.id, contact_id=guest.id, role="host"))
    paris.store.update(Participant, own_seat.id, {"meeting_id": other.id})
    assert exchange(paris, hq, usb).refused == ()
    assert hq.store.get(Participant, own_seat.id).meeting_id == other.id


def test_a_station_refuses_what_an_hq_let_through(
    trio: tuple[Vault, Vault, Vault],
    tmp_path: Path,
    local_rights_off: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stations check too: an HQ that let Tokyo's edit of the library through (an older
    version) forwards it, and Paris refuses it, and tells HQ."""
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    gifts = hq.store.add(ProtocolRef(title="Gifts", body="Nothing over 50 EUR."))
    rounds(hq, [paris, tokyo], usb)
    tokyo.store.update(ProtocolRef, gifts.id, {"body": "Anything goes."})
    with monkeypatch.context() as old_hq:
        old_hq.setattr(Authority, "change", lambda *args: None)
        assert exchange(tokyo, hq, usb).refused == ()
    assert hq.store.get(ProtocolRef, gifts.id).body == "Anything goes."

    at_paris = exchange(hq, paris, usb)
    assert [(op.origin, op.reason) for op in at_paris.refused] == [
        (tokyo.info.origin, NOT_AUTHORISED)
    ]
    assert paris.store.get(ProtocolRef, gifts.id).body == "Nothing over 50 EUR."
    assert exchange(paris, hq, usb).refused_by_peer == at_paris.refused


def test_an_op_stamped_in_hqs_name_is_refused(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """Tokyo edits its own contact under a stamp that names HQ's origin (to pass for HQ's
    edit in conflicts and in who-changed-what): refused, the rest of the bundle applied."""
    hq, _, tokyo = trio
    usb = tmp_path / "usb"
    own = tokyo.store.add(Contact(full_name="Cdr. Sato"))
    exchange(tokyo, hq, usb)
    (created,) = tokyo.conn.execute("SELECT hlc FROM contacts WHERE id = ?", (own.id,)).fetchone()
    origin = tokyo.info.origin
    forged = str(Stamp(clock_ms(hq), 0, hq.info.origin))
    edit = {"o": origin, "s": 2, "h": forged, "e": "contact", "r": own.id}
    edit |= {"f": {"notes": "HQ says so"}, "b": {"notes": created}}
    honest = {**edit, "s": 3, "h": str(Stamp(clock_ms(hq), 1, origin)), "f": {"rank": "Cdr."}}
    items = [
        json_item(
            START, {"origins": [origin], "vector": {origin: 3}, "coverage": {origin: [1, 3]}}
        ),
        json_item(OP, edit),
        json_item(OP, honest),
        json_item(END, {"ops": 2, "attachments": 0}),
    ]
    path = usb / "forged.ldbundle"
    me, hq_identity = load_identity(tokyo.conn), load_identity(hq.conn).public
    parts = craft.build(
        me, hq_identity, craft.compress(items), os.urandom(32), origin=origin, bundle_seq=2
    )
    path.write_bytes(parts.assemble())

    result = import_bundle(hq, path)
    assert [(op.seq, op.reason) for op in result.refused] == [(2, NOT_AUTHORISED)]
    assert hq.store.get(Contact, own.id).notes is None
    assert hq.store.get(Contact, own.id).rank == "Cdr."


def clock_ms(vault: Vault) -> int:
    return vault.clock.now_ms()
