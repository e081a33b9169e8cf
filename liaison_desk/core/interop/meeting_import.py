"""Calendar events into the vault as meetings, their attendees matched to contacts.

An attendee is the contact whose id an event we wrote carries, else the
contact holding that email address, else the only contact with that exact
name. Attendees matched to no contact are listed in the meeting's notes, so
nobody who was there is lost. An event already in the vault (one we exported,
or a meeting with the same title at the same time) is not added twice;
cancelled events and our own follow-up due dates are skipped. A recurring
event becomes one meeting, at its first occurrence. All events or none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from liaison_desk.core import audit
from liaison_desk.core.contact_details import EMAILS_SQL
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.interop.ical import Attendee, Event
from liaison_desk.core.kinds import MEETING
from liaison_desk.core.records import Meeting, Participant, Record
from liaison_desk.core.store import Store
from liaison_desk.core.validation import validate
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural

log = logging.getLogger("liaison_desk.interop")

Progress = Callable[[int, int], None]
NEW, HELD, SKIPPED = "new", "already in the vault", "skipped"


@dataclass(frozen=True)
class Match:
    attendee: Attendee
    contact_id: str | None
    contact_name: str | None


@dataclass(frozen=True)
class EventRow:
    index: int
    event: Event
    status: str  # NEW, HELD or SKIPPED
    reason: str  # why held or skipped
    matches: tuple[Match, ...]

    @property
    def matched(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if m.contact_id)

    @property
    def unmatched(self) -> tuple[Match, ...]:
        return tuple(m for m in self.matches if not m.contact_id)


@dataclass(frozen=True)
class EventPreview:
    source: str
    rows: tuple[EventRow, ...]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)


@dataclass(frozen=True)
class MeetingImportSummary:
    added: int
    held: int
    skipped: int
    participants: int
    unmatched: int

    def sentence(self) -> str:
        return (
            f"{plural(self.added, 'meeting')} added ({plural(self.participants, 'participant')} "
            f"matched to contacts, {plural(self.unmatched, 'attendee')} not in the contact "
            f"book), {self.held:,} already in the vault, {self.skipped:,} skipped."
        )


class _Contacts:
    def __init__(self, store: Store) -> None:
        self.ids: dict[str, str] = {}
        self.emails: dict[str, tuple[str, str]] = {}
        names: dict[str, list[tuple[str, str]]] = {}
        rows = store.conn.execute(
            f"SELECT id, full_name, {EMAILS_SQL.format(contact_id='c.id')} FROM contacts c "
            "WHERE deleted = 0 ORDER BY n"
        ).fetchall()
        for contact_id, name, emails in rows:
            self.ids[contact_id] = name
            for email in json.loads(emails) if emails != "[]" else ():
                self.emails.setdefault(email.casefold(), (contact_id, name))
            names.setdefault(" ".join(name.casefold().split()), []).append((contact_id, name))
        self.names = {k: v[0] for k, v in names.items() if len(v) == 1}

    def match(self, who: Attendee) -> Match:
        if who.contact_id and who.contact_id in self.ids:
            return Match(who, who.contact_id, self.ids[who.contact_id])
        if who.email and (found := self.emails.get(who.email.casefold())) is not None:
            return Match(who, *found)
        if who.name:
            name = " ".join(who.name.casefold().split())
            if (found := self.names.get(name)) is not None:
                return Match(who, *found)
            if "," in name:  # Outlook's "Family, Given"
                family, _, given = name.partition(",")
                if (found := self.names.get(f"{given.strip()} {family.strip()}")) is not None:
                    return Match(who, *found)
        return Match(who, None, None)


def _held(store: Store, event: Event) -> bool:
    if (
        event.meeting_id
        and store.conn.execute(
            "SELECT 1 FROM meetings WHERE id = ? AND deleted = 0", (event.meeting_id,)
        ).fetchone()
    ):
        return True
    row = store.conn.execute(
        "SELECT 1 FROM meetings WHERE starts_at = ? AND title = ? AND deleted = 0",
        (event.starts_at, event.title),
    ).fetchone()
    return row is not None


def _rows(store: Store, events: Sequence[Event]) -> list[EventRow]:
    contacts = _Contacts(store)
    seen: set[tuple[str, str]] = set()
    rows = []
    for index, event in enumerate(events):
        matches = tuple(contacts.match(a) for a in event.attendees)
        key = (event.starts_at, event.title)
        if event.skip:
            status, reason = SKIPPED, event.skip
        elif _held(store, event):
            status, reason = HELD, "already in the vault"
        elif key in seen:
            status, reason = HELD, "repeated in the file"
        else:
            status, reason = NEW, ""
        seen.add(key)
        rows.append(EventRow(index, event, status, reason, matches))
    return rows


def _notes(event: Event, unmatched: Sequence[Match]) -> str | None:
    if event.recurring:
        extra = ["Recurring in the calendar; imported at its first occurrence."]
    else:
        extra = []
    if unmatched:
        names = "; ".join(m.attendee.label() for m in unmatched)
        extra.append(f"Attendees not in the contact book: {names}.")
    parts = [p for p in (event.notes, "\n".join(extra)) if p]
    return "\n\n".join(parts) or None


def _meeting(event: Event, unmatched: Sequence[Match], meeting_id: str) -> Meeting:
    return Meeting(
        id=meeting_id,
        title=event.title,
        starts_at=event.starts_at,
        timezone=event.timezone,
        kind=event.kind or "meeting",
        place=event.place,
        notes=_notes(event, unmatched),
        tags=event.tags,
        marking=event.marking,
    )


def _check(row: EventRow, source: str, markings: Sequence[str]) -> None:
    event = row.event
    values = {f: getattr(_meeting(event, row.unmatched, ""), f) for f in MEETING.fields}
    try:
        validate(MEETING, "", values, markings, lambda _kind, _id: True)
    except ValidationError as exc:
        field = next(
            (name for name, _ in event.sources if name.replace("_", " ") in exc.message.lower()),
            "",
        )
        raise ImportFormatError(f"{source}, line {event.line_of(field)}: {exc.message}") from None


def preview_events(store: Store, events: Sequence[Event], source: str) -> EventPreview:
    """What importing would do with each event; raises for an event the vault would refuse."""
    rows = _rows(store, events)
    markings = store.markings()
    for row in rows:
        if row.status == NEW:
            _check(row, source, markings)
    return EventPreview(source, tuple(rows))


def apply_events(
    vault: Vault, events: Sequence[Event], source: str, progress: Progress | None = None
) -> MeetingImportSummary:
    """Add the new events as meetings with their matched participants, in one transaction."""
    store = vault.store
    with store.transaction():
        preview = preview_events(store, events, source)
        new = [r for r in preview.rows if r.status == NEW]
        now = vault.clock.now_ms()
        current: list[EventRow] = []

        def records() -> Iterator[Record]:
            for done, row in enumerate(new, 1):
                current[:] = [row]
                meeting = _meeting(row.event, row.unmatched, uuid7(now))
                yield meeting
                roles: dict[str | None, str | None] = {}  # each contact once, its first role
                for match in row.matched:
                    roles.setdefault(match.contact_id, match.attendee.role)
                for contact_id, role in roles.items():
                    yield Participant(
                        meeting_id=meeting.id,
                        contact_id=str(contact_id),
                        role=role,
                        marking=meeting.marking,
                    )
                if progress is not None and (done % 100 == 0 or done == len(new)):
                    progress(done, len(new))

        try:
            store.add_many(records())
        except ValidationError as exc:
            line = current[0].event.line if current else 0
            raise ImportFormatError(f"{source}, line {line}: {exc.message}") from None
        summary = MeetingImportSummary(
            added=len(new),
            held=preview.count(HELD),
            skipped=preview.count(SKIPPED),
            participants=sum(len({m.contact_id for m in r.matched}) for r in new),
            unmatched=sum(len(r.unmatched) for r in new),
        )
        audit.record(
            vault.conn,
            vault.clock,
            "import",
            kind="meeting",
            format="ics",
            added=summary.added,
            held=summary.held,
            skipped=summary.skipped,
            participants=summary.participants,
        )
    log.info("ics import: %d meetings added", summary.added)
    return summary
