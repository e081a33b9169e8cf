"""Undo, last change first, as new edits: the oplog only grows, and records come back whole."""

from __future__ import annotations

import re

import pytest

from liaison_desk.core import relations
from liaison_desk.core.edits import Edit
from liaison_desk.core.errors import NothingToUndo, RecordNotFound, UndoRefused
from liaison_desk.core.kinds import CONTACT, MEETING
from liaison_desk.core.meetings import NewFollowUp
from liaison_desk.core.records import Contact, FollowUp, Meeting
from liaison_desk.core.store import ListQuery
from liaison_desk.core.undo_history import UndoHistory
from liaison_desk.core.vault import Vault


def oplog(vault: Vault) -> list[tuple[int, str, str]]:
    rows = vault.conn.execute("SELECT seq, record_id, fields FROM oplog ORDER BY seq")
    return [tuple(row) for row in rows]


def test_undoing_an_edit_writes_the_old_values_back_as_a_new_op(vault: Vault) -> None:
    history = UndoHistory()
    person = vault.store.add(Contact(full_name="Hélène Girard", rank="Colonel"))
    history.save(vault, Edit(CONTACT, person.id, {"rank": "General", "notes": "Promoted"}))
    before_undo = oplog(vault)
    assert history.next_label() == "Edit contact “Hélène Girard”"

    undone = history.undo(vault.store)

    assert undone.label == "Edit contact “Hélène Girard”"
    back = vault.store.get(Contact, person.id)
    assert (back.rank, back.notes) == ("Colonel", None)
    after = oplog(vault)
    assert after[: len(before_undo)] == before_undo  # history is never rewritten
    assert len(after) == len(before_undo) + 1 and after[-1][1] == person.id
    assert history.next_label() is None


def test_undoing_a_deletion_brings_the_record_back_with_the_same_id_and_its_meetings(
    vault: Vault,
) -> None:
    history = UndoHistory()
    store = vault.store
    helene = store.add(Contact(full_name="Hélène Girard"))
    talks = history.save(
        vault,
        Edit(
            MEETING, None, {"title": "Staff talks", "starts_at": "2026-03-02T10:00"}, (helene.id,)
        ),
    )
    title = history.delete(store, CONTACT, helene.id)
    assert title == "Hélène Girard"
    assert not store.exists(CONTACT, helene.id)
    assert relations.participants(store, talks.id) == []
    assert history.next_label() == "Delete contact “Hélène Girard”"

    history.undo(store)

    assert store.get(Contact, helene.id).full_name == "Hélène Girard"
    assert [m.id for m in relations.meetings_of(store, helene.id)] == [talks.id]
    assert [a.contact.id for a in relations.participants(store, talks.id)] == [helene.id]
    assert history.next_label() == "New meeting “Staff talks”"


def test_undoing_a_new_meeting_removes_it_its_people_and_its_followups(vault: Vault) -> None:
    history = UndoHistory()
    store = vault.store
    helene = store.add(Contact(full_name="Hélène Girard"))
    talks = history.save(
        vault,
        Edit(
            MEETING,
            None,
            {"title": "Staff talks", "starts_at": "2026-03-02T10:00"},
            (helene.id,),
            followups=(NewFollowUp("Send the minutes"),),
        ),
    )

    history.undo(store)

    assert not store.exists(MEETING, talks.id)
    assert store.list(FollowUp) == []
    assert relations.meetings_of(store, helene.id) == []


def test_undoing_a_person_taken_off_a_meeting_puts_them_back(vault: Vault) -> None:
    history = UndoHistory()
    store = vault.store
    a, b = (store.add(Contact(full_name=n)) for n in ("Ana Silva", "Marc Roux"))
    talks = history.save(
        vault,
        Edit(MEETING, None, {"title": "Talks", "starts_at": "2026-03-02T10:00"}, (a.id, b.id)),
    )
    history.save(vault, Edit(MEETING, talks.id, {"place": "Balard"}, remove_people=(b.id,)))
    assert [p.contact.id for p in relations.participants(store, talks.id)] == [a.id]

    history.undo(store)

    assert {p.contact.id for p in relations.participants(store, talks.id)} == {a.id, b.id}
    assert store.get(Meeting, talks.id).place is None


def test_changes_are_undone_last_first_and_then_there_is_nothing_to_undo(vault: Vault) -> None:
    history = UndoHistory()
    store = vault.store
    person = store.add(Contact(full_name="Ana Silva"))
    history.save(vault, Edit(CONTACT, person.id, {"rank": "Major"}))
    history.save(vault, Edit(CONTACT, person.id, {"rank": "Colonel"}))
    history.delete(store, CONTACT, person.id)

    history.undo(store)
    assert store.get(Contact, person.id).rank == "Colonel"
    history.undo(store)
    assert store.get(Contact, person.id).rank == "Major"
    history.undo(store)
    assert store.get(Contact, person.id).rank is None
    with pytest.raises(NothingToUndo, match="nothing to undo"):
        history.undo(store)


def test_an_edit_of_a_record_deleted_since_cannot_be_undone_and_is_dropped(vault: Vault) -> None:
    history = UndoHistory()
    store = vault.store
    person = store.add(Contact(full_name="Ana Silva"))
    history.save(vault, Edit(CONTACT, None, {"full_name": "Marc Roux"}))
    history.save(vault, Edit(CONTACT, person.id, {"rank": "Major"}))
    store.delete(Contact, person.id)  # not through the history: as a peer's deletion arrives

    with pytest.raises(
        UndoRefused,
        match=re.escape(
            "“Edit contact “Ana Silva”” cannot be undone: The contact was deleted since."
        ),
    ):
        history.undo(store)

    assert not store.exists(CONTACT, person.id)  # the undo did not bring it back
    assert history.next_label() == "New contact “Marc Roux”"


def test_a_failed_change_is_not_remembered(vault: Vault) -> None:
    history = UndoHistory()
    with pytest.raises(RecordNotFound, match="no contact"):
        history.delete(vault.store, CONTACT, "01934b2e-0000-7000-8000-000000000000")
    assert history.next_label() is None


def test_marking_a_followup_done_is_undone(vault: Vault) -> None:
    history = UndoHistory()
    task = vault.store.add(FollowUp(action="Send the agenda"))
    history.mark_done(vault.store, task.id)

    history.undo(vault.store)

    assert vault.store.list(FollowUp, ListQuery(where={"status": "open"}))[0].id == task.id
