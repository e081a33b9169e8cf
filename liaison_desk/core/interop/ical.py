"""iCalendar (.ics) in and out, with the `icalendar` library doing the parsing and writing.

Reading: a first pass here checks the file's structure line by line (every
line a `NAME;params:value` property, BEGIN and END matched) and notes where
each event and each of its properties starts, because icalendar is lenient
and does not say where a problem is; icalendar then parses values, time zones
(its own VTIMEZONEs, IANA names, Outlook's Windows names) and attendees.

Writing: one VEVENT per meeting (TZID in the meeting's time zone, with the
VTIMEZONE components it needs, attendees by email or by contact id) and one
all-day, non-blocking VEVENT per follow-up due date, so both show in any
calendar. X-LIAISON-* properties carry what a calendar has no place for, so
an event we wrote is recognised when it comes back.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from icalendar.timezone.tzid import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from liaison_desk import __version__
from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.text_input import MB, read_text

MAX_BYTES = 64 * MB
PRODID = f"-//Liaison Desk//Liaison Desk {__version__}//EN"
MEETING_UID = "@liaison-desk"
FOLLOWUP_PREFIX = "followup-"
MEETING_LENGTH = timedelta(hours=1)  # a meeting records its start only
Progress = Callable[[int, int], None]

_CONTENT_LINE = re.compile(r'^[A-Za-z0-9-]+(?:;(?:"[^"]*"|[^";:])*)*:', re.DOTALL)
_TAG = re.compile(r"<[^>]{0,500}>")
_BREAK = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)
_HTML_HINT = re.compile(r"<\s*/?\s*(?:br|p|div|b|i|u|a|ul|ol|li|span|strong|em)\b", re.IGNORECASE)
_ROLES = {"CHAIR": "chair", "OPT-PARTICIPANT": "optional", "NON-PARTICIPANT": "for information"}
_ICAL_ROLES = {
    "chair": "CHAIR",
    "optional": "OPT-PARTICIPANT",
    "for information": "NON-PARTICIPANT",
}


@dataclass(frozen=True)
class Attendee:
    name: str | None
    email: str | None
    contact_id: str | None = None  # urn:uuid: of a contact, in events we wrote
    role: str | None = None  # organizer, chair, optional, for information; None: required

    def label(self) -> str:
        if self.name and self.email and self.name.casefold() != self.email.casefold():
            return f"{self.name} <{self.email}>"
        return self.name or self.email or self.contact_id or "?"


@dataclass(frozen=True, kw_only=True)
class Event:
    """One VEVENT as a meeting would hold it; `sources` maps fields to their lines."""

    line: int
    title: str
    starts_at: str  # UTC, 2026-03-14T09:30:00Z
    timezone: str | None = None
    all_day: bool = False
    place: str | None = None
    notes: str | None = None
    attendees: tuple[Attendee, ...] = ()
    tags: tuple[str, ...] = ()
    kind: str | None = None
    marking: str = ""
    meeting_id: str | None = None  # X-LIAISON-ID: a meeting we exported
    uid: str | None = None
    recurring: bool = False
    skip: str | None = None  # why it is not a meeting: "cancelled", "a follow-up"
    sources: tuple[tuple[str, int], ...] = ()

    def line_of(self, field_name: str) -> int:
        return next((line for name, line in self.sources if name == field_name), self.line)


# -- structure ---------------------------------------------------------------------------------


@dataclass
class _Block:
    """Where one event starts and where each of its properties is."""

    line: int
    props: dict[str, int] = field(default_factory=dict)


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Unfolded lines with the number of the line each starts on."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw[:1] in (" ", "\t") and parts:
            parts.append(raw[1:])
            continue
        if parts:
            yield start, "".join(parts)
        start, parts = number, [raw]
    if parts:
        yield start, "".join(parts)


def scan(text: str, name: str) -> list[_Block]:
    """Check the structure; return the events (depth two, under VCALENDAR) in file order."""
    stack: list[tuple[str, int]] = []
    events: list[_Block] = []
    current: _Block | None = None
    last = 0
    for number, line in _logical_lines(text):
        last = number
        if not line.strip():
            continue
        if not _CONTENT_LINE.match(line):
            raise ImportFormatError(
                f"{name}, line {number}: this line is not an iCalendar property (NAME:value)."
            )
        prop = re.split(r"[;:]", line, maxsplit=1)[0].upper()
        value = line.split(":", 1)[1].strip().upper() if prop in ("BEGIN", "END") else ""
        if prop == "BEGIN":
            if not stack and value != "VCALENDAR":
                raise ImportFormatError(
                    f"{name}, line {number}: expected BEGIN:VCALENDAR; is this a calendar file?"
                )
            stack.append((value, number))
            if value == "VEVENT" and len(stack) == 2:
                current = _Block(number)
                events.append(current)
        elif prop == "END":
            if not stack:
                raise ImportFormatError(f"{name}, line {number}: END:{value} without a BEGIN.")
            opened, at = stack.pop()
            if opened != value:
                raise ImportFormatError(
                    f"{name}, line {number}: END:{value} does not close the {opened} "
                    f"opened at line {at}."
                )
            if len(stack) < 2:
                current = None
        elif not stack:
            raise ImportFormatError(
                f"{name}, line {number}: this line is outside the calendar (BEGIN:VCALENDAR)."
            )
        elif current is not None and len(stack) == 2:
            current.props.setdefault(prop, number)
    if stack:
        opened, at = stack[-1]
        raise ImportFormatError(
            f"{name}, line {last}: the file ends inside the {opened} opened at line {at} "
            f"(END:{opened} is missing); it may be truncated."
        )
    if not last:
        raise ImportFormatError(f"{name} is empty.")
    return events


# -- values ------------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """A description as plain text: Google writes HTML (<br>, <b>, links) into DESCRIPTION."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _HTML_HINT.search(text):
        text = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    return text.strip()


