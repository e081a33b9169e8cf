"""iCalendar (.ics) files read as events, with the `icalendar` library doing the parsing.

icalendar parses values, time zones (its own VTIMEZONEs, IANA names, Outlook's
Windows names) and attendees, and is lenient; `ical_scan` finds the line each
event and property starts on, so a problem is named where it is. An event the
vault cannot hold (no readable start, an unreadable rule, a line that cannot be
read) is skipped with the reason, and the rest of the file comes in; what an
event carries that the vault has no place for is counted ("not kept"), so
nothing is dropped without a word. Properties the application does not use
never refuse a file. Writing is `ical_writer`'s.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import icalendar

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.ical_scan import Block, closed_text, scan
from liaison_desk.core.interop.ical_timing import (
    Timing,
    UnusableEvent,
    read_timing,
    recurrence_id,
    zone_name,
)
from liaison_desk.core.interop.text_input import MB, read_text

MAX_BYTES = 64 * MB
Progress = Callable[[int, int], None]

_TAG = re.compile(r"<[^>]{0,500}>")
_BREAK = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)
_HTML_HINT = re.compile(r"<\s*/?\s*(?:br|p|div|b|i|u|a|ul|ol|li|span|strong|em)\b", re.IGNORECASE)
_LINE_ENDS = re.compile(r"\r*\n|\r")  # CR CR LF (iPhone exports), CR LF, LF or a lone CR
_ROLES = {"CHAIR": "chair", "OPT-PARTICIPANT": "optional", "NON-PARTICIPANT": "for information"}
_COMPONENTS = frozenset(
    {"VCALENDAR", "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE", "VALARM"}
)
# What a meeting keeps of an event (the timing's properties are read in ical_timing).
# DTSTAMP says when the file was written, not anything about the meeting.
_USED = frozenset(
    {
        "SUMMARY",
        "DTSTART",
        "DTEND",
        "DURATION",
        "RRULE",
        "EXDATE",
        "RDATE",
        "RECURRENCE-ID",
        "UID",
        "LOCATION",
        "DESCRIPTION",
        "CATEGORIES",
        "ATTENDEE",
        "ORGANIZER",
        "STATUS",
        "DTSTAMP",
        "X-LIAISON-ID",
        "X-LIAISON-KIND",
        "X-LIAISON-MARKING",
        "X-LIAISON-FOLLOWUP",
    }
)
# Values whose damage does not make the event unreadable here: the timing's (judged in
# ical_timing) and the file's own stamp.
_NOT_JUDGED = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "EXDATE", "RDATE", "DTSTAMP"})


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
    """One VEVENT as a meeting would hold it; `sources` maps fields to their lines.

    `skip` says why it will not become a meeting: "cancelled", "a follow-up", or
    (`damaged`) why it cannot be read, starting with its line.
    """

    line: int  # 0: not known (a file icalendar had to restructure)
    title: str
    starts_at: str  # UTC, 2026-03-14T09:30:00Z; "" for a damaged event
    ends_at: str | None = None
    timezone: str | None = None
    all_day: bool = False
    recurrence: str | None = None
    exdates: tuple[str, ...] = ()
    rdates: tuple[str, ...] = ()
    place: str | None = None
    notes: str | None = None
    attendees: tuple[Attendee, ...] = ()
    tags: tuple[str, ...] = ()
    kind: str | None = None
    marking: str = ""
    meeting_id: str | None = None  # X-LIAISON-ID: a meeting we exported
    uid: str | None = None
    recurrence_id: str | None = None  # a moved occurrence of the series with this UID
    skip: str | None = None
    damaged: bool = False
    not_kept: tuple[str, ...] = ()  # what of it the vault has no place for
    sources: tuple[tuple[str, int], ...] = ()

    @property
    def recurring(self) -> bool:
        return self.recurrence is not None or bool(self.rdates)

    @property
    def timing(self) -> Timing:
        return Timing(
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            timezone=self.timezone,
            all_day=self.all_day,
            recurrence=self.recurrence,
            exdates=self.exdates,
            rdates=self.rdates,
        )

    def line_of(self, field_name: str) -> int:
        return next((line for name, line in self.sources if name == field_name), self.line)


@dataclass(frozen=True)
class CalendarFile:
    """A calendar's events in file order, and the components it holds that are no events."""

    source: str
    events: tuple[Event, ...]
    others: tuple[tuple[str, int], ...] = ()  # ("VTODO", 2): not imported

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def not_kept(self, events: Sequence[Event] | None = None) -> list[tuple[str, int]]:
        """Each property the vault has no place for, with how many of `events` (by default
        those that become meetings or are already held) carry it, most frequent first."""
        chosen = [e for e in self.events if e.skip is None] if events is None else events
        counts = Counter(name for e in chosen for name in e.not_kept)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


