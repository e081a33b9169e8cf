"""Calendars as Outlook and Google write them, read with their time zones and attendees;
ours written so any calendar shows them; broken files refused at their line."""

from __future__ import annotations

from pathlib import Path

import icalendar
import pytest

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.ical import (
    Attendee,
    FollowUpEntry,
    MeetingEntry,
    calendar_bytes,
    parse_events,
    read_events,
)
from tests.core.interop.conftest import FIXTURES


def test_outlook_events_with_a_windows_time_zone() -> None:
    talks, weekly, cancelled = read_events(FIXTURES / "outlook.ics")

    assert talks.title == "Staff talks on the joint exercise"
    assert talks.starts_at == "2026-03-14T09:30:00Z"  # 10:30 in "W. Europe Standard Time"
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
    assert weekly.recurring and weekly.starts_at == "2026-04-01T07:00:00Z"  # summer time
    assert cancelled.skip == "cancelled"


def test_google_events_with_html_descriptions_all_day_and_utc() -> None:
    call, reception, tokyo = read_events(FIXTURES / "google.ics")

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
    assert reception.all_day and reception.starts_at == "2026-05-01T00:00:00Z"
    assert tokyo.starts_at == "2026-05-05T07:00:00Z" and tokyo.timezone is None


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        (
            "truncated.ics",
            r"truncated\.ics, line 30: the file ends inside the VEVENT opened at line 18",
        ),
        ("mismatched-end.ics", r"mismatched-end\.ics, line 7: END:VTODO does not close the VEVENT"),
        ("bad-date.ics", r"bad-date\.ics, line 7: the DTSTART value cannot be read"),
        ("not-a-property.ics", r"not-a-property\.ics, line 5: this line is not an iCalendar"),
        ("apple-contacts-3.0.vcf", r"line 1: expected BEGIN:VCALENDAR"),
    ],
)
def test_broken_calendars_name_the_line(fixture: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_events(FIXTURES / fixture)


def test_binary_and_missing_start_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "x.ics"
    binary.write_bytes(b"BEGIN:VCALENDAR\r\n" + bytes(range(256)))
    with pytest.raises(
        ImportFormatError, match=r"x\.ics, line 2: binary data; this is not a calendar"
    ):
        read_events(binary)
    text = "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\nEND:VCALENDAR\n"
    with pytest.raises(
        ImportFormatError, match=r"y\.ics, line 3: the event starting here has no start"
    ):
        parse_events(text, "y.ics")


def test_floating_times_take_the_calendars_time_zone() -> None:
    text = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nX-WR-TIMEZONE:Asia/Tokyo\nBEGIN:VEVENT\n"
        "SUMMARY:Lunch\nDTSTART:20260601T120000\nEND:VEVENT\nEND:VCALENDAR\n"
    )

    [lunch] = parse_events(text, "t.ics")

    assert (lunch.starts_at, lunch.timezone) == ("2026-06-01T03:00:00Z", "Asia/Tokyo")


def test_our_calendar_carries_time_zones_attendees_and_follow_ups() -> None:
    meeting = MeetingEntry(
        id="01934b2e-0000-7000-8000-000000000001",
        title="Staff talks",
        starts_at="2026-03-14T09:30:00Z",
        timezone="Europe/Paris",
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
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert [str(a) for a in event["ATTENDEE"]] == [
        "mailto:helene@example.fr",
        "urn:uuid:01934b2e-0000-7000-8000-0000000000aa",
    ]
    assert str(event["X-LIAISON-MARKING"]) == "RESTRICTED"
    assert followup.start.isoformat() == "2026-03-20" and str(followup["TRANSP"]) == "TRANSPARENT"
    assert str(calendar["METHOD"]) == "PUBLISH"  # shown, never sent as invitations
    back, followup_back = parse_events(data.decode(), "ours.ics")
    assert (back.meeting_id, back.starts_at, back.timezone) == (
        meeting.id,
        meeting.starts_at,
        "Europe/Paris",
    )
    assert [a.contact_id for a in back.attendees] == [None, "01934b2e-0000-7000-8000-0000000000aa"]
    assert followup_back.skip == "a follow-up"
