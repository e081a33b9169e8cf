"""The trash lists what was deleted, newest first, and gives it back whole."""

from __future__ import annotations

import pytest

from liaison_desk.core import relations
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact, Meeting, Organization
from liaison_desk.core.trash import TrashItem, deleted_record, trash, trash_count
from liaison_desk.core.undo_history import UndoHistory
from liaison_desk.core.vault import Vault
from tests.conftest import StepClock


def test_deleted_records_are_listed_newest_first_with_kind_title_and_time(vault: Vault) -> None:
    store = vault.store
    ministry = store.add(Organization(name="Ministère des Armées"))
    helene = store.add(Contact(full_name="Hélène Girard"))
    talks = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-02T10:00"},
        add_people=[helene.id],
    )
    store.add(Contact(full_name="Ana Silva"))  # never deleted
    clock = vault.clock
    assert isinstance(clock, StepClock)
    for kind, record_id in ((Organization, ministry.id), (Contact, helene.id), (Meeting, talks.id)):
        clock.ms += 60_000
        when = iso_from_ms(clock.ms + 1)
        store.delete(kind, record_id)

    items = trash(store)

    assert [(i.kind, i.record_id, i.title) for i in items] == [
        ("meeting", talks.id, "Staff talks"),
        ("contact", helene.id, "Hélène Girard"),
        ("organization", ministry.id, "Ministère des Armées"),
    ]  # the meeting's participant goes and comes back with it: not listed alone
    assert items[0].deleted_at == when
    assert trash_count(store) == 3


def test_restoring_from_the_trash_brings_the_record_and_its_links_back(vault: Vault) -> None:
    store = vault.store
    helene = store.add(Contact(full_name="Hélène Girard"))
    talks = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-02T10:00"},
        add_people=[helene.id],
    )
    store.delete(Contact, helene.id)
    item = deleted_record(store, helene.id)
    assert item == TrashItem("contact", helene.id, "Hélène Girard", item.deleted_at)
    history = UndoHistory()

    history.restore(store, CONTACT, item.record_id, item.title)

    assert trash(store) == []
    assert [a.contact.id for a in relations.participants(store, talks.id)] == [helene.id]
    assert history.next_label() == "Restore contact “Hélène Girard”"
    history.undo(store)  # a restore is a change like any other
    assert [i.record_id for i in trash(store)] == [helene.id]


def test_a_live_or_unknown_record_is_not_in_the_trash(vault: Vault) -> None:
    alive = vault.store.add(Contact(full_name="Ana Silva"))

    for record_id in (alive.id, "01934b2e-0000-7000-8000-000000000000"):
        with pytest.raises(RecordNotFound, match="no deleted record"):
            deleted_record(vault.store, record_id)