# -- values ------------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """A description as plain text: Google writes HTML (<br>, <b>, links) into DESCRIPTION."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _HTML_HINT.search(text):
        text = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    return text.strip()


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


def _categories(event: Any, kind: str | None) -> tuple[str, ...]:
    """Its categories as tags; the first is the kind in events we wrote, not a tag."""
    values = event.get("CATEGORIES", [])
    out: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        out.extend(str(c).strip() for c in getattr(value, "cats", []) if str(c).strip())
    if kind and out and out[0] == kind:
        out = out[1:]
    return tuple(dict.fromkeys(out))


def _not_kept(event: Any) -> list[str]:
    names = [str(name).upper() for name in event]
    names = [n for n in names if n not in _USED]
    if "CLASS" in names and str(event.get("CLASS", "")).upper() == "PRIVATE":
        names.remove("CLASS")  # what we write for every meeting
    names += [c.name for c in event.subcomponents]
    return names


def _damage(event: Any, block: Block | None) -> tuple[str | None, int | None]:
    """Why an event cannot be read, and the line: an unreadable line, or an unreadable
    value of a property the meeting keeps (the timing's are judged in ical_timing)."""
    for prop, message in event.errors:
        name = str(prop or "").upper()
        if not name:
            line = block.odd[0] if block and block.odd else None
            return f"a line cannot be read ({message})", line
        if name in _USED and name not in _NOT_JUDGED:
            line = block.props.get(name) if block else None
            return f"its {name} cannot be read ({message})", line
    return None, None


def _where(source: str, line: int | None) -> str:
    return f"{source}, line {line}" if line else source


def _event(event: Any, block: Block | None, source: str, floating: str) -> Event:
    line = block.line if block else 0
    title = _text(event, "SUMMARY") or "(no title)"
    reason, at = _damage(event, block)
    if block is not None and not block.closed:
        reason, at = "the file ends inside it (END:VEVENT is missing); it may be truncated", line
    try:
        if reason is not None:
            raise UnusableEvent(reason)
        timing, not_kept = read_timing(event, floating)
    except UnusableEvent as exc:
        if at is None and exc.prop and block is not None:
            at = block.props.get(exc.prop)
        return Event(
            line=line,
            title=title,
            starts_at="",
            skip=f"{_where(source, at or line)}: {exc.message}",
            damaged=True,
        )
    kind = _text(event, "X-LIAISON-KIND")
    followup = _text(event, "X-LIAISON-FOLLOWUP")
    status = (_text(event, "STATUS") or "").upper()
    description = _text(event, "DESCRIPTION")
    props = block.props if block else {}
    sources = tuple(
        (field_name, props[prop])
        for field_name, prop in (
            ("title", "SUMMARY"),
            ("starts_at", "DTSTART"),
            ("ends_at", "DTEND"),
            ("recurrence", "RRULE"),
            ("place", "LOCATION"),
            ("notes", "DESCRIPTION"),
            ("marking", "X-LIAISON-MARKING"),
            ("kind", "X-LIAISON-KIND"),
            ("tags", "CATEGORIES"),
        )
        if prop in props
    )
    return Event(
        line=line,
        title=title,
        starts_at=timing.starts_at,
        ends_at=timing.ends_at,
        timezone=timing.timezone,
        all_day=timing.all_day,
        recurrence=timing.recurrence,
        exdates=timing.exdates,
        rdates=timing.rdates,
        place=_text(event, "LOCATION"),
        notes=plain_text(description) if description else None,
        attendees=_attendees(event),
        tags=_categories(event, kind),
        kind=kind,
        marking=_text(event, "X-LIAISON-MARKING") or "",
        meeting_id=_text(event, "X-LIAISON-ID"),
        uid=_text(event, "UID"),
        recurrence_id=recurrence_id(event, timing, floating),
        skip="a follow-up" if followup else "cancelled" if status == "CANCELLED" else None,
        not_kept=tuple(dict.fromkeys([*_not_kept(event), *not_kept])),
        sources=sources,
    )


