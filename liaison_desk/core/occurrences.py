"""The occurrences of meetings over a span of days, a series expanded into its dates.

A series is stored once (its first occurrence, rule and exceptions); where meetings
are listed by date (the Today page, `meeting list --from/--to`, period reports)
each occurrence in the span is listed, expanded by recurring-ical-events from the
same VEVENT the export writes (`ical_timing`), so the dates shown are the dates
any calendar shows. Days are the station's: a meeting at 23:30 UTC is on the next
day in Nairobi, and an all-day meeting is on its own day everywhere.
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from liaison_desk.core.interop.ical_timing import Timing, add_timing, day_stamp, parse_stamp, stamp
from liaison_desk.core.kinds import MEETING
from liaison_desk.core.records import Meeting
from liaison_desk.core.sqlite_types import Connection

log = logging.getLogger("liaison_desk.meetings")

# Stored like `MEETING.columns()`: a series is a meeting with a rule or added dates.
SERIES = "(recurrence IS NOT NULL OR rdates != '[]')"
# The live series' ids, from their own small index: `m.id NOT IN (…)` leaves them out of a
# query that reads meetings through a covering index, which SERIES itself would defeat.
SERIES_IDS = f"SELECT id FROM meetings INDEXED BY meetings_series WHERE deleted = 0 AND {SERIES}"
_FIRST_SPAN_DAYS = 35  # a monthly series' last one, found in the first expansion
_EXPANSION_ERRORS = (
    ValueError,
    TypeError,
    OverflowError,
    recurring_ical_events.InvalidCalendar,
    recurring_ical_events.PeriodEndBeforeStart,
)


@dataclass(frozen=True)
class Occurrence:
    """One date of a meeting: the meeting itself for a single one."""

    meeting: Meeting
    starts_at: str  # UTC as meetings store it; an all-day one's day at 00:00Z
    ends_at: str | None

    def local(self, zone: ZoneInfo) -> datetime:
        """When it starts on a clock in `zone` (an all-day one: its day at midnight there)."""
        moment = parse_stamp(self.starts_at)
        if self.meeting.all_day:
            return datetime.combine(moment.date(), time(), zone)
        return moment.astimezone(zone)


def is_series(meeting: Meeting) -> bool:
    return meeting.recurrence is not None or bool(meeting.rdates)


def _bounds(first: date, end: date, zone: ZoneInfo) -> tuple[str, str]:
    return (
        stamp(datetime.combine(first, time(), zone)),
        stamp(datetime.combine(end, time(), zone)),
    )


def _within(starts_at: str, all_day: bool, first: date, end: date, zone: ZoneInfo) -> bool:
    if all_day:
        return day_stamp(first) <= starts_at < day_stamp(end)
    low, high = _bounds(first, end, zone)
    return low <= starts_at < high


def _single(meeting: Meeting) -> Occurrence:
    return Occurrence(meeting, meeting.starts_at, meeting.ends_at)


def _found(meeting: Meeting, low: datetime, high: datetime) -> list[icalendar.Event]:
    """The series' occurrences from `low` up to `high` as a calendar expands them; raises
    one of `_EXPANSION_ERRORS` for a series it cannot expand."""
    event = icalendar.Event()
    event.add("uid", meeting.id)
    add_timing(event, Timing.of(meeting))
    calendar = icalendar.Calendar()
    calendar.add_component(event)
    return list(recurring_ical_events.of(calendar).between(low, high))


def _stamp_of(value: date | datetime, all_day: bool) -> str:
    """An occurrence's DTSTART or DTEND as meetings store it."""
    if all_day or not isinstance(value, datetime):
        return day_stamp(value.date() if isinstance(value, datetime) else value)
    return stamp(value if value.tzinfo else value.replace(tzinfo=UTC))


