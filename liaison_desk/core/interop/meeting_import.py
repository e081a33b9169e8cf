"""Calendar events into the vault as meetings, their attendees matched to contacts.

An attendee is the contact whose id an event we wrote carries, else the
contact holding that email address, else the only contact with that exact
name. Attendees matched to no contact are listed in the meeting's notes, so
nobody who was there is lost.

An event already in the vault is found by the meeting id an event we wrote
carries, else by its UID, else as a meeting with the same title at the same
time; it is not added twice, and it only fills what the meeting lacks (its end,
its series, its UID, its place): re-importing a file changes nothing. A series
comes in as one meeting with its rule and exceptions. Cancelled events and our
own follow-up due dates are skipped, and so is an event that cannot be read or
that the vault refuses, with the reason; the rest comes in, unless `strict`
asks for every event or none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.contact_details import EMAILS_SQL
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.interop.ical import Attendee, CalendarFile, Event
from liaison_desk.core.interop.ical_writer import MEETING_UID, meeting_uid
from liaison_desk.core.kinds import MEETING
from liaison_desk.core.records import Meeting, Participant, Record
from liaison_desk.core.store import Store
from liaison_desk.core.validation import validate
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural

log = logging.getLogger("liaison_desk.interop")

Progress = Callable[[int, int], None]
NEW, HELD, MERGED, SKIPPED = "new", "already in the vault", "merged", "skipped"
# What a meeting already in the vault takes from the event when it lacks it. Never its
# title, time or notes: those the officer may have changed since.
_FILLED = ("ends_at", "place", "uid")
_SERIES = ("recurrence", "exdates", "rdates")


@dataclass(frozen=True)
class Match:
    attendee: Attendee
    contact_id: str | None
    contact_name: str | None


@dataclass(frozen=True)
class EventRow:
    index: int
    event: Event
    status: str  # NEW, MERGED, HELD or SKIPPED
    reason: str  # why held or skipped
    matches: tuple[Match, ...]
    meeting_id: str | None = None  # the meeting already in the vault (MERGED, HELD)
    changes: tuple[tuple[str, Any], ...] = ()  # what MERGED fills in

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
    not_kept: tuple[tuple[str, int], ...] = ()  # property, how many events carry it
    others: tuple[tuple[str, int], ...] = ()  # components that are no events (VTODO…)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    def skipped(self) -> list[str]:
        """Why each skipped event is skipped, naming it."""
        return [f"{r.event.title}: {r.reason}" for r in self.rows if r.status == SKIPPED]

    def not_kept_sentence(self) -> str:
        return not_kept_sentence(self.not_kept, self.others)


def not_kept_sentence(
    not_kept: Sequence[tuple[str, int]], others: Sequence[tuple[str, int]] = ()
) -> str:
    """ "Not kept: VALARM in 3 events, SEQUENCE in 1 event; 2 VTODO (not events)." or ""."""
    parts = [f"{name} in {plural(n, 'event')}" for name, n in not_kept]
    if others:
        parts.append(", ".join(f"{n:,} {name}" for name, n in others) + " (not events)")
    return f"Not kept: {'; '.join(parts)}." if parts else ""


@dataclass(frozen=True)
class MeetingImportSummary:
    added: int
    merged: int
    held: int
    skipped: int
    participants: int
    unmatched: int
    skipped_events: tuple[str, ...] = ()  # each skipped event and why
    not_kept: tuple[tuple[str, int], ...] = ()
    others: tuple[tuple[str, int], ...] = ()

    def sentence(self) -> str:
        return (
            f"{plural(self.added, 'meeting')} added ({plural(self.participants, 'participant')} "
            f"matched to contacts, {plural(self.unmatched, 'attendee')} not in the contact "
            f"book), {self.merged:,} merged, {self.held:,} already in the vault, "
            f"{self.skipped:,} skipped."
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


def _held(store: Store, event: Event) -> str | None:
    """The meeting in the vault this event is: by our id, by UID, else by title and time."""
    ids = [event.meeting_id]
    if event.uid and event.uid.endswith(MEETING_UID):
        ids.append(event.uid[: -len(MEETING_UID)])  # ours, through a calendar that drops X-
    for meeting_id in filter(None, ids):
        if store.conn.execute(
            "SELECT 1 FROM meetings WHERE id = ? AND deleted = 0", (meeting_id,)
        ).fetchone():
            return meeting_id
    if event.uid:
        row = store.conn.execute(
            "SELECT id FROM meetings WHERE uid = ? AND deleted = 0 LIMIT 1", (event.uid,)
        ).fetchone()
        if row is not None:
            return str(row[0])
    row = store.conn.execute(
        "SELECT id FROM meetings WHERE starts_at = ? AND title = ? AND deleted = 0 LIMIT 1",
        (event.starts_at, event.title),
    ).fetchone()
    return str(row[0]) if row is not None else None


def _own_uid(event: Event) -> str | None:
    """The UID a held meeting takes: not the one its own export derived from its id."""
    if event.uid and event.meeting_id and event.uid == meeting_uid(event.meeting_id):
        return None
    return event.uid


def _fill(store: Store, meeting_id: str, event: Event) -> tuple[tuple[str, Any], ...]:
    """What the held meeting lacks and the event has (see `_FILLED`, and a whole series
    for a meeting held as its first occurrence only)."""
    held = store.get(Meeting, meeting_id)
    if held.all_day != event.all_day:
        return ()
    offered = {"ends_at": event.ends_at, "place": event.place, "uid": _own_uid(event)}
    changes = [(f, offered[f]) for f in _FILLED if offered[f] and not getattr(held, f)]
    lacks_series = not (held.recurrence or held.rdates)
    if event.recurring and lacks_series and held.starts_at == event.starts_at:
        changes += [(f, getattr(event, f)) for f in _SERIES]
    return tuple(changes)


def _rows(store: Store, events: Sequence[Event]) -> list[EventRow]:
    contacts = _Contacts(store)
    uids: set[str] = set()
    keys: set[tuple[str, str]] = set()
    rows = []
    for index, event in enumerate(events):
        matches = tuple(contacts.match(a) for a in event.attendees)
        key = (event.starts_at, event.title)
        held = changes = None
        if event.skip:
            status, reason = SKIPPED, event.skip
        elif (held := _held(store, event)) is not None:
            changes = _fill(store, held, event)
            status, reason = (MERGED, "merged") if changes else (HELD, "already in the vault")
        elif (event.uid in uids) if event.uid else (key in keys):
            status, reason = HELD, "repeated in the file"
        else:
            status, reason = NEW, ""
        if event.uid:
            uids.add(event.uid)
        keys.add(key)
        rows.append(EventRow(index, event, status, reason, matches, held, changes or ()))
    return rows


def _notes(event: Event, unmatched: Sequence[Match]) -> str | None:
    extra = ""
    if unmatched:
        names = "; ".join(m.attendee.label() for m in unmatched)
        extra = f"Attendees not in the contact book: {names}."
    parts = [p for p in (event.notes, extra) if p]
    return "\n\n".join(parts) or None


def _meeting(event: Event, unmatched: Sequence[Match], meeting_id: str) -> Meeting:
    return Meeting(
        id=meeting_id,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        all_day=event.all_day,
        recurrence=event.recurrence,
        exdates=event.exdates,
        rdates=event.rdates,
        uid=event.uid,
        kind=event.kind or "meeting",
        place=event.place,
        notes=_notes(event, unmatched),
        tags=event.tags,
        marking=event.marking,
    )


def _refusal(row: EventRow, source: str, markings: Sequence[str]) -> str | None:
    """Why the vault would refuse the event's meeting (naming its line), or None."""
    event = row.event
    values = {f: getattr(_meeting(event, row.unmatched, ""), f) for f in MEETING.fields}
    try:
        validate(MEETING, "", values, markings, lambda _kind, _id: True)
    except ValidationError as exc:
        field = next(
            (name for name, _ in event.sources if name.replace("_", " ") in exc.message.lower()),
            "",
        )
        return f"{source}, line {event.line_of(field)}: {exc.message}"
    return None