def _floating(calendar: Any, station: str) -> str:
    """Where a time without a zone is read: the calendar's X-WR-TIMEZONE, else the station's."""
    zone = _text(calendar, "X-WR-TIMEZONE") if calendar.name == "VCALENDAR" else None
    named = zone_name(datetime(2000, 1, 1, tzinfo=UTC), zone) if zone else None
    return named or station


def _components(text: str, source: str) -> list[Any]:
    try:
        found: list[Any] = icalendar.Calendar.from_ical(text, multiple=True)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        # icalendar's own word on a file it cannot read, whatever it raised
        raise ImportFormatError(f"{source}: the calendar cannot be read ({exc}).") from None
    return found


def parse_events(
    text: str, source: str, progress: Progress | None = None, *, station: str
) -> CalendarFile:
    """Every VEVENT of a calendar file, readable or skipped with its reason; the file is
    refused only when it is no calendar or icalendar cannot read it at all. `station`:
    the zone a time without one is read in, unless the calendar names its own."""
    text = _LINE_ENDS.sub("\r\n", text)
    layout = scan(text)
    components = _components(closed_text(text, layout), source)
    found: list[tuple[Any, str]] = []
    others: Counter[str] = Counter()
    for component in components:
        floating = _floating(component, station)
        found.extend((event, floating) for event in component.walk("VEVENT"))
        children = component.subcomponents if component.name == "VCALENDAR" else [component]
        others.update(c.name for c in children if c.name not in ("VEVENT", "VTIMEZONE"))
    if not found and not any(c.name in _COMPONENTS for c in components):
        raise ImportFormatError(
            f"{source}, line 1: expected BEGIN:VCALENDAR; is this a calendar file?"
        )
    # icalendar walks events in file order; if it had to restructure a damaged file,
    # the lines are not known.
    blocks: list[Block | None] = list(layout.events)
    if len(blocks) != len(found):
        blocks = [None] * len(found)
    events = []
    for i, ((event, floating), block) in enumerate(zip(found, blocks, strict=True), 1):
        events.append(_event(event, block, source, floating))
        if progress is not None and (i % 100 == 0 or i == len(found)):
            progress(i, len(found))
    return CalendarFile(source, tuple(_with_moved(events)), tuple(sorted(others.items())))


def _with_moved(events: Sequence[Event]) -> list[Event]:
    """A series with occurrences moved or cancelled on their own (events with its UID and
    a RECURRENCE-ID): those occurrences are left out of the series, and each moved one is a
    meeting of its own, so none shows twice."""
    moved: dict[str, set[str]] = {}
    for e in events:
        if e.recurrence_id and e.uid and not e.damaged:
            moved.setdefault(e.uid, set()).add(e.recurrence_id)
    out = []
    for e in events:
        if e.recurrence_id:
            e = replace(e, uid=None)  # the UID is the series'
        elif e.uid in moved and e.recurring:
            e = replace(e, exdates=tuple(sorted({*e.exdates, *moved[e.uid]})))
        out.append(e)
    return out


def read_events(path: Path, progress: Progress | None = None, *, station: str) -> CalendarFile:
    text = read_text(path, what="calendar", max_bytes=MAX_BYTES)
    return parse_events(text, path.name, progress, station=station)
