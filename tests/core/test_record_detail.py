"""One record with its relations, as the detail pane and the `show` commands list it."""

from __future__ import annotations

from liaison_desk.core.kinds import CONTACT, FOLLOWUP, MEETING, ORGANIZATION
from liaison_desk.core.meetings import NewFollowUp, save_meeting
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import Contact, FollowUp, Organization
from liaison_desk.core.relations import Standing
from liaison_desk.core.vault import Vault
from tests.conftest import StepClock

MARCH_14_NOON = StepClock(1_773_489_600_000, step=0)  # 2026-03-14T12:00:00Z


def test_a_contact_with_its_standing_meetings_and_open_followups(vault: Vault) -> None:
    store = vault.store
    ministry = store.add(Organization(name="Ministry of Defence"))
    person = store.add(Contact(full_name="Hélène Girard", org_id=ministry.id, cadence_days=30))
    past = save_meeting(
        store, None, {"title": "Lunch", "starts_at": "2026-03-01T12:00Z"}, add_people=[person.id]
    )
    planned = save_meeting(
        store, None, {"title": "Visit", "starts_at": "2026-04-01T08:00Z"}, add_people=[person.id]
    )
    store.add(FollowUp(action="Send the agenda", contact_ids=(person.id,)))
    store.add(FollowUp(action="Old thanks", contact_ids=(person.id,), status="done"))

    detail = record_detail(store, MARCH_14_NOON, CONTACT, person.id)

    assert detail.record == person
    assert detail.names == {ministry.id: "Ministry of Defence"}
    assert detail.standing == Standing("2026-03-01T12:00:00Z", overdue=False)
    assert [m.id for m in detail.meetings] == [planned.id, past.id]
    assert [f.action for f in detail.followups] == ["Send the agenda"]
    assert detail.people == detail.members == ()


def test_a_meeting_with_its_people_and_every_followup(vault: Vault) -> None:
    store = vault.store
    ana = store.add(Contact(full_name="Ana"))
    meeting = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
        add_people=[ana.id],
        followups=[NewFollowUp("Send the minutes", "2026-03-20")],
    )
    (minutes,) = record_detail(store, MARCH_14_NOON, MEETING, meeting.id).followups
    store.update(FollowUp, minutes.id, {"status": "done"})

    detail = record_detail(store, MARCH_14_NOON, MEETING, meeting.id)

    assert [a.contact.full_name for a in detail.people] == ["Ana"]
    assert [(f.action, f.status) for f in detail.followups] == [("Send the minutes", "done")]
    assert detail.standing is None


def test_an_organization_with_its_people_up_to_the_limit(vault: Vault) -> None:
    store = vault.store
    ministry = store.add(Organization(name="Ministry of Defence"))
    store.add_many(Contact(full_name=f"Officer {i}", org_id=ministry.id) for i in range(3))

    detail = record_detail(store, MARCH_14_NOON, ORGANIZATION, ministry.id, limit=2)

    assert [c.full_name for c in detail.members] == ["Officer 0", "Officer 1"]


def test_a_followup_names_its_contact_and_meeting(vault: Vault) -> None:
    store = vault.store
    ana = store.add(Contact(full_name="Ana"))
    meeting = save_meeting(store, None, {"title": "Talks", "starts_at": "2026-03-14T10:30Z"})
    action = store.add(FollowUp(action="Call", contact_ids=(ana.id,), meeting_id=meeting.id))

    detail = record_detail(store, MARCH_14_NOON, FOLLOWUP, action.id)

    assert detail.names == {ana.id: "Ana", meeting.id: "Talks"}


def test_a_contact_page_lists_what_names_it_and_what_its_meetings_left_to_all(
    vault: Vault,
) -> None:
    store = vault.store
    ana, bruno = store.add_many([Contact(full_name="Ana"), Contact(full_name="Bruno")])
    talks = save_meeting(
        store,
        None,
        {"title": "Talks", "starts_at": "2026-03-01T10:00Z"},
        add_people=[ana.id, bruno.id],
        followups=[NewFollowUp("Send the minutes", "2026-03-20")],
    )
    store.add(FollowUp(action="Ask Bruno", meeting_id=talks.id, contact_ids=(bruno.id,)))
    store.add(FollowUp(action="For everyone there", meeting_id=talks.id))  # names no one
    store.add(FollowUp(action="Call Ana", contact_ids=(ana.id,), due_date="2026-03-15"))
    store.add(FollowUp(action="Done long ago", contact_ids=(ana.id,), status="done"))

    def page(person: Contact) -> list[str]:
        return [f.action for f in record_detail(store, MARCH_14_NOON, CONTACT, person.id).followups]

    assert page(ana) == ["Call Ana", "Send the minutes", "For everyone there"]
    assert page(bruno) == ["Send the minutes", "Ask Bruno", "For everyone there"]
