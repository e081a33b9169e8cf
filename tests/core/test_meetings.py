"""Saving a meeting with its people and follow-ups: one transaction, one rule for its time."""

from __future__ import annotations

import pytest

from liaison_desk.core import relations
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.meetings import NewFollowUp, add_followup, save_meeting
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.station_zone import set_station_zone
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault


def people(vault: Vault, meeting_id: str) -> list[str]:
    return sorted(a.contact.full_name for a in relations.participants(vault.store, meeting_id))


def test_a_new_meeting_with_people_and_followups_takes_its_marking(vault: Vault) -> None:
    store = vault.store
    ana, bruno = store.add_many([Contact(full_name="Ana"), Contact(full_name="Bruno")])

    meeting = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z", "marking": "restricted"},
        add_people=[ana.id, bruno.id, ana.id],
        followups=[NewFollowUp("Send the agenda", "2026-03-20"), NewFollowUp("Call back")],
    )

    assert people(vault, meeting.id) == ["Ana", "Bruno"]
    actions = store.list(FollowUp, ListQuery(where={"meeting_id": meeting.id}))
    assert sorted((f.action, f.due_date) for f in actions) == [
        ("Call back", None),
        ("Send the agenda", "2026-03-20"),
    ]
    rows = store.list(Participant, ListQuery(where={"meeting_id": meeting.id}))
    assert {r.marking for r in [*rows, *actions]} == {"RESTRICTED"}


def test_editing_people_adds_the_new_and_removes_by_contact(vault: Vault) -> None:
    store = vault.store
    ana, bruno, carla = store.add_many(
        [Contact(full_name="Ana"), Contact(full_name="Bruno"), Contact(full_name="Carla")]
    )
    meeting = save_meeting(
        store, None, {"title": "Visit", "starts_at": "2026-04-01T08:00Z"}, add_people=[ana.id]
    )

    edited = save_meeting(
        store,
        meeting.id,
        {"title": "Visit, day 1"},
        add_people=[ana.id, bruno.id, carla.id],
        remove_people=[carla.id, ana.id],
    )

    assert edited.title == "Visit, day 1"
    assert people(vault, meeting.id) == ["Bruno"]
    live = store.list(Participant, ListQuery(where={"meeting_id": meeting.id}))
    assert len(live) == 1  # Ana was not added twice, Carla came and went


def test_a_failed_save_changes_nothing(vault: Vault) -> None:
    store = vault.store
    ana = store.add(Contact(full_name="Ana"))
    with pytest.raises(ValidationError):
        save_meeting(
            store,
            None,
            {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
            add_people=[ana.id, "01934b2e-0000-7000-8000-000000000000"],
            followups=[NewFollowUp("Send the agenda")],
        )
    assert store.count(Meeting) == store.count(Participant) == store.count(FollowUp) == 0


def test_a_time_without_a_zone_is_read_in_the_station_zone(vault: Vault) -> None:
    store = vault.store
    set_station_zone(store, "Asia/Tokyo")

    typed = save_meeting(store, None, {"title": "Reception", "starts_at": "2026-05-20T18:00"})
    offset = save_meeting(store, None, {"title": "Call", "starts_at": "2026-05-20T18:00+02:00"})

    assert (typed.starts_at, typed.timezone) == ("2026-05-20T09:00:00Z", "Asia/Tokyo")
    assert (offset.starts_at, offset.timezone) == ("2026-05-20T16:00:00Z", None)


def test_an_edited_time_is_read_in_the_meetings_own_zone_unless_blanked(vault: Vault) -> None:
    store = vault.store
    set_station_zone(store, "Asia/Tokyo")
    paris = save_meeting(
        store,
        None,
        {"title": "Lunch", "starts_at": "2026-05-20T12:00", "timezone": "Europe/Paris"},
    )
    assert paris.starts_at == "2026-05-20T10:00:00Z"

    moved = save_meeting(store, paris.id, {"starts_at": "2026-05-20T13:00"})
    assert (moved.starts_at, moved.timezone) == ("2026-05-20T11:00:00Z", "Europe/Paris")

    blanked = save_meeting(store, paris.id, {"starts_at": "2026-05-20T13:00", "timezone": None})
    assert (blanked.starts_at, blanked.timezone) == ("2026-05-20T04:00:00Z", "Asia/Tokyo")


def test_a_followup_made_in_a_meeting_names_its_people_unless_it_names_its_own(
    vault: Vault,
) -> None:
    store = vault.store
    ana, bruno, carla = store.add_many(
        [Contact(full_name="Ana"), Contact(full_name="Bruno"), Contact(full_name="Carla")]
    )
    meeting = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
        add_people=[ana.id, bruno.id],
        followups=[NewFollowUp("Send the agenda"), NewFollowUp("Call Ana", None, (ana.id,))],
    )
    save_meeting(
        store,
        meeting.id,
        {},
        add_people=[carla.id],
        remove_people=[bruno.id],
        followups=[NewFollowUp("Thank them")],
    )

    named = {
        f.action: f.contact_ids
        for f in store.list(FollowUp, ListQuery(where={"meeting_id": meeting.id}))
    }
    assert named == {
        "Send the agenda": (ana.id, bruno.id),
        "Call Ana": (ana.id,),
        "Thank them": (ana.id, carla.id),  # who is there once the save is done
    }
    later = add_followup(store, FollowUp(action="Book the hall", meeting_id=meeting.id))
    assert later.contact_ids == (ana.id, carla.id)
    own = add_followup(
        store, FollowUp(action="Ask Bruno", meeting_id=meeting.id, contact_ids=(bruno.id,))
    )
    assert own.contact_ids == (bruno.id,)
    with pytest.raises(ValidationError, match="does not name a contact"):
        store.add(FollowUp(action="Nobody", contact_ids=(ana.id, "no-such-contact")))


def test_people_take_a_role_when_added_and_change_it_later(vault: Vault) -> None:
    store = vault.store
    ana, bruno = store.add_many([Contact(full_name="Ana"), Contact(full_name="Bruno")])
    meeting = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"},
        add_people=[ana.id, bruno.id],
        roles={ana.id: "host"},
    )
    save_meeting(store, meeting.id, {}, roles={ana.id: "guest", bruno.id: "interpreter"})

    roles = {
        a.contact.full_name: a.participant.role for a in relations.participants(store, meeting.id)
    }
    assert roles == {"Ana": "guest", "Bruno": "interpreter"}
    save_meeting(store, meeting.id, {}, roles={bruno.id: None})
    roles = {
        a.contact.full_name: a.participant.role for a in relations.participants(store, meeting.id)
    }
    assert roles == {"Ana": "guest", "Bruno": None}
