"""Calendars as Outlook and Google write them, read with their time zones, ends, series and
attendees; a bad event skipped and named at its line, the rest read; ours written so any
calendar shows them."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import icalendar
import pytest

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.ical import Attendee, parse_events, read_events
from liaison_desk.core.interop.ical_timing import Timing
from liaison_desk.core.interop.ical_writer import FollowUpEntry, MeetingEntry, calendar_bytes
from tests.core.interop.conftest import FIXTURES


def _calendar(*lines: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        + "".join(f"{line}\r\n" for line in lines)
        + ("END:VCALENDAR\r\n")
    )


def test_outlook_events_with_a_windows_time_zone() -> None:
    talks, weekly, cancelled = read_events(FIXTURES / "outlook.ics", station="UTC")

    assert talks.title == "Staff talks on the joint exercise"
    assert talks.starts_at == "2026-03-14T09:30:00Z"  # 10:30 in "W. Europe Standard Time"
    assert talks.ends_at == "2026-03-14T10:30:00Z"
    assert talks.timezone == "Europe/Berlin"
    assert talks.place == "Balard, salle 3"
    assert talks.notes == (
        "Agenda:\n1. Dates of the joint exercise\n2. Interpreters, transport and lodging"
    )
    assert [(a.name, a.email, a.role) for a in talks.attendees] == [
        ("Smith, John", "john.smith@mod.example.uk", "organizer"),
        ("Girard, Hélène", "helene.girard@defense.gouv.example", None),
        ("Jürgen Müller", "juergen.mueller@bmvg.example.de", "optional"),
    ]  # the meeting room (CUTYPE=ROOM) is not a person
    assert talks.uid is not None and talks.uid.startswith("040000008200E00074C5B7101A82E008")
    assert {"VALARM", "X-MICROSOFT-CDO-BUSYSTATUS", "CLASS", "PRIORITY"} <= set(talks.not_kept)
    assert weekly.recurring and weekly.starts_at == "2026-04-01T07:00:00Z"  # summer time
    assert weekly.recurrence == "FREQ=WEEKLY;COUNT=10;BYDAY=WE"
    assert weekly.exdates == ("2026-04-15T07:00:00Z",)
    assert cancelled.skip == "cancelled"


def test_google_events_with_html_descriptions_all_day_and_utc() -> None:
    call, reception, tokyo = read_events(FIXTURES / "google.ics", station="UTC")

    assert call.starts_at == "2026-04-20T06:00:00Z" and call.timezone == "Africa/Nairobi"
    assert call.notes == (
        "Courtesy call before the exercise.\nBring the MoU draft & the visit programme.\n\n"
        "Join by phone: +254 20 000 0000"
    )
    assert [a.label() for a in call.attendees] == [
        "liaison.officer@example.org",
        "Wanjiru Mwangi <wanjiru.mwangi@mod.example.ke>",
        "otieno@example.ke",
    ]
    assert reception.all_day and reception.timezone is None
    assert (reception.starts_at, reception.ends_at) == (
        "2026-05-01T00:00:00Z",
        "2026-05-02T00:00:00Z",
    )
    assert tokyo.starts_at == "2026-05-05T07:00:00Z" and tokyo.timezone is None


@pytest.mark.parametrize(
    ("fixture", "readable", "reason"),
    [
        (
            "truncated.ics",
            0,
            r"truncated\.ics, line 18: the file ends inside it \(END:VEVENT is missing\)",
        ),
        ("bad-date.ics", 0, r"bad-date\.ics, line 7: its start \(DTSTART\) cannot be read"),
        ("not-a-property.ics", 0, r"not-a-property\.ics, line 5: a line cannot be read"),
        ("mismatched-end.ics", 1, None),  # END:VTODO closes the event: it is readable
    ],
)
def test_a_damaged_event_is_skipped_at_its_line(
    fixture: str, readable: int, reason: str | None
) -> None:
    events = read_events(FIXTURES / fixture, station="UTC")

    assert sum(1 for e in events if e.skip is None) == readable
    damaged = [e for e in events if e.damaged]
    assert len(damaged) == (0 if reason is None else 1)
    if reason is not None:
        assert re.match(reason, str(damaged[0].skip))


def test_files_that_are_no_calendar_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"line 1: expected BEGIN:VCALENDAR"):
        read_events(FIXTURES / "apple-contacts-3.0.vcf", station="UTC")
    binary = tmp_path / "x.ics"
    binary.write_bytes(b"BEGIN:VCALENDAR\r\n" + bytes(range(256)))
    with pytest.raises(ImportFormatError, match=r"x\.ics, line 2: binary data"):
        read_events(binary, station="UTC")


def test_the_rest_of_the_file_comes_in_past_a_bad_event() -> None:
    text = _calendar(
        "BEGIN:VEVENT",
        "SUMMARY:No start",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "SUMMARY:Lunch",
        "DTSTART:20260601T100000Z",
        "END:VEVENT",
    )

    nostart, lunch = parse_events(text, "y.ics", station="UTC")

    assert nostart.damaged and nostart.skip == "y.ics, line 3: it has no start (DTSTART)"
    assert lunch.skip is None and lunch.starts_at == "2026-06-01T10:00:00Z"


def test_properties_the_vault_does_not_use_never_refuse_a_file() -> None:
    """Two DTSTART lines, a bad DTSTAMP, an empty EXDATE, text after END:VCALENDAR."""
    text = (
        _calendar(
            "BEGIN:VEVENT",
            "UID:a-1",
            "SUMMARY:Dinner",
            "DTSTAMP:yesterday",
            "DTSTART:20260601T180000Z",
            "DTSTART:20260601T190000Z",
            "RRULE:FREQ=DAILY;COUNT=3",
            "EXDATE:",
            "X-SOMETHING:else",
            "END:VEVENT",
        )
        + "X-COMMENT:Cached from 2022-02-20\r\n"
    )

    [dinner] = parse_events(text, "odd.ics", station="UTC")

    assert dinner.skip is None and dinner.starts_at == "2026-06-01T18:00:00Z"
    assert dinner.recurrence == "FREQ=DAILY;COUNT=3" and dinner.exdates == ()
    assert set(dinner.not_kept) == {"DTSTART (a second one)", "EXDATE (unreadable)", "X-SOMETHING"}


def test_exchange_rule_with_spaces_is_read() -> None:
    text = _calendar(
        "BEGIN:VEVENT",
        "SUMMARY:Monthly",
        "DTSTART:20260106T090000Z",
        "RRULE:FREQ=MONTHLY;BYDAY= TU;BYSETPOS=1",
        "END:VEVENT",
    )
    [monthly] = parse_events(text, "x.ics", station="UTC")
    assert monthly.recurrence is not None and "BYDAY=TU" in monthly.recurrence


def test_floating_times_take_the_calendars_zone_else_the_stations() -> None:
    lines = ("BEGIN:VEVENT", "SUMMARY:Lunch", "DTSTART:20260601T120000", "END:VEVENT")

    [tokyo] = parse_events(_calendar("X-WR-TIMEZONE:Asia/Tokyo", *lines), "t.ics", station="UTC")
    [nairobi] = parse_events(_calendar(*lines), "t.ics", station="Africa/Nairobi")

    assert (tokyo.starts_at, tokyo.timezone) == ("2026-06-01T03:00:00Z", "Asia/Tokyo")
    assert (nairobi.starts_at, nairobi.timezone) == ("2026-06-01T09:00:00Z", "Africa/Nairobi")


def test_duration_gives_the_end() -> None:
    text = _calendar(
        "BEGIN:VEVENT",
        "SUMMARY:Talks",
        "DTSTART;TZID=Europe/Paris:20260314T103000",
        "DURATION:PT1H30M",
        "END:VEVENT",
    )
    [talks] = parse_events(text, "d.ics", station="UTC")
    assert (talks.starts_at, talks.ends_at) == ("2026-03-14T09:30:00Z", "2026-03-14T11:00:00Z")


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.replace("\r\n", "\r\r\n").encode(),  # iPhone's CR CR LF
        lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        lambda text: codecs.BOM_UTF8 + text.encode(),
    ],
)
def test_encodings_and_line_ends(tmp_path: Path, encode: object) -> None:
    text = _calendar(
        "BEGIN:VEVENT",
        "SUMMARY:Réunion avec l'attaché de défense et son adjoint",
        "DTSTART:20260601T100000Z",
        "DESCRIPTION:Une longue description qui est pliée sur deux lignes parce qu'elle",
        "  dépasse soixante-quinze octets.",
        "END:VEVENT",
    )
    path = tmp_path / "phone.ics"
    assert callable(encode)
    path.write_bytes(encode(text))

    [meeting] = read_events(path, station="UTC")

    assert meeting.title == "Réunion avec l'attaché de défense et son adjoint"
    assert meeting.notes is not None and meeting.notes.endswith("dépasse soixante-quinze octets.")


def test_a_moved_occurrence_leaves_the_series_and_stands_alone() -> None:
    text = _calendar(
        "BEGIN:VEVENT",
        "UID:series-1",
        "SUMMARY:Weekly call",
        "DTSTART:20260105T090000Z",
        "RRULE:FREQ=WEEKLY;COUNT=4",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:series-1",
        "RECURRENCE-ID:20260112T090000Z",
        "SUMMARY:Weekly call (moved)",
        "DTSTART:20260113T150000Z",
        "END:VEVENT",
    )

    series, moved = parse_events(text, "s.ics", station="UTC")

    assert series.exdates == ("2026-01-12T09:00:00Z",) and series.uid == "series-1"
    assert moved.starts_at == "2026-01-13T15:00:00Z" and moved.uid is None


def test_our_calendar_carries_time_zones_attendees_and_follow_ups() -> None:
    meeting = MeetingEntry(
        id="01934b2e-0000-7000-8000-000000000001",
        title="Staff talks",
        timing=Timing(
            starts_at="2026-03-14T09:30:00Z",
            ends_at="2026-03-14T11:00:00Z",
            timezone="Europe/Paris",
            recurrence="FREQ=WEEKLY;COUNT=5",
            exdates=("2026-03-21T09:30:00Z",),
        ),
        place="Balard, salle 3",
        description="Agenda",
        kind="meeting",
        tags=("navy",),
        marking="RESTRICTED",
        attendees=(
            Attendee("Hélène Girard", "helene@example.fr", "c1"),
            Attendee("Jürgen Müller", None, "01934b2e-0000-7000-8000-0000000000aa", "chair"),
        ),
    )
    due = FollowUpEntry(
        "f1", "Send the MoU draft", "2026-03-20", "Meeting: Staff talks", meeting.id, "RESTRICTED"
    )

    data = calendar_bytes([meeting], [due], 1_780_000_000_000)

    calendar = icalendar.Calendar.from_ical(data)
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Paris"]
    event, followup = calendar.walk("VEVENT")
    assert event.start.isoformat() == "2026-03-14T10:30:00+01:00"
    assert event.end.isoformat() == "2026-03-14T12:00:00+01:00"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(event["UID"]) == f"{meeting.id}@liaison-desk"  # stable: derived from the id
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=5"
    assert [d.dt.isoformat() for d in event["EXDATE"].dts] == ["2026-03-21T10:30:00+01:00"]
    assert [str(a) for a in event["ATTENDEE"]] == [
        "mailto:helene@example.fr",
        "urn:uuid:01934b2e-0000-7000-8000-0000000000aa",
    ]
    assert str(event["X-LIAISON-MARKING"]) == "RESTRICTED"
    assert followup.start.isoformat() == "2026-03-20" and str(followup["TRANSP"]) == "TRANSPARENT"
    assert str(calendar["METHOD"]) == "PUBLISH"  # shown, never sent as invitations
    back, followup_back = parse_events(data.decode(), "ours.ics", station="UTC")
    assert back.timing == meeting.timing
    assert (back.meeting_id, back.tags) == (meeting.id, ("navy",))  # the kind is no tag
    assert [a.contact_id for a in back.attendees] == [None, "01934b2e-0000-7000-8000-0000000000aa"]
    assert followup_back.skip == "a follow-up"


def test_all_day_stays_a_day_both_ways() -> None:
    """New Year's Day is 1 January in New York too, not 19:00 on 31 December."""
    day = MeetingEntry(
        id="01934b2e-0000-7000-8000-000000000002",
        title="New Year reception",
        timing=Timing(
            starts_at="2026-01-01T00:00:00Z", ends_at="2026-01-02T00:00:00Z", all_day=True
        ),
        place=None,
        description=None,
        kind="reception",
        tags=(),
        marking="",
        attendees=(),
        uid="newyear@example.org",
    )

    data = calendar_bytes([day], [], 1_780_000_000_000)

    assert b"DTSTART;VALUE=DATE:20260101" in data and b"DTEND;VALUE=DATE:20260102" in data
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert str(event["UID"]) == "newyear@example.org"  # the UID it came with
    [back] = parse_events(data.decode(), "d.ics", station="America/New_York")
    assert back.timing == day.timing
