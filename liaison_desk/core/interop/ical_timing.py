"""When a meeting happens, as a VEVENT says it: start, end, all day, time zone, and a
series' rule with the occurrences it leaves out and adds.

One place reads it from an event (import) and writes it into one (export, and the
series handed to recurring-ical-events to list occurrences), so what is read is what
is written. Times are kept as meetings store them: UTC with a Z, and an all-day
meeting's days at 00:00Z with no zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from icalendar.timezone.tzid import tzid_from_dt
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.records import Meeting

_STAMP = "%Y-%m-%dT%H:%M:%SZ"
_LAST_ZONE_DAY = date(2100, 12, 31)  # VTIMEZONE rules are written up to here at most


class UnusableEvent(ImportFormatError):
    """An event the vault cannot hold (no readable start, an unreadable rule): skipped and
    reported by the importer, which names `prop`'s line."""

    def __init__(self, message: str, prop: str | None = None) -> None:
        super().__init__(message)
        self.prop = prop


@dataclass(frozen=True)
class Timing:
    starts_at: str
    ends_at: str | None = None
    timezone: str | None = None
    all_day: bool = False
    recurrence: str | None = None
    exdates: tuple[str, ...] = ()
    rdates: tuple[str, ...] = ()

    @property
    def is_series(self) -> bool:
        return self.recurrence is not None or bool(self.rdates)

    @classmethod
    def of(cls, meeting: Meeting) -> Timing:
        return cls(
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            timezone=meeting.timezone,
            all_day=meeting.all_day,
            recurrence=meeting.recurrence,
            exdates=meeting.exdates,
            rdates=meeting.rdates,
        )


