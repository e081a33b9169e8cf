"""Meetings and follow-ups out of the vault as an iCalendar file."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from liaison_desk.core.contact_details import FIRST_EMAIL_SQL
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.ical import Attendee
from liaison_desk.core.interop.ical_timing import Timing
from liaison_desk.core.interop.ical_writer import FollowUpEntry, MeetingEntry, calendar_bytes
from liaison_desk.core.interop.listing import all_matching
from liaison_desk.core.records import FollowUp, Meeting
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.interop")

Progress = Callable[[int, int], None]
_CHUNK = 500  # ids per IN (…) query
_EVERYTHING = ListQuery()


def attendees_of(store: Store, meeting_ids: Sequence[str]) -> dict[str, list[Attendee]]:
    """Each meeting's participants (live contacts only), in the order they were added."""
    out: dict[str, list[Attendee]] = {}
    for start in range(0, len(meeting_ids), _CHUNK):
        chunk = list(meeting_ids[start : start + _CHUNK])
        rows = store.conn.execute(
            "SELECT p.meeting_id, c.id, c.full_name, "
            f"{FIRST_EMAIL_SQL.format(contact_id='c.id')}, p.role FROM participants p "
            "JOIN contacts c ON c.id = p.contact_id AND c.deleted = 0 "
            f"WHERE p.deleted = 0 AND p.meeting_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY p.n",
            chunk,
        ).fetchall()
        for meeting_id, contact_id, name, email, role in rows:
            out.setdefault(meeting_id, []).append(Attendee(name, email, contact_id, role))
    return out


def _description(meeting: Meeting) -> str | None:
    parts = [p for p in (meeting.summary, meeting.notes) if p]
    return "\n\n".join(parts) or None


def meeting_entries(store: Store, query: ListQuery) -> list[MeetingEntry]:
    meetings = list(all_matching(store, Meeting, query))
    people = attendees_of(store, [m.id for m in meetings])
    return [
        MeetingEntry(
            id=m.id,
            title=m.title,
            timing=Timing.of(m),
            place=m.place,
            description=_description(m),
            kind=m.kind,
            tags=m.tags,
            marking=m.marking,
            attendees=tuple(people.get(m.id, ())),
            uid=m.uid,
        )
        for m in meetings
    ]


def followup_entries(store: Store, markings: Sequence[str] | None) -> list[FollowUpEntry]:
    """Open follow-ups with a due date (within the markings given, if any)."""
    query = ListQuery(where={"status": "open"}, markings=markings, order_by="due_date")
    followups = [f for f in all_matching(store, FollowUp, query) if f.due_date]
    titles = dict(store.conn.execute("SELECT id, title FROM meetings WHERE deleted = 0").fetchall())
    names = dict(
        store.conn.execute("SELECT id, full_name FROM contacts WHERE deleted = 0").fetchall()
    )
    entries = []
    for f in followups:
        about = [
            f"Meeting: {titles[f.meeting_id]}" if f.meeting_id in titles else "",
            "Contacts: " + ", ".join(names[c] for c in f.contact_ids if c in names)
            if any(c in names for c in f.contact_ids)
            else "",
            f"Owner: {f.owner}" if f.owner else "",
            f.notes or "",
        ]
        entries.append(
            FollowUpEntry(
                id=f.id,
                action=f.action,
                due_date=str(f.due_date),
                description="\n".join(p for p in about if p) or None,
                meeting_id=f.meeting_id if f.meeting_id in titles else None,
                marking=f.marking,
            )
        )
    return entries


def ics_bytes(
    store: Store, query: ListQuery, now_ms: int, followups: bool = True
) -> tuple[bytes, int, int]:
    """The .ics file's bytes, and how many meetings and follow-ups it holds."""
    meetings = meeting_entries(store, query)
    due = followup_entries(store, query.markings) if followups else []
    return calendar_bytes(meetings, due, now_ms), len(meetings), len(due)


def export_ics(
    vault: Vault, path: Path, query: ListQuery = _EVERYTHING, followups: bool = True
) -> tuple[int, int]:
    """Write meetings (and open follow-ups with a due date) to `path`, not encrypted."""
    data, meetings, due = ics_bytes(vault.store, query, vault.clock.now_ms(), followups)
    write_export(vault, path, data, kind="meeting", format="ics", count=meetings + due)
    log.info("ics export: %d meetings, %d follow-ups", meetings, due)
    return meetings, due
