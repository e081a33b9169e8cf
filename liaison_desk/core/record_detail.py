"""One record with its relations: what the GUI's detail pane and the CLI's `show` commands list.

A contact comes with its standing (last contact, overdue), its meetings and
open follow-ups, its phones, emails, addresses, postings and relations; a
meeting with its people, in order of precedence (`core.precedence`), and its
follow-ups; an organization with its people; every record with the titles of
the records it links to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from liaison_desk.core import relations
from liaison_desk.core.ages import age_on
from liaison_desk.core.clock import Clock
from liaison_desk.core.contact_details import ContactDetails, details_of
from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION, POSTING, RELATION, Kind
from liaison_desk.core.precedence import Placed, meeting_precedence
from liaison_desk.core.records import Contact, FollowUp, Meeting
from liaison_desk.core.relations import Attendance, Standing
from liaison_desk.core.station_zone import station_today
from liaison_desk.core.store import ListQuery, Store

RELATED_LIMIT = 50


@dataclass(frozen=True)
class RecordDetail:
    kind: Kind[Any]
    record: Any
    names: dict[str, str] = field(default_factory=dict)  # titles of the records it links to
    standing: Standing | None = None  # a contact's
    meetings: tuple[Meeting, ...] = ()  # a contact's, latest first
    followups: tuple[FollowUp, ...] = ()  # a contact's open ones; all of a meeting's
    people: tuple[Attendance, ...] = ()  # who was at a meeting, in order of precedence
    places: dict[str, Placed] = field(default_factory=dict)  # their places, by contact id
    members: tuple[Contact, ...] = ()  # an organization's people
    # A contact's points, postings and relations.
    details: ContactDetails = field(default_factory=ContactDetails)
    age: int | None = None  # a contact's, today at the station, when their birthday has a year
    flagged: bool = False  # HQ flagged it: written by a station since found compromised


def record_detail(
    store: Store, clock: Clock, kind: Kind[Any], record_id: str, limit: int = RELATED_LIMIT
) -> RecordDetail:
    """The record and its relations (at most `limit` of each list), as of the vault's clock."""
    detail = _detail(store, clock, kind, record_id, limit)
    flagged = store.conn.execute(
        "SELECT 1 FROM flagged_records WHERE kind = ? AND record_id = ?", (kind.name, record_id)
    ).fetchone()
    return replace(detail, flagged=True) if flagged else detail


def _detail(
    store: Store, clock: Clock, kind: Kind[Any], record_id: str, limit: int
) -> RecordDetail:
    record = store.get(kind.cls, record_id)
    names = relations.linked_titles(store, kind, [vars(record)])
    if kind is CONTACT:
        details = details_of(store, record_id)
        for child, items in ((POSTING, details.postings), (RELATION, details.relations)):
            names |= relations.linked_titles(store, child, [vars(i) for i in items])
        return RecordDetail(
            kind,
            record,
            names,
            standing=relations.standing(store, clock, record),
            meetings=tuple(relations.meetings_of(store, record_id, limit=limit)),
            followups=tuple(relations.open_followups(store, record_id, limit)),
            details=details,
            age=age_on(record.birthday, station_today(store, clock)),
        )
    if kind is MEETING:
        actions = store.list(FollowUp, ListQuery(where={"meeting_id": record_id}, limit=limit))
        places = {p.contact_id: p for p in meeting_precedence(store, record_id)}
        people = sorted(
            relations.participants(store, record_id), key=lambda a: places[a.contact.id].place
        )
        return RecordDetail(
            kind,
            record,
            names,
            people=tuple(people),
            places=places,
            followups=tuple(actions),
        )
    if kind is ORGANIZATION:
        members = store.list(Contact, ListQuery(where={"org_id": record_id}, limit=limit))
        return RecordDetail(kind, record, names, members=tuple(members))
    return RecordDetail(kind, record, names)
