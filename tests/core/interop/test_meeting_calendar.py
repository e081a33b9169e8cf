"""Meetings as calendars hold them, through a real vault: UIDs found again, re-imports that
change nothing, series kept as series, and a vault made before the change migrated."""

from __future__ import annotations

from pathlib import Path

import icalendar

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.interop.ical import parse_events, read_events
from liaison_desk.core.interop.meeting_export import export_ics
from liaison_desk.core.interop.meeting_import import HELD, MERGED, apply_events, preview_events
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Meeting
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.core.interop.conftest import FIXTURES

EVERYTHING = ListQuery(limit=10_000)
CALENDAR = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    "BEGIN:VEVENT\r\nUID:talks-1@example.org\r\nSUMMARY:Staff talks\r\n"
    "DTSTART;TZID=Europe/Paris:20260314T103000\r\n{end}"
    "RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Paris:20260321T103000\r\n"
    "RDATE;TZID=Europe/Paris:20260501T090000\r\n"
    "CATEGORIES:navy\r\nEND:VEVENT\r\n"
    "BEGIN:VEVENT\r\nUID:newyear@example.org\r\nSUMMARY:New Year reception\r\n"
    "DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260102\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)
_CALENDAR_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "timezone",
    "all_day",
    "recurrence",
    "exdates",
    "rdates",
    "kind",
    "place",
    "tags",
    "marking",
)


def _meetings(vault: Vault) -> dict[str, Meeting]:
    return {m.title: m for m in vault.store.list(Meeting, EVERYTHING)}


def _ops(vault: Vault) -> int:
    return int(vault.conn.execute("SELECT count(*) FROM oplog").fetchone()[0])


def _calendar(end: str = "DTEND;TZID=Europe/Paris:20260314T120000\r\n") -> str:
    return CALENDAR.format(end=end)


def test_a_calendar_round_trip_keeps_every_calendar_field(vault: Vault, tmp_path: Path) -> None:
    apply_events(vault, parse_events(_calendar(), "c.ics", station="Asia/Tokyo"))
    talks, newyear = _meetings(vault)["Staff talks"], _meetings(vault)["New Year reception"]
    assert (talks.starts_at, talks.ends_at, talks.timezone) == (
        "2026-03-14T09:30:00Z",
        "2026-03-14T11:00:00Z",
        "Europe/Paris",
    )
    assert (talks.recurrence, talks.exdates, talks.rdates) == (
        "FREQ=WEEKLY;COUNT=6",
        ("2026-03-21T09:30:00Z",),
        ("2026-05-01T07:00:00Z",),
    )
    assert (talks.uid, talks.tags) == ("talks-1@example.org", ("navy",))
    assert (newyear.all_day, newyear.starts_at, newyear.ends_at, newyear.timezone) == (
        True,
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        None,
    )
    out = tmp_path / "out.ics"
    export_ics(vault, out, followups=False)
    icalendar.Calendar.from_ical(out.read_bytes())  # what any calendar reads
    other, _ = Vault.create(
        tmp_path / "other", PASSPHRASE, name="Other", kdf=FAST_KDF, clock=StepClock()
    )
    try:
        apply_events(other, read_events(out, station="UTC"))
        for title, before in _meetings(vault).items():
            after = _meetings(other)[title]
            assert {f: getattr(after, f) for f in _CALENDAR_FIELDS} == {
                f: getattr(before, f) for f in _CALENDAR_FIELDS
            }  # the tag "meeting" (the kind) is not added to the tags
            assert after.uid == before.uid
    finally:
        other.lock()


def test_reimporting_an_export_changes_nothing(vault: Vault, tmp_path: Path) -> None:
    apply_events(vault, read_events(FIXTURES / "outlook.ics", station="UTC"))
    save_meeting(vault.store, None, {"title": "Typed here", "starts_at": "2026-06-01T10:00Z"})
    out = tmp_path / "out.ics"
    export_ics(vault, out)
    before, ops = _meetings(vault), _ops(vault)

    again = read_events(out, station="UTC")
    found = preview_events(vault.store, again)
    summary = apply_events(vault, again)

    assert [r.status for r in found.rows] == [HELD] * 3
    assert (summary.added, summary.merged, summary.held) == (0, 0, 3)
    assert _meetings(vault) == before and _ops(vault) == ops
    assert found.not_kept == ()  # nothing of our own export is lost on the way back


def test_the_uid_finds_an_event_again_and_fills_what_the_meeting_lacks(vault: Vault) -> None:
    apply_events(vault, parse_events(_calendar(end=""), "c.ics", station="UTC"))
    vault.store.update(Meeting, _meetings(vault)["Staff talks"].id, {"title": "Talks (renamed)"})

    later = parse_events(_calendar().replace("Staff talks", "Talks"), "c.ics", station="UTC")
    found = preview_events(vault.store, later)
    apply_events(vault, later)

    assert [r.status for r in found.rows] == [MERGED, HELD]
    assert found.rows[0].changes == (("ends_at", "2026-03-14T11:00:00Z"),)
    talks = _meetings(vault)["Talks (renamed)"]  # the officer's title stays
    assert talks.ends_at == "2026-03-14T11:00:00Z" and vault.store.count(Meeting) == 2


def test_a_meeting_imported_at_its_first_occurrence_gets_its_series(vault: Vault) -> None:
    """Vaults of the previous version hold a series as its first occurrence."""
    vault.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T09:30:00Z"))

    apply_events(vault, parse_events(_calendar(), "c.ics", station="UTC"))

    talks = _meetings(vault)["Staff talks"]
    assert (talks.recurrence, talks.uid) == ("FREQ=WEEKLY;COUNT=6", "talks-1@example.org")
    assert vault.store.count(Meeting) == 2


def test_a_vault_made_before_the_change_migrates_and_keeps_its_meetings(tmp_path: Path) -> None:
    mine = next(i for i, m in enumerate(MIGRATIONS) if m.name.startswith("meetings with an end"))
    folder = tmp_path / "old"
    old, _ = Vault.create(
        folder, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=MIGRATIONS[:mine]
    )
    stamp = Stamp(1767225600000, 0, old.info.origin)
    old.conn.execute(
        "INSERT INTO meetings (id, created_at, updated_at, hlc, origin, clocks, marking, title, "
        "starts_at, timezone) VALUES ('m1', ?, ?, ?, ?, json_object('*', ?3), 'UNCLASSIFIED', "
        "'Old talks', "
        "'2026-01-05T09:00:00Z', 'Europe/Paris')",
        (iso_from_ms(stamp.ms), iso_from_ms(stamp.ms), str(stamp), old.info.origin),
    )
    old.lock()

    with Vault.unlock(folder, PASSPHRASE) as today:
        talks = today.store.get(Meeting, "m1")
        assert (talks.title, talks.starts_at, talks.timezone) == (
            "Old talks",
            "2026-01-05T09:00:00Z",
            "Europe/Paris",
        )
        assert (talks.ends_at, talks.all_day, talks.recurrence, talks.exdates, talks.uid) == (
            None,
            False,
            None,
            (),
            None,
        )
        today.store.update(Meeting, "m1", {"recurrence": "freq=weekly", "all_day": False})
        assert today.store.get(Meeting, "m1").recurrence == "FREQ=WEEKLY"