def preview_events(store: Store, calendar: CalendarFile, *, strict: bool = False) -> EventPreview:
    """What importing would do with each event. An event the vault would refuse is
    skipped with the reason; with `strict`, it or any unreadable event refuses the file."""
    rows = _rows(store, calendar.events)
    markings = store.markings()
    for i, row in enumerate(rows):
        if row.status == NEW and (reason := _refusal(row, calendar.source, markings)):
            rows[i] = replace(
                row, status=SKIPPED, reason=reason, event=replace(row.event, damaged=True)
            )
    if strict:
        damaged = next((r for r in rows if r.event.damaged), None)
        if damaged is not None:
            raise ImportFormatError(
                f"{damaged.reason.rstrip('.')}. Nothing was imported (--strict)."
            )
    kept = [r.event for r in rows if r.status != SKIPPED]
    return EventPreview(
        calendar.source, tuple(rows), tuple(calendar.not_kept(kept)), calendar.others
    )


def apply_events(
    vault: Vault,
    calendar: CalendarFile,
    progress: Progress | None = None,
    *,
    strict: bool = False,
) -> MeetingImportSummary:
    """Add the new events as meetings with their matched participants, and fill in what
    held meetings lack, in one transaction."""
    store = vault.store
    source = calendar.source
    with store.transaction():
        preview = preview_events(store, calendar, strict=strict)
        new = [r for r in preview.rows if r.status == NEW]
        merged = [r for r in preview.rows if r.status == MERGED]
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
            for row in merged:
                current[:] = [row]
                store.update(Meeting, str(row.meeting_id), dict(row.changes))
        except ValidationError as exc:
            line = current[0].event.line if current else 0
            raise ImportFormatError(f"{source}, line {line}: {exc.message}") from None
        summary = MeetingImportSummary(
            added=len(new),
            merged=len(merged),
            held=preview.count(HELD),
            skipped=preview.count(SKIPPED),
            participants=sum(len({m.contact_id for m in r.matched}) for r in new),
            unmatched=sum(len(r.unmatched) for r in new),
            skipped_events=tuple(preview.skipped()),
            not_kept=preview.not_kept,
            others=preview.others,
        )
        audit.record(
            vault.conn,
            vault.clock,
            "import",
            kind="meeting",
            format="ics",
            added=summary.added,
            merged=summary.merged,
            held=summary.held,
            skipped=summary.skipped,
            participants=summary.participants,
        )
    log.info(
        "ics import: %d meetings added, %d merged, %d skipped",
        summary.added,
        summary.merged,
        summary.skipped,
    )
    return summary
