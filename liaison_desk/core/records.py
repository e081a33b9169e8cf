"""The domain: what an officer records. Plain frozen dataclasses, no storage logic.

Every record carries `id` (UUIDv7), its sensitivity `marking`, `tags` and its
`distribution` (who it is synced to: "hq", "all", "stations:<id>,<id>" or
"group:<name>"); `created_at`/`updated_at` are filled in by the store. An empty
`marking` means the vault's lowest marking; an empty distribution means the
default for the vault's role (see `core.routing`).
"""

from __future__ import annotations

from dataclasses import dataclass

FOLLOWUP_STATUSES = ("open", "done")
PROTOCOL_CATEGORIES = (
    "forms-of-address",
    "order-of-precedence",
    "ceremonies",
    "gifts-hospitality",
    "cultural-notes",
    "legal-status",
)
ORGANIZATION_KINDS = (
    "ministry",
    "armed-service",
    "embassy",
    "international-body",
    "industry",
    "academia",
    "other",
)
MEETING_KINDS = ("meeting", "call", "reception", "joint-exercise", "visit", "other")
# What a participant did at a meeting, as the editor offers it. Roles read from
# calendar invitations (organizer, chair…) are kept as they came.
PARTICIPANT_ROLES = ("host", "guest", "interpreter", "note-taker")


@dataclass(frozen=True, kw_only=True)
class Record:
    id: str = ""
    marking: str = ""
    tags: tuple[str, ...] = ()
    distribution: str = ""
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True, kw_only=True)
class Organization(Record):
    name: str
    kind: str | None = None
    country: str | None = None
    parent_id: str | None = None
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class Contact(Record):
    full_name: str
    rank: str | None = None
    position: str | None = None
    org_id: str | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    how_met: str | None = None
    trust_notes: str | None = None
    notes: str | None = None
    cadence_days: int | None = None
    photo_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Meeting(Record):
    title: str
    starts_at: str
    kind: str | None = None
    timezone: str | None = None
    place: str | None = None
    summary: str | None = None
    notes: str | None = None
    # The calendar side, as iCalendar has it. Times are UTC like starts_at; an all-day
    # meeting holds its first day (and the day after its last) at 00:00Z, with no zone.
    ends_at: str | None = None  # None: no end recorded
    all_day: bool = False
    recurrence: str | None = None  # a series: its rule as RRULE writes it ("FREQ=WEEKLY;BYDAY=WE")
    exdates: tuple[str, ...] = ()  # occurrences left out of the series (EXDATE), as starts_at
    rdates: tuple[str, ...] = ()  # occurrences added to it (RDATE), as starts_at
    uid: str | None = None  # the UID of the calendar event it came from, exported back


@dataclass(frozen=True, kw_only=True)
class Participant(Record):
    meeting_id: str
    contact_id: str
    role: str | None = None


@dataclass(frozen=True, kw_only=True)
class FollowUp(Record):
    action: str
    status: str = "open"
    owner: str | None = None
    due_date: str | None = None
    meeting_id: str | None = None
    contact_ids: tuple[str, ...] = ()  # the people it concerns; a meeting's by default
    notes: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProtocolRef(Record):
    title: str
    body: str
    country: str | None = None
    category: str | None = None
    source: str | None = None
    version: str | None = None
    effective_date: str | None = None


@dataclass(frozen=True, kw_only=True)
class Attachment(Record):
    """Bytes kept inside the vault. Immutable: new content is a new attachment."""

    owner_id: str
    name: str
    mime: str
    sha256: str = ""
    size: int = 0
    data: bytes = b""