def zone_name(moment: datetime, tzid: str | None) -> str | None:
    """The IANA name of the zone a time is given in, if it has one (not for UTC)."""
    candidates = [tzid, tzid_from_dt(moment)]
    for candidate in candidates:
        if not candidate:
            continue
        candidate = WINDOWS_TO_OLSON.get(candidate, candidate)
        candidate = candidate.rsplit("/mozilla.org/", 1)[-1]
        if candidate.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
            return None
        try:
            ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return candidate
    return None


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(component: Any, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0]
    text = str(value).strip()
    return text or None


def _attendee(value: Any, organizer: bool) -> Attendee | None:
    params = getattr(value, "params", {})
    if str(params.get("CUTYPE", "")).upper() in ("ROOM", "RESOURCE"):
        return None
    address = str(value).strip()
    email = contact_id = None
    if address.lower().startswith("mailto:"):
        email = address[7:].strip() or None
    elif address.lower().startswith("urn:uuid:"):
        contact_id = address[9:].strip().lower() or None
    name = str(params.get("CN", "")).strip().strip('"') or None
    if name and email and name.casefold() == email.casefold():
        name = None  # Google writes the address as the name of guests it has no name for
    role = "organizer" if organizer else _ROLES.get(str(params.get("ROLE", "")).upper())
    if not (name or email or contact_id):
        return None
    return Attendee(name, email, contact_id, role)


def _attendees(event: Any) -> tuple[Attendee, ...]:
    """The organizer, then each attendee once (the first of any sharing an email address)."""
    found: list[Attendee] = []
    emails: set[str] = set()  # looked up, not searched: 30,000 attendees took a minute
    organizer = event.get("ORGANIZER")
    listed = event.get("ATTENDEE", [])
    values = [(organizer, True)] if organizer is not None else []
    values += [(v, False) for v in (listed if isinstance(listed, list) else [listed])]
    for value, is_organizer in values:
        who = _attendee(value, is_organizer)
        if who is None:
            continue
        email = who.email.casefold() if who.email else None
        if email not in emails:
            found.append(who)
            if email is not None:
                emails.add(email)
    return tuple(found)


def _categories(event: Any) -> tuple[str, ...]:
    values = event.get("CATEGORIES", [])
    out: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        out.extend(str(c).strip() for c in getattr(value, "cats", []) if str(c).strip())
    return tuple(dict.fromkeys(out))


def _start(
    event: Any, block: _Block, name: str, floating_zone: str | None
) -> tuple[str, str | None, bool]:
    """(UTC start, IANA zone or None, all day) of an event."""
    where = f"{name}, line {block.props.get('DTSTART', block.line)}"
    prop = event.get("DTSTART")
    if prop is None:
        raise ImportFormatError(
            f"{name}, line {block.line}: the event starting here has no start (DTSTART)."
        )
    moment = prop.dt
    if isinstance(moment, datetime):
        tzid = prop.params.get("TZID")
        if moment.tzinfo is None:
            zone: tzinfo = ZoneInfo(floating_zone) if floating_zone else UTC
            moment = moment.replace(tzinfo=zone)
            return _utc(moment), floating_zone, False
        return _utc(moment), zone_name(moment, tzid), False
    if isinstance(moment, date):
        day = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        return _utc(day), None, True
    raise ImportFormatError(f"{where}: DTSTART is not a date or a date-time.")


