"""Saving a meeting with the people who were there and the follow-ups it produced.

The GUI's editor and `liaison-desk meeting add/edit` both save through
`save_meeting`: one transaction, the same handling of people and of a time
typed without a zone (see station_zone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from liaison_desk.core import relations
from liaison_desk.core.records import FollowUp, Meeting, Participant
from liaison_desk.core.station_zone import meeting_time, station_zone
from liaison_desk.core.store import ListQuery, Store


@dataclass(frozen=True)
class NewFollowUp:
    """An action agreed at the meeting, created with it."""

    action: str
    due_date: str | None = None


def save_meeting(
    store: Store,
    meeting_id: str | None,
    values: Mapping[str, Any],
    *,
    add_people: Sequence[str] = (),
    remove_people: Sequence[str] = (),
    followups: Sequence[NewFollowUp] = (),
) -> Meeting:
    """Add (`meeting_id` None) or change a meeting, its people and new follow-ups, all or nothing.

    People are contact ids. Adding someone already there changes nothing;
    removing someone removes them however often they were listed, and wins
    over adding them in the same save. Participants
    and follow-ups take the meeting's marking.
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
        mark = record.marking
        for contact_id in dict.fromkeys(add_people):
            if contact_id not in there:
                store.add(Participant(meeting_id=record.id, contact_id=contact_id, marking=mark))
        for participant in present:
            if participant.contact_id in gone:
                store.delete(Participant, participant.id)
        for f in followups:
            store.add(
                FollowUp(action=f.action, due_date=f.due_date, meeting_id=record.id, marking=mark)
            )
    return record
