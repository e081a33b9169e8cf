"""Saving a meeting with the people who were there and the follow-ups it produced.

The GUI's editor and `liaison-desk meeting add/edit` both save through
`save_meeting`: one transaction, the same handling of people and of a time
typed without a zone (see station_zone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from liaison_desk.core import relations
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.occurrences import Occurrence, meetings_between
from liaison_desk.core.records import FollowUp, Meeting, Participant
from liaison_desk.core.station_zone import meeting_time, station_zone
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.validation import iso_date


@dataclass(frozen=True)
class NewFollowUp:
    """An action agreed at the meeting, created with it.

    `contact_ids` None: it concerns everyone at the meeting (as saved with it).
    """

    action: str
    due_date: str | None = None
    contact_ids: tuple[str, ...] | None = None


def add_followup(store: Store, followup: FollowUp) -> FollowUp:
    """Add a follow-up; one from a meeting that names no one names the people who were there."""
    if followup.meeting_id and not followup.contact_ids:
        present = store.list(
            Participant, ListQuery(where={"meeting_id": followup.meeting_id}, limit=relations.ALL)
        )
        people = tuple(dict.fromkeys(p.contact_id for p in present))
        followup = replace(followup, contact_ids=people)
    return store.add(followup)


def save_meeting(
    store: Store,
    meeting_id: str | None,
    values: Mapping[str, Any],
    *,
    add_people: Sequence[str] = (),
    remove_people: Sequence[str] = (),
    followups: Sequence[NewFollowUp] = (),
    roles: Mapping[str, str | None] | None = None,
) -> Meeting:
    """Add (`meeting_id` None) or change a meeting, its people and new follow-ups, all or nothing.

    People are contact ids. Adding someone already there changes nothing;
    removing someone removes them however often they were listed, and wins
    over adding them in the same save. `roles` gives people (new or already
    there) their role by contact id; someone not in it keeps theirs. Participants
    and follow-ups take the meeting's marking; a new follow-up names the people
    at the meeting unless it names its own.
    """
    with store.transaction():
        station = station_zone(store)
        if meeting_id is None:
            record = store.add(Meeting(**meeting_time(values, None, station)))
        else:
            current = store.get(Meeting, meeting_id)
            changes = meeting_time(values, current, station)
            record = store.update(Meeting, meeting_id, changes) if changes else current
        present = store.list(
            Participant, ListQuery(where={"meeting_id": record.id}, limit=relations.ALL)
        )
        gone = set(remove_people)
        there = {p.contact_id for p in present} | gone
        roles = roles or {}
        mark = record.marking
        people = [p.contact_id for p in present if p.contact_id not in gone]
        for contact_id in dict.fromkeys(add_people):
            if contact_id not in there:
                role = roles.get(contact_id)
                store.add(
                    Participant(
                        meeting_id=record.id, contact_id=contact_id, role=role, marking=mark
                    )
                )
                people.append(contact_id)
        for participant in present:
            if participant.contact_id in gone:
                store.delete(Participant, participant.id)
            elif participant.contact_id in roles:
                store.update(Participant, participant.id, {"role": roles[participant.contact_id]})
        for f in followups:
            named = tuple(dict.fromkeys(people)) if f.contact_ids is None else f.contact_ids
            store.add(
                FollowUp(
                    action=f.action,
                    due_date=f.due_date,
                    meeting_id=record.id,
                    contact_ids=named,
                    marking=mark,
                )
            )
    return record


def occurrences_in(store: Store, first: str, last: str, query: ListQuery) -> list[Occurrence]:
    """The occurrences of meetings on days `first` to `last` (included) at the station,
    within the query's markings and tag, in time order: each date of a series."""
    begin = date.fromisoformat(str(iso_date("first day", first)))
    end = date.fromisoformat(str(iso_date("last day", last)))
    if end < begin:
        raise ValidationError(f"The period ends ({end}) before it starts ({begin}).")
    zone = ZoneInfo(station_zone(store))
    found = meetings_between(store.conn, begin, end + timedelta(days=1), zone)
    return [
        o
        for o in found
        if (query.markings is None or o.meeting.marking in query.markings)
        and (query.tag is None or query.tag in o.meeting.tags)
    ]
