"""What a record is linked to, listed before it is deleted."""

from __future__ import annotations

from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION
from liaison_desk.core.meetings import NewFollowUp, save_meeting
from liaison_desk.core.record_links import LinkGroup, record_links
from liaison_desk.core.records import Attachment, Contact, FollowUp, Organization
from liaison_desk.core.vault import Vault


def test_a_contacts_meetings_followups_and_files_are_listed(vault: Vault) -> None:
    store = vault.store
    helene = store.add(Contact(full_name="Hélène Girard"))
    for title, day in (("Air show", "2026-04-01"), ("Staff talks", "2026-03-02")):
        save_meeting(
            store, None, {"title": title, "starts_at": f"{day}T10:00"}, add_people=[helene.id]
        )
    store.add(FollowUp(action="Send the agenda", contact_ids=(helene.id,)))
    store.add(Attachment(owner_id=helene.id, name="card.png", mime="image/png", data=b"png"))

    links = record_links(store, CONTACT, helene.id)

    assert links.title == "Hélène Girard"
    assert links.groups == (
        LinkGroup("meetings", 2, ("Staff talks", "Air show")),
        LinkGroup("follow-ups", 1, ("Send the agenda",)),
        LinkGroup("files", 1, ("card.png",)),
    )


def test_a_meetings_people_and_an_organizations_members_and_units(vault: Vault) -> None:
    store = vault.store
    ministry = store.add(Organization(name="Ministère des Armées"))
    store.add(Organization(name="DGRIS", parent_id=ministry.id))
    helene = store.add(Contact(full_name="Hélène Girard", org_id=ministry.id))
    gone = store.add(Contact(full_name="Marc Roux", org_id=ministry.id))
    store.delete(Contact, gone.id)
    talks = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-02T10:00"},
        add_people=[helene.id],
        followups=[NewFollowUp("Send the minutes")],
    )

    assert record_links(store, ORGANIZATION, ministry.id).groups == (
        LinkGroup("contacts", 1, ("Hélène Girard",)),  # the deleted one is not a link
        LinkGroup("organizations under it", 1, ("DGRIS",)),
    )
    assert record_links(store, MEETING, talks.id).groups == (
        LinkGroup("participants", 1, ("Hélène Girard",)),
        LinkGroup("follow-ups", 1, ("Send the minutes",)),
    )


def test_a_record_with_no_links_has_no_groups(vault: Vault) -> None:
    alone = vault.store.add(Contact(full_name="Ana Silva"))

    assert record_links(vault.store, CONTACT, alone.id).groups == ()
