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
# How a contact is reached (a ContactPoint's channel), and the labels and relations the
# editor offers; labels and relations read from cards are kept as typed.
CONTACT_CHANNELS = ("phone", "email", "address", "web", "im")
PHONE_LABELS = ("work", "mobile", "home", "fax", "pager", "other")
# Diplomatic ranks, most senior first: the heads of mission in their three classes
# (Vienna Convention on Diplomatic Relations, art. 14), chargés d'affaires, then the
# diplomatic staff of a mission.
DIPLOMATIC_RANKS = (
    "ambassador",
    "envoy",
    "charge-d-affaires",
    "charge-d-affaires-ai",
    "minister",
    "minister-counsellor",
    "counsellor",
    "first-secretary",
    "second-secretary",
    "third-secretary",
    "attache",
)
RELATION_KINDS = ("spouse", "partner", "deputy-of", "successor-of", "reports-to", "other")
GIFT_DIRECTIONS = ("given", "received")


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
    """A person. Phones, emails, addresses, postings and relations are child records
    (`ContactPoint`, `Posting`, `ContactRelation`): see `core.contact_details`."""

    full_name: str  # display name (vCard FN)
    name_prefix: str | None = None  # the structured name (vCard N), stored as given,
    given_name: str | None = None  # never invented from full_name
    additional_names: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None
    nicknames: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # former names, names in other scripts
    rank: str | None = None
    position: str | None = None
    org_id: str | None = None
    country: str | None = None
    languages: tuple[str, ...] = ()  # "fr" or "fr:C1" (A1..C2 or "native"); free text kept
    birthday: str | None = None  # "YYYY-MM-DD", or "--MM-DD" without the year
    anniversary: str | None = None  # same forms
    how_met: str | None = None
    trust_notes: str | None = None
    notes: str | None = None
    cadence_days: int | None = None
    photo_id: str | None = None
    uid: str | None = None  # the UID of the card it came from (duplicates, exported back)
    # Added by schema 11 (precedence): the rank's NATO code when it maps (`core.ranks`),
    # the diplomatic rank (one of DIPLOMATIC_RANKS) and the date of accreditation.
    rank_code: str | None = None
    diplomatic_rank: str | None = None
    accredited_on: str | None = None  # "YYYY-MM-DD"


@dataclass(frozen=True, kw_only=True)
class ContactPoint(Record):
    """One way to reach a contact: a phone, an email, an address, a web page or a handle."""

    contact_id: str
    channel: str  # one of CONTACT_CHANNELS
    label: str | None = None  # work/home/mobile/fax/...; for "im" the service
    value: str | None = None  # as typed; for an address its free-form text (optional)
    extension: str | None = None  # a phone's extension ("89" from "x89")
    e164: str | None = None  # a phone's E.164 form, filled by the core when it parses
    po_box: str | None = None  # the address parts, in vCard ADR order
    extended: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None  # the address's country as written
    pref: int | None = None  # 1 = preferred (vCard PREF)


@dataclass(frozen=True, kw_only=True)
class Posting(Record):
    """A position a contact held: their career reads in order."""

    contact_id: str
    title: str
    org_id: str | None = None  # the organization when it is a record here
    organization: str | None = None  # or its name
    starts_on: str | None = None  # "YYYY", "YYYY-MM" or "YYYY-MM-DD"
    ends_on: str | None = None  # same forms; None while current


@dataclass(frozen=True, kw_only=True)
class ContactRelation(Record):
    """A contact's tie to another person: a contact here (`other_id`) or a name."""

    contact_id: str
    relation: str  # spouse, partner, deputy-of, ... or as typed
    other_id: str | None = None
    name: str | None = None


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
class Gift(Record):
    """A gift or hospitality given or received: the register HQ's limits are checked against.

    `declaration` and `rules_id` are written by the core at every save (`core.gifts`),
    never typed: why the entry must be declared to HQ under the limits then published
    (None: it need not be), and the protocol reference those limits came from.
    """

    direction: str  # one of GIFT_DIRECTIONS
    description: str  # what was given or received
    value: str  # its estimated value, a decimal number as text ("150", "89.90")
    currency: str  # ISO 4217 code, such as EUR
    exchanged_on: str  # YYYY-MM-DD
    contact_ids: tuple[str, ...] = ()  # who gave it or received it
    occasion: str | None = None
    meeting_id: str | None = None
    country: str | None = None  # whose limits apply; the first contact's country by default
    notes: str | None = None
    declaration: str | None = None
    rules_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Attachment(Record):
    """Bytes kept inside the vault. Immutable: new content is a new attachment."""

    owner_id: str
    name: str
    mime: str
    sha256: str = ""
    size: int = 0
    data: bytes = b""
