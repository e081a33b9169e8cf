"""An edit saved from a form ends its draft in the same transaction, or keeps it."""

from __future__ import annotations

import pytest

from liaison_desk.core import relations
from liaison_desk.core.drafts import drafts, save_draft
from liaison_desk.core.edits import Edit, save_edit
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT, MEETING
from liaison_desk.core.meetings import NewFollowUp
from liaison_desk.core.records import Contact, FollowUp, Meeting
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault


def test_saving_a_new_contact_drops_its_draft(vault: Vault) -> None:
    save_draft(vault, "contact", None, {"full_name": "Hélène"})

    saved = save_edit(vault, Edit(CONTACT, None, {"full_name": "Hélène Girard"}))

    assert vault.store.get(Contact, saved.id).full_name == "Hélène Girard"
    assert drafts(vault) == []


def test_an_edit_changes_only_what_it_carries_and_an_empty_one_reads_the_record(
    vault: Vault,
) -> None:
    person = vault.store.add(Contact(full_name="Hélène Girard", rank="Colonel"))
    save_draft(vault, "contact", person.id, {"rank": "General"})

    assert save_edit(vault, Edit(CONTACT, person.id, {})) == person
    saved = save_edit(vault, Edit(CONTACT, person.id, {"rank": "General"}))

    assert (saved.full_name, saved.rank) == ("Hélène Girard", "General")
    assert drafts(vault) == []


def test_a_meeting_saves_with_its_people_and_followups(vault: Vault) -> None:
    ana = vault.store.add(Contact(full_name="Ana"))
    edit = Edit(
        MEETING,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
        add_people=(ana.id,),
        followups=(NewFollowUp("Send the minutes"),),
    )

    meeting = save_edit(vault, edit)

    assert [a.contact.id for a in relations.participants(vault.store, meeting.id)] == [ana.id]
    made = vault.store.list(FollowUp, ListQuery(where={"meeting_id": meeting.id}))
    assert [(f.action, f.status) for f in made] == [("Send the minutes", "open")]


def test_a_failed_save_keeps_the_draft_and_writes_nothing(vault: Vault) -> None:
    save_draft(vault, "meeting", None, {"title": "Staff talks"})
    edit = Edit(
        MEETING,
        None,
        {"title": "Staff talks", "starts_at": "not a time"},
        followups=(NewFollowUp("Send the minutes"),),
    )

    with pytest.raises(ValidationError, match="ISO 8601"):
        save_edit(vault, edit)

    assert [d.key for d in drafts(vault)] == ["meeting:new"]
    assert vault.store.count(Meeting) == vault.store.count(FollowUp) == 0