@dataclass
class _Reading:
    """What reading one event's timing found that the vault does not keep."""

    not_kept: list[str] = field(default_factory=list)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def day_stamp(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def parse_stamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def zone_name(moment: datetime, tzid: str | None) -> str | None:
    """The IANA name of the zone a time is given in, if it has one (not for UTC)."""
    for candidate in (tzid, tzid_from_dt(moment)):
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


def _first(event: Any, name: str, reading: _Reading) -> Any:
    """The property; of several (two DTSTART lines), the first, the others reported."""
    value = event.get(name)
    if isinstance(value, list):
        reading.not_kept.append(f"{name} (a second one)")
        value = value[0] if value else None
    return value


def _broken(event: Any, name: str) -> str | None:
    return next((message for prop, message in event.errors if str(prop).upper() == name), None)


def _moment(value: Any, all_day: bool, zone: tzinfo) -> str:
    """A DTSTART-like value as stored: a date as its day, a floating time read in `zone`."""
    if isinstance(value, datetime):
        if all_day:
            return day_stamp(value.date())
        return stamp(value if value.tzinfo is not None else value.replace(tzinfo=zone))
    if isinstance(value, date):
        if all_day:
            return day_stamp(value)
        return stamp(datetime.combine(value, datetime.min.time(), zone))
    raise TypeError(value)


def _dates(event: Any, name: str, all_day: bool, zone: tzinfo, reading: _Reading) -> list[str]:
    """EXDATE or RDATE values, each as stored; unreadable ones (or a period's end) reported."""
    found: list[str] = []
    values = event.get(name)
    lost = bool(_broken(event, name))
    for prop in values if isinstance(values, list) else [values] if values is not None else []:
        if isinstance(prop, icalendar.vBroken) or not hasattr(prop, "dts"):
            lost = True
            continue
        for item in prop.dts:
            value = getattr(item, "dt", None)
            if isinstance(value, tuple):  # a PERIOD: its start is the occurrence
                reading.not_kept.append(f"{name} (period end)")
                value = value[0]
            try:
                found.append(_moment(value, all_day, zone))
            except TypeError:
                lost = True
    if lost:
        reading.not_kept.append(f"{name} (unreadable)")
    return found


def _end(event: Any, start: Any, all_day: bool, zone: tzinfo, reading: _Reading) -> str | None:
    """DTEND, or the start plus DURATION; one that is unreadable or before the start is
    left out and reported."""
    end_prop = _first(event, "DTEND", reading)
    duration_prop = _first(event, "DURATION", reading)
    if end_prop is not None and not _broken(event, "DTEND"):
        end = getattr(end_prop, "dt", None)
        if type(end) is type(start) or (isinstance(end, datetime) and isinstance(start, datetime)):
            return _moment(end, all_day, zone)
    elif duration_prop is not None and not _broken(event, "DURATION"):
        length = getattr(duration_prop, "dt", None)
        if isinstance(length, timedelta) and length >= timedelta(0):
            local = (
                start
                if not isinstance(start, datetime) or start.tzinfo
                else start.replace(tzinfo=zone)
            )
            try:
                return _moment(local + length, all_day, zone)
            except OverflowError:
                pass
    if end_prop is not None or duration_prop is not None:
        reading.not_kept.append("DTEND" if end_prop is not None else "DURATION")
    return None


def _rule_text(rule: Any, broken: str | None) -> str | None:
    """The RRULE as text; one icalendar could not read is read again without its spaces
    (Exchange writes "BYDAY= TU"), else the event is unusable."""
    if rule is None:
        return None
    if broken is None:
        return str(rule.to_ical().decode()) or None
    try:
        return str(icalendar.vRecur.from_ical("".join(str(rule).split())).to_ical().decode())
    except (ValueError, TypeError):
        raise UnusableEvent(f"its repeat rule (RRULE) cannot be read ({broken})", "RRULE") from None


def read_timing(event: Any, floating: str) -> tuple[Timing, list[str]]:
    """The event's timing and what of it the vault does not keep; raises UnusableEvent
    for an event with no readable start or an unreadable rule. A time without a zone
    (floating) is read in `floating`."""
    reading = _Reading()
    prop = _first(event, "DTSTART", reading)
    if prop is None:
        raise UnusableEvent("it has no start (DTSTART)")
    if message := _broken(event, "DTSTART"):
        raise UnusableEvent(f"its start (DTSTART) cannot be read ({message})", "DTSTART")
    start = getattr(prop, "dt", None)
    if not isinstance(start, date):
        raise UnusableEvent("its start (DTSTART) is not a date or a date-time", "DTSTART")
    all_day = not isinstance(start, datetime)
    zone: tzinfo = ZoneInfo(floating)
    timezone = None
    if isinstance(start, datetime):
        tzid = floating if start.tzinfo is None else getattr(prop, "params", {}).get("TZID")
        timezone = zone_name(start.replace(tzinfo=start.tzinfo or zone), tzid)
    rule = _first(event, "RRULE", reading)
    recurrence = _rule_text(rule, _broken(event, "RRULE"))
    end = _end(event, start, all_day, zone, reading)
    timing = Timing(
        starts_at=_moment(start, all_day, zone),
        ends_at=end,
        timezone=timezone,
        all_day=all_day,
        recurrence=recurrence,
        exdates=tuple(_dates(event, "EXDATE", all_day, zone, reading)),
        rdates=tuple(_dates(event, "RDATE", all_day, zone, reading)),
    )
    end = timing.ends_at
    if end is not None and (end < timing.starts_at or (all_day and end == timing.starts_at)):
        reading.not_kept.append("DTEND (not after the start)")
        timing = replace(timing, ends_at=None)
    return timing, reading.not_kept


def recurrence_id(event: Any, timing: Timing, floating: str) -> str | None:
    """The occurrence of a series this event replaces (RECURRENCE-ID), as stored."""
    prop = event.get("RECURRENCE-ID")
    value = getattr(prop, "dt", None)
    if value is None or _broken(event, "RECURRENCE-ID"):
        return None
    try:
        return _moment(value, timing.all_day, ZoneInfo(floating))
    except TypeError:
        return None


# -- writing -----------------------------------------------------------------------------------


def _local(value: str, zone: tzinfo) -> datetime:
    return parse_stamp(value).astimezone(zone)


def _day(value: str) -> date:
    return date.fromisoformat(value[:10])


def add_timing(event: icalendar.Event, timing: Timing) -> None:
    """DTSTART, DTEND, RRULE, EXDATE and RDATE as a calendar reads them: days as
    VALUE=DATE, times in the meeting's own zone (a TZID) or in UTC."""
    if timing.all_day:
        convert: Any = _day
    else:
        zone: tzinfo = ZoneInfo(timing.timezone) if timing.timezone else UTC

        def convert(value: str) -> datetime:
            return _local(value, zone)

    event.add("dtstart", convert(timing.starts_at))
    if timing.ends_at is not None:
        event.add("dtend", convert(timing.ends_at))
    if timing.recurrence:
        event.add("rrule", icalendar.vRecur.from_ical(timing.recurrence))
    for name, values in (("exdate", timing.exdates), ("rdate", timing.rdates)):
        if values:
            event.add(name, [convert(v) for v in values])


def last_day(timings: Iterable[Timing]) -> date | None:
    """The last day a set of meetings reaches (a series: its UNTIL, or five years on), so
    the VTIMEZONEs written cover every occurrence a calendar will show."""
    days: list[date] = []
    for t in timings:
        days.append(_day(t.ends_at or t.starts_at))
        days.extend(_day(d) for d in t.rdates)
        if t.recurrence:
            rule = icalendar.vRecur.from_ical(t.recurrence)
            until = rule.get("UNTIL")
            until_day = until[0] if until else None
            if isinstance(until_day, datetime):
                until_day = until_day.date()
            days.append(until_day or _day(t.starts_at) + timedelta(days=5 * 366))
    return min(max(days), _LAST_ZONE_DAY) if days else None
