"""Calendar events in as meetings with their attendees matched to contacts; meetings out
as a calendar; a refused event skipped, or (strict) all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.ical import parse_events, read_events
from liaison_desk.core.interop.meeting_export import export_ics
from liaison_desk.core.interop.meeting_import import NEW, apply_events, preview_events
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.relations import participants
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.core.interop.conftest import FIXTURES
from tests.people import add_person

EVERYTHING = ListQuery(limit=10_000)


@pytest.fixture
def people(vault: Vault) -> dict[str, Contact]:
    s = vault.store
    added = [
        add_person(s, "Hélène Girard", emails=("helene.girard@defense.gouv.example",)),
        add_person(s, "Jürgen Müller"),  # no email: matched by name
        add_person(s, "Wanjiru Mwangi", emails=("Wanjiru.Mwangi@mod.example.ke",)),
        add_person(s, "John Smith", country="GB"),  # Outlook writes "Smith, John"
    ]
    return {c.full_name: c for c in added}


def meetings(vault: Vault) -> dict[str, Meeting]:
    return {m.title: m for m in vault.store.list(Meeting, EVERYTHING)}


def test_outlook_events_become_meetings_with_participants(
    vault: Vault, people: dict[str, Contact]
) -> None:
    events = read_events(FIXTURES / "outlook.ics", station="UTC")

    summary = apply_events(vault, events)

    assert (summary.added, summary.skipped, summary.participants, summary.unmatched) == (2, 1, 4, 0)
    talks = meetings(vault)["Staff talks on the joint exercise"]
    assert (talks.starts_at, talks.timezone, talks.place) == (
        "2026-03-14T09:30:00Z",
        "Europe/Berlin",
        "Balard, salle 3",
    )
    roles = {a.contact.full_name: a.participant.role for a in participants(vault.store, talks.id)}
    assert roles == {"John Smith": "organizer", "Hélène Girard": None, "Jürgen Müller": "optional"}
    weekly = meetings(vault)["Weekly attaché coordination call"]
    assert (weekly.recurrence, weekly.exdates) == (
        "FREQ=WEEKLY;COUNT=10;BYDAY=WE",
        ("2026-04-15T07:00:00Z",),
    )  # kept as a series, not its first occurrence
    assert (talks.ends_at, weekly.notes) == ("2026-03-14T10:30:00Z", None)
    assert "Canceled: Reception at the embassy" not in meetings(vault)


def test_attendees_not_in_the_contact_book_are_kept_in_the_notes(
    vault: Vault, people: dict[str, Contact]
) -> None:
    apply_events(vault, read_events(FIXTURES / "google.ics", station="UTC"))

    call = meetings(vault)["Courtesy call \u2013 Kenya Defence Forces"]
    assert [a.contact.full_name for a in participants(vault.store, call.id)] == ["Wanjiru Mwangi"]
    assert call.notes is not None and call.notes.endswith(
        "Attendees not in the contact book: liaison.officer@example.org; otieno@example.ke."
    )
    assert vault.store.count(Contact) == 4  # nobody is created behind the user's back


def test_importing_twice_adds_nothing_the_second_time(
    vault: Vault, people: dict[str, Contact]
) -> None:
    events = read_events(FIXTURES / "google.ics", station="UTC")
    apply_events(vault, events)

    found = preview_events(vault.store, events)
    summary = apply_events(vault, events)

    assert [r.status for r in found.rows] == ["already in the vault"] * 3
    assert (summary.added, summary.held) == (0, 3)
    assert vault.store.count(Meeting) == 3
    entries = [e.detail for e in audit.entries(vault.conn) if e.event == "import"]
    assert entries[0] == {
        "kind": "meeting",
        "format": "ics",
        "added": 0,
        "merged": 0,
        "held": 3,
        "skipped": 0,
        "participants": 0,
    }


def test_an_event_the_vault_refuses_is_skipped_with_its_line(vault: Vault) -> None:
    text = (FIXTURES / "google.ics").read_text(encoding="utf-8")
    text = text.replace("SUMMARY:Call with the Tokyo attaché", "SUMMARY:" + "x" * 1_200)
    events = parse_events(text, "long.ics", station="UTC")

    with pytest.raises(ImportFormatError, match=r"long\.ics, line 63: The title is longer"):
        apply_events(vault, events, strict=True)
    assert vault.store.count(Meeting) == 0  # --strict: every event or none

    summary = apply_events(vault, events)

    assert (summary.added, summary.skipped) == (2, 1)
    assert summary.skipped_events[0].startswith("x")
    assert "long.ics, line 63: The title is longer" in summary.skipped_events[0]


def test_export_then_import_into_the_same_vault_finds_every_meeting(
    vault: Vault, people: dict[str, Contact], tmp_path: Path
) -> None:
    apply_events(vault, read_events(FIXTURES / "outlook.ics", station="UTC"))
    talks = meetings(vault)["Staff talks on the joint exercise"]
    vault.store.add(
        FollowUp(action="Send the exercise dates", due_date="2026-03-20", meeting_id=talks.id)
    )
    vault.store.add(FollowUp(action="No date yet"))
    out = tmp_path / "meetings.ics"

    assert export_ics(vault, out) == (2, 1)
    again = read_events(out, station="UTC")

    assert [e.title for e in again] == [
        "Staff talks on the joint exercise",
        "Weekly attaché coordination call",
        "Follow-up: Send the exercise dates",
    ]
    found = preview_events(vault.store, again)
    assert [r.status for r in found.rows] == [
        "already in the vault",
        "already in the vault",
        "skipped",
    ]
    assert {m.contact_name for m in found.rows[0].matches} == {
        "John Smith",
        "Hélène Girard",
        "Jürgen Müller",
    }
    assert all(m.contact_id for m in found.rows[0].matches)


def test_a_meeting_exported_from_another_vault_is_new_here(
    vault: Vault, people: dict[str, Contact]
) -> None:
    text = (
        "BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nUID:x@liaison-desk\nSUMMARY:Dinner\n"
        "DTSTART:20260601T180000Z\nX-LIAISON-ID:01934b2e-0000-7000-8000-000000000001\n"
        "X-LIAISON-MARKING:RESTRICTED\nX-LIAISON-KIND:reception\n"
        f"ATTENDEE;CN=Wanjiru Mwangi:urn:uuid:{people['Wanjiru Mwangi'].id}\n"
        "END:VEVENT\nEND:VCALENDAR\n"
    )
    [row] = preview_events(vault.store, parse_events(text, "d.ics", station="UTC")).rows

    apply_events(vault, parse_events(text, "d.ics", station="UTC"))

    assert row.status == NEW and row.matched[0].contact_name == "Wanjiru Mwangi"
    dinner = meetings(vault)["Dinner"]
    assert (dinner.marking, dinner.kind) == ("RESTRICTED", "reception")
    [p] = vault.store.list(Participant, EVERYTHING)
    assert p.marking == "RESTRICTED"
