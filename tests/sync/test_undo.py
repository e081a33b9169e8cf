"""An undo is an ordinary edit: it reaches HQ in the next bundle, and a refused change is never
remembered for undoing."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import relations
from liaison_desk.core.attachments import attach_file
from liaison_desk.core.edits import Edit
from liaison_desk.core.errors import RecordReadOnly, UndoRefused
from liaison_desk.core.kinds import CONTACT, MEETING, PROTOCOL
from liaison_desk.core.records import Contact, ProtocolRef
from liaison_desk.core.undo_history import UndoHistory
from tests.sync.helpers import enrol_station, make_vault, round_trip


def test_an_undone_deletion_and_an_undone_edit_reach_hq(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    usb = tmp_path / "usb"
    history = UndoHistory()
    helene = paris.store.add(Contact(full_name="Hélène Girard", rank="Colonel"))
    talks = history.save(
        paris,
        Edit(
            MEETING, None, {"title": "Staff talks", "starts_at": "2026-03-02T10:00"}, (helene.id,)
        ),
    )
    history.save(paris, Edit(CONTACT, helene.id, {"rank": "General"}))
    history.delete(paris.store, CONTACT, helene.id)
    round_trip(hq, paris, usb)
    assert not hq.store.exists(CONTACT, helene.id)

    history.undo(paris.store)  # the deletion
    history.undo(paris.store)  # the promotion
    round_trip(hq, paris, usb)

    at_hq = hq.store.get(Contact, helene.id)
    assert (at_hq.id, at_hq.rank) == (helene.id, "Colonel")
    assert [a.contact.id for a in relations.participants(hq.store, talks.id)] == [helene.id]
    hq.lock()
    paris.lock()


def test_a_station_cannot_delete_hqs_library_and_nothing_is_left_to_undo(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    gifts = hq.store.add(ProtocolRef(title="Gifts", body="Nothing over 50 EUR."))
    round_trip(hq, paris, tmp_path / "usb")
    history = UndoHistory()

    with pytest.raises(RecordReadOnly, match="only HQ changes it"):
        history.delete(paris.store, PROTOCOL, gifts.id)

    assert paris.store.exists(PROTOCOL, gifts.id)
    assert history.next_label() is None
    hq.lock()
    paris.lock()


def test_undo_never_overwrites_what_hq_changed_since(tmp_path: Path) -> None:
    """Paris promotes a contact, HQ corrects the rank, the correction arrives: Ctrl+Z at Paris
    would write the old rank over HQ's, newest everywhere. It is refused, and HQ's stands."""
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    usb = tmp_path / "usb"
    history = UndoHistory()
    ana = paris.store.add(Contact(full_name="Ana Ferreira", rank="Major", distribution="all"))
    round_trip(hq, paris, usb)
    history.save(paris, Edit(CONTACT, ana.id, {"rank": "Lieutenant Colonel"}))
    round_trip(hq, paris, usb)
    hq.store.update(Contact, ana.id, {"rank": "Colonel"})
    round_trip(hq, paris, usb)

    with pytest.raises(UndoRefused, match="changed since"):
        history.undo(paris.store)
    assert paris.store.get(Contact, ana.id).rank == "Colonel"
    assert history.next_label() is None
    round_trip(hq, paris, usb)
    assert hq.store.get(Contact, ana.id).rank == "Colonel"


def test_a_new_distribution_for_a_record_with_a_file_is_saved_and_undone(tmp_path: Path) -> None:
    """Widening a contact logs a snapshot of its file for the stations that now get it; that
    is not the officer's change, and the save goes through and undoes whole."""
    hq = make_vault(tmp_path, "hq", "hq")
    history = UndoHistory()
    ana = hq.store.add(Contact(full_name="Ana Ferreira", distribution="hq"))
    card = tmp_path / "card.txt"
    card.write_bytes(b"visiting card")
    attach_file(hq, ana.id, card)
    history.save(hq, Edit(CONTACT, ana.id, {"distribution": "all"}))
    assert hq.store.get(Contact, ana.id).distribution == "all"
    history.undo(hq.store)
    assert hq.store.get(Contact, ana.id).distribution == "hq"
