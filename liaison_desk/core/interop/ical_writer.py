"""Meetings and follow-up due dates written as an iCalendar file any calendar shows.

One VEVENT per meeting: its own UID (the one it was imported with, else one derived
from its id, the same at every export), its timing as `ical_timing` writes it (days
as VALUE=DATE, times in the meeting's zone with the VTIMEZONEs they need, a series
with its RRULE, EXDATE and RDATE), attendees by email or by contact id. One all-day,
non-blocking VEVENT per follow-up due date. X-LIAISON-* properties carry what a
calendar has no place for, so an event we wrote is recognised when it comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar

from liaison_desk import __version__
from liaison_desk.core.interop.ical import Attendee
from liaison_desk.core.interop.ical_timing import Timing, add_timing, last_day

PRODID = f"-//Liaison Desk//Liaison Desk {__version__}//EN"
MEETING_UID = "@liaison-desk"
FOLLOWUP_PREFIX = "followup-"
_ICAL_ROLES = {
    "chair": "CHAIR",
    "optional": "OPT-PARTICIPANT",
    "for information": "NON-PARTICIPANT",
}


def meeting_uid(meeting_id: str) -> str:
    """The UID of a meeting that came from no calendar: stable, so a calendar that
    imports the file twice updates its event instead of adding another."""
    return f"{meeting_id}{MEETING_UID}"


@dataclass(frozen=True)
class MeetingEntry:
    """A meeting as it goes into a calendar."""

    id: str
    title: str
    timing: Timing
    place: str | None
    description: str | None
    kind: str | None
    tags: tuple[str, ...]
    marking: str
    attendees: tuple[Attendee, ...]
    uid: str | None = None


@dataclass(frozen=True)
class FollowUpEntry:
    id: str
    action: str
    due_date: str
    description: str | None
    meeting_id: str | None
    marking: str


def _meeting_event(entry: MeetingEntry, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry.uid or meeting_uid(entry.id))
    event.add("dtstamp", stamp)
    add_timing(event, entry.timing)
    event.add("summary", entry.title)
    if entry.place:
        event.add("location", entry.place)
    if entry.description:
        event.add("description", entry.description)
    categories = [c for c in (entry.kind, *entry.tags) if c]
    if categories:
        event.add("categories", categories)
    event.add("class", "PRIVATE")
    for person in entry.attendees:
        address = f"mailto:{person.email}" if person.email else f"urn:uuid:{person.contact_id}"
        params = {"CUTYPE": "INDIVIDUAL", "PARTSTAT": "ACCEPTED"}
        if person.name:
            params["CN"] = person.name
        params["ROLE"] = _ICAL_ROLES.get(person.role or "", "REQ-PARTICIPANT")
        event.add("attendee", icalendar.vCalAddress(address), parameters=params)
    event.add("x-liaison-id", entry.id)
    if entry.kind:
        event.add("x-liaison-kind", entry.kind)
    event.add("x-liaison-marking", entry.marking)
    return event


def _followup_event(entry: FollowUpEntry, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{FOLLOWUP_PREFIX}{entry.id}{MEETING_UID}")
    event.add("dtstamp", stamp)
    day = date.fromisoformat(entry.due_date)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", f"Follow-up: {entry.action}")
    if entry.description:
        event.add("description", entry.description)
    event.add("transp", "TRANSPARENT")  # a due date does not make the officer busy
    event.add("class", "PRIVATE")
    event.add("categories", ["follow-up"])
    if entry.meeting_id:
        event.add("related-to", f"{entry.meeting_id}{MEETING_UID}")
    event.add("x-liaison-followup", entry.id)
    event.add("x-liaison-marking", entry.marking)
    return event


def calendar_bytes(
    meetings: Sequence[MeetingEntry], followups: Sequence[FollowUpEntry], now_ms: int
) -> bytes:
    """A .ics file holding the meetings and follow-ups, with the VTIMEZONEs they use."""
    stamp = datetime.fromtimestamp(now_ms / 1000, tz=UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")  # a copy to show, not invitations to send
    calendar.add("x-wr-calname", "Liaison Desk")
    for meeting in meetings:
        calendar.add_component(_meeting_event(meeting, stamp))
    for followup in followups:
        calendar.add_component(_followup_event(followup, stamp))
    last = last_day(m.timing for m in meetings)
    if last is not None:
        first = date.fromisoformat(min(m.timing.starts_at for m in meetings)[:10])
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    data: bytes = calendar.to_ical()
    return data