def _event(event: Any, block: _Block, name: str, floating_zone: str | None) -> Event:
    if event.errors:
        prop, message = event.errors[0]
        line = block.props.get(str(prop or "").upper(), block.line)
        what = f"the {prop} value" if prop else "a line"
        raise ImportFormatError(f"{name}, line {line}: {what} cannot be read ({message}).")
    starts_at, timezone, all_day = _start(event, block, name, floating_zone)
    followup = _text(event, "X-LIAISON-FOLLOWUP")
    status = (_text(event, "STATUS") or "").upper()
    description = _text(event, "DESCRIPTION")
    sources = tuple(
        (field_name, block.props[prop])
        for field_name, prop in (
            ("title", "SUMMARY"),
            ("starts_at", "DTSTART"),
            ("place", "LOCATION"),
            ("notes", "DESCRIPTION"),
            ("marking", "X-LIAISON-MARKING"),
            ("kind", "X-LIAISON-KIND"),
            ("tags", "CATEGORIES"),
        )
        if prop in block.props
    )
    return Event(
        line=block.line,
        title=_text(event, "SUMMARY") or "(no title)",
        starts_at=starts_at,
        timezone=timezone,
        all_day=all_day,
        place=_text(event, "LOCATION"),
        notes=plain_text(description) if description else None,
        attendees=_attendees(event),
        tags=_categories(event),
        kind=_text(event, "X-LIAISON-KIND"),
        marking=_text(event, "X-LIAISON-MARKING") or "",
        meeting_id=_text(event, "X-LIAISON-ID"),
        uid=_text(event, "UID"),
        recurring=event.get("RRULE") is not None,
        skip="a follow-up" if followup else "cancelled" if status == "CANCELLED" else None,
        sources=sources,
    )


def parse_events(text: str, name: str, progress: Progress | None = None) -> list[Event]:
    """Every VEVENT of a calendar file; a problem raises ImportFormatError naming its line."""
    blocks = scan(text, name)
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except ValueError as exc:
        raise ImportFormatError(f"{name}: the calendar cannot be read ({exc}).") from None
    found: list[tuple[Any, str | None]] = []
    for calendar in calendars:
        zone = _text(calendar, "X-WR-TIMEZONE")
        floating = zone_name(datetime(2000, 1, 1, tzinfo=UTC), zone) if zone else None
        found.extend((event, floating) for event in calendar.walk("VEVENT"))
    if len(found) != len(blocks):
        raise ImportFormatError(f"{name}: events nested inside other components are not supported.")
    events = []
    for i, ((event, floating), block) in enumerate(zip(found, blocks, strict=True), 1):
        events.append(_event(event, block, name, floating))
        if progress is not None and (i % 100 == 0 or i == len(blocks)):
            progress(i, len(blocks))
    return events


def read_events(path: Path, progress: Progress | None = None) -> list[Event]:
    return parse_events(read_text(path, what="calendar", max_bytes=MAX_BYTES), path.name, progress)


# -- writing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingEntry:
    """A meeting as it goes into a calendar."""

    id: str
    title: str
    starts_at: str
    timezone: str | None
    place: str | None
    description: str | None
    kind: str | None
    tags: tuple[str, ...]
    marking: str
    attendees: tuple[Attendee, ...]


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
    event.add("uid", f"{entry.id}{MEETING_UID}")
    event.add("dtstamp", stamp)
    start = datetime.fromisoformat(entry.starts_at.replace("Z", "+00:00"))
    if entry.timezone:
        start = start.astimezone(ZoneInfo(entry.timezone))
    event.add("dtstart", start)
    event.add("dtend", start + MEETING_LENGTH)
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
    if meetings:
        first = min(m.starts_at for m in meetings)[:10]
        last = max(m.starts_at for m in meetings)[:10]
        calendar.add_missing_timezones(
            first_date=date.fromisoformat(first) - timedelta(days=366),
            last_date=date.fromisoformat(last) + timedelta(days=366),
        )
    data: bytes = calendar.to_ical()
    return data