def _expanded(meeting: Meeting, first: date, end: date, zone: ZoneInfo) -> list[Occurrence]:
    """The series' occurrences starting on days `first` up to (not including) `end`."""
    # A day of slack each side: an occurrence's day depends on the zone, checked below.
    low = datetime.combine(first - timedelta(days=1), time(), UTC)
    high = datetime.combine(end + timedelta(days=1), time(), UTC)
    try:
        found = _found(meeting, low, high)
    except _EXPANSION_ERRORS:
        log.warning("meeting %s: its series cannot be expanded; shown once", meeting.id)
        single = _single(meeting)
        return [single] if _within(single.starts_at, meeting.all_day, first, end, zone) else []
    out = []
    for component in found:
        starts_at = _stamp_of(component.get("DTSTART").dt, meeting.all_day)
        finish = component.get("DTEND")
        ends_at = None
        if meeting.ends_at is not None and finish is not None:
            ends_at = _stamp_of(finish.dt, meeting.all_day)
        if _within(starts_at, meeting.all_day, first, end, zone):
            out.append(Occurrence(meeting, starts_at, ends_at))
    return out


def latest_start(meeting: Meeting, now: str) -> str | None:
    """The start of the series' latest occurrence at or before `now` (a stamp as stored),
    so a contact met every month was last met this month, not on the first date; None when
    every one so far was cancelled.

    A series that cannot be expanded counts its first start, as the lists by date show it.
    """
    try:
        starts = _day_starts(meeting, now[:10])
    except _EXPANSION_ERRORS:
        log.warning("meeting %s: its series cannot be expanded; counted once", meeting.id)
        return meeting.starts_at if meeting.starts_at <= now else None
    found = bisect.bisect_right(starts, now)
    return starts[found - 1] if found else None


@functools.lru_cache(maxsize=1024)
def _day_starts(meeting: Meeting, day: str) -> tuple[str, ...]:
    """The series' starts up to the end of `day` (UTC), sorted, from the last one before
    that day on: whatever moment of the day asks, its latest occurrence is among them.

    Kept for the day (a series edited is another `meeting`): the contact list asks again
    for every page it shows. Expanded backwards over a span doubled until it holds an
    occurrence before the day or reaches the first start, so a daily series of ten years
    costs its last month, not 3,650 dates.
    """
    first = parse_stamp(meeting.starts_at) - timedelta(days=1)
    day_start = datetime.combine(date.fromisoformat(day), time(), UTC)
    high = day_start + timedelta(days=1)
    span = timedelta(days=_FIRST_SPAN_DAYS)
    while True:
        low = max(first, day_start - span)
        starts = sorted(
            _stamp_of(c.get("DTSTART").dt, meeting.all_day) for c in _found(meeting, low, high)
        )
        if (starts and starts[0] < day) or low == first:
            return tuple(starts)
        span *= 2


def occurrences(
    meetings: Iterable[Meeting], first: date, end: date, zone: ZoneInfo
) -> list[Occurrence]:
    """Each meeting's occurrences on days `first` up to (not including) `end` at the
    station (zone `zone`), in time order; a single meeting is its own one occurrence."""
    out: list[Occurrence] = []
    for meeting in meetings:
        if is_series(meeting):
            out.extend(_expanded(meeting, first, end, zone))
        elif _within(meeting.starts_at, meeting.all_day, first, end, zone):
            out.append(_single(meeting))
    out.sort(key=lambda o: (o.local(zone), o.meeting.id))
    return out


def meetings_between(conn: Connection, first: date, end: date, zone: ZoneInfo) -> list[Occurrence]:
    """Occurrences of the live meetings on days `first` up to `end` at the station: the
    meetings starting then (start index), and the series that started before (index of
    series)."""
    low, high = _bounds(first - timedelta(days=1), end + timedelta(days=1), zone)
    rows = conn.execute(
        f"SELECT {MEETING.columns()} FROM meetings "
        "WHERE deleted = 0 AND starts_at >= ? AND starts_at < ? "
        f"UNION ALL SELECT {MEETING.columns()} FROM meetings "
        f"WHERE deleted = 0 AND {SERIES} AND starts_at < ?",
        (low, high, low),
    ).fetchall()
    return occurrences((MEETING.from_row(row) for row in rows), first, end, zone)
