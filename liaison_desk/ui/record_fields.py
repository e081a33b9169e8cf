"""What each kind of record shows and edits: field specs, list values, form values.

Qt-free and free of SQL: the vault work (last contact, titles, a record with
its relations, saving with a meeting's people) is the core's, in `relations`,
`record_detail`, `meetings` and `edits`; the functions here that take a
`Vault` run on the session's worker and only call those.

The forms work on "editor fields": JSON-able values as the widgets hold them
(lists for list fields, a meeting's wall-clock time at its post), which is
also what a draft stores, so a restored draft fills the form exactly as it
was. `plan_save` turns the fields that changed into the core's `Edit`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from liaison_desk.core import relations
from liaison_desk.core.contact_details import details_of
from liaison_desk.core.edits import Edit
from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION, POSTING, RELATION, Kind
from liaison_desk.core.meetings import NewFollowUp
from liaison_desk.core.records import (
    DIPLOMATIC_RANKS,
    FOLLOWUP_STATUSES,
    GIFT_DIRECTIONS,
    MEETING_KINDS,
    ORGANIZATION_KINDS,
    PROTOCOL_CATEGORIES,
    Contact,
    FollowUp,
    Meeting,
)
from liaison_desk.core.recurrence_text import describe_rule
from liaison_desk.core.station_zone import station_today, station_zone
from liaison_desk.core.vault import Vault
from liaison_desk.ui.contact_fields import (
    detail_fields,
    details_changed,
    details_from,
    language_rows,
    language_values,
    linked,
    upgraded_draft,
)

Extras = Mapping[str, Any]
_WALL_TIME = "%Y-%m-%dT%H:%M"  # a time as the form holds it
# A meeting's time fields are read together: a time typed without a zone is read in the
# zone field's, and an all-day meeting's days ignore both.
_TIMING = frozenset({"starts_at", "ends_at", "timezone", "all_day"})

# -- the fields of each kind -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    # With a mnemonic: Alt+letter jumps to the field. Each is used once in its window, menus
    # and list buttons included (tests/ui/test_mnemonics.py); V, I, E and H are the menus'.
    label: str
    # line, text, list, choice, marking, count, date, datetime, check, repeats, zone, ref, refs,
    # distribution, rows (ui/repeated_rows.py), day (a date whose year may be unknown),
    # rank and rank_code (ui/rank_field.py)
    widget: str
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    ref: Kind[Any] | None = None


def field_spec(
    name: str, label: str, widget: str = "line", placeholder: str = "", **kw: Any
) -> FieldSpec:
    return FieldSpec(name, label, widget, placeholder, **kw)


_TAGS = field_spec("tags", "Ta&gs", "list", "Comma-separated, e.g. navy, visit-2026")
_MARKING = field_spec("marking", "Mar&king", "marking")
_DISTRIBUTION = field_spec("distribution", "Distri&bution", "distribution")
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "organization": (
        field_spec("name", "&Name", placeholder="e.g. Ministry of the Armed Forces"),
        field_spec("kind", "Kin&d", "choice", choices=ORGANIZATION_KINDS),
        field_spec("country", "Countr&y", placeholder="Two letters, e.g. FR"),
        field_spec(
            "parent_id", "&Part of", "ref", "Type to find an organization", ref=ORGANIZATION
        ),
        field_spec("notes", "N&otes", "text"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "contact": (
        field_spec("full_name", "&Name", placeholder="Full name as they write it"),
        # The structured name, on one row of the form (ui/contact_form.py): as given, never
        # derived from the full name, so "Michael Angstadt Jr." keeps its suffix a suffix.
        field_spec("given_name", "Given name", placeholder="Given name"),
        field_spec("family_name", "Family name", placeholder="Family name"),
        field_spec("name_prefix", "Prefix", placeholder="Prefix"),
        field_spec("additional_names", "Additional names", placeholder="Additional names"),
        field_spec("name_suffix", "Suffix", placeholder="Suffix"),
        field_spec("nicknames", "Nic&knames", "list", "Comma-separated"),
        field_spec("aliases", "Also kno&wn as", "list", "Former names, names in other scripts"),
        field_spec("rank", "&Rank", "rank", "Pick from the table, or type (e.g. Colonel)"),
        field_spec("rank_code", "NATO code", "rank_code"),  # shown beside the rank
        field_spec("position", "&Position", placeholder="Appointment or role"),
        field_spec(
            "org_id", "&Organization", "ref", "Type to find an organization", ref=ORGANIZATION
        ),
        field_spec("country", "Countr&y", placeholder="Two letters, e.g. FR"),
        field_spec("languages", "Lan&guages", "rows"),
        field_spec("birthday", "&Birthday", "day", "1974-03-14, or 03-14"),
        field_spec("anniversary", "Anniver&sary", "day", "2001-06-21, or 06-21"),
        field_spec("diplomatic_rank", "Diplomatic ra&nk", "choice", choices=DIPLOMATIC_RANKS),
        field_spec("accredited_on", "Acc&redited on", "date"),
        field_spec("how_met", "How &met", "text", "Where and through whom you met"),
        field_spec("trust_notes", "Tr&ust notes", "text", "The relationship and how far it goes"),
        field_spec("notes", "Note&s", "text"),
        field_spec("cadence_days", "Cade&nce", "count"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "meeting": (
        field_spec("title", "&Title", placeholder="e.g. Lunch with the defence attaché"),
        field_spec("kind", "Kin&d", "choice", choices=MEETING_KINDS),
        field_spec("starts_at", "&When", "datetime"),
        field_spec("ends_at", "E&nds", "datetime"),
        field_spec("all_day", "&All day", "check"),
        field_spec("timezone", "Time &zone", "zone", "e.g. Europe/Paris"),
        field_spec("recurrence", "&Repeats", "repeats"),
        field_spec("place", "&Place"),
        field_spec("summary", "&Summary", "text", "What happened, in a few lines"),
        field_spec("notes", "N&otes", "text", "Detailed notes (Markdown)"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "followup": (
        field_spec("action", "&Action", placeholder="What needs doing"),
        field_spec("status", "&Status", "choice", choices=FOLLOWUP_STATUSES),
        field_spec("owner", "O&wner", placeholder="Who does it"),
        field_spec("due_date", "D&ue", "date"),
        field_spec("contact_ids", "&Contacts", "refs", "Type to add a contact", ref=CONTACT),
        field_spec("meeting_id", "&Meeting", "ref", "Type to find a meeting", ref=MEETING),
        field_spec("notes", "No&tes", "text"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "protocol": (
        field_spec("title", "&Title"),
        field_spec("country", "Countr&y", placeholder="Two letters, or general"),
        field_spec("category", "&Category", "choice", choices=PROTOCOL_CATEGORIES),
        field_spec("body", "Te&xt", "text", "The reference itself (Markdown)"),
        field_spec("source", "&Source"),
        field_spec("version", "Ve&rsion"),
        field_spec("effective_date", "E&ffective", "date"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    # Its declaration is the core's to work out at each save (core.gifts): shown, never edited.
    "gift": (
        field_spec("description", "&What", placeholder="e.g. Engraved silver tray"),
        field_spec("direction", "Di&rection", "choice", choices=GIFT_DIRECTIONS),
        field_spec("value", "Val&ue", placeholder="Estimated, e.g. 150 or 89.90"),
        field_spec("currency", "Curre&ncy", placeholder="Three letters, e.g. EUR"),
        field_spec("exchanged_on", "&Date", "date"),
        field_spec("contact_ids", "&Contacts", "refs", "Type to add a contact", ref=CONTACT),
        field_spec("occasion", "&Occasion", placeholder="e.g. National day reception"),
        field_spec("meeting_id", "&Meeting", "ref", "Type to find a meeting", ref=MEETING),
        field_spec("country", "Countr&y", placeholder="Whose limits apply; default: the contact's"),
        field_spec("notes", "No&tes", "text"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
}


def pretty(value: str) -> str:
    """A stored choice as people read it: "armed-service" -> "Armed service"."""
    return value.replace("-", " ").capitalize()


# -- values derived for a page of a list ------------------------------------------------------


def _now(vault: Vault) -> datetime:
    return datetime.fromtimestamp(vault.clock.now_ms() / 1000, tz=UTC)


def annotate_contacts(vault: Vault, contacts: Sequence[Contact]) -> dict[str, Extras]:
    """Last contact, overdue flag and organization name for a page of contacts."""
    store = vault.store
    standing = relations.standings(store, vault.clock, contacts)
    orgs = relations.titles(store, ORGANIZATION, (c.org_id for c in contacts))
    return {
        c.id: {
            "last_contact": standing[c.id].last_contact,
            "overdue": standing[c.id].overdue,
            "organization": orgs.get(c.org_id or ""),
        }
        for c in contacts
    }


def annotate_meetings(vault: Vault, meetings: Sequence[Meeting]) -> dict[str, Extras]:
    """Local time at the post and the people met, for a page of meetings."""
    people = relations.names_at(vault.store, [m.id for m in meetings])
    return {
        m.id: {
            "when": meeting_when(m),
            "with": people.get(m.id),
            "repeats": describe_rule(m.recurrence),
        }
        for m in meetings
    }


def meeting_when(meeting: Meeting) -> str:
    """When a meeting starts where it takes place; an all-day one's day."""
    if meeting.all_day:
        return f"{meeting.starts_at[:10]} all day"
    return local_time(meeting.starts_at, meeting.timezone)


def local_time(starts_at: str, timezone: str | None) -> str:
    """A stored UTC time as the wall-clock time where the meeting takes place."""
    moment = datetime.fromisoformat(starts_at.replace("Z", "+00:00"))
    if timezone:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def due_text(due: str | None, status: str, today: date) -> tuple[str, bool]:
    """How a follow-up's due date reads in a list, and whether it is overdue."""
    if due is None:
        return ("No date" if status == "open" else ""), False
    if status != "open":
        return due, False
    days = (date.fromisoformat(due) - today).days
    if days < 0:
        return f"{due} · overdue {-days} d", True
    if days == 0:
        return f"{due} · today", False
    return f"{due} · in {days} d", False


def annotate_followups(vault: Vault, followups: Sequence[FollowUp]) -> dict[str, Extras]:
    """The due text, overdue flag and who or what each follow-up is about."""
    today = station_today(vault.store, vault.clock)
    store = vault.store
    people = relations.titles(store, CONTACT, (c for f in followups for c in f.contact_ids))
    meetings = relations.titles(store, MEETING, (f.meeting_id for f in followups))
    out: dict[str, Extras] = {}
    for f in followups:
        text, overdue = due_text(f.due_date, f.status, today)
        named = ", ".join(people[c] for c in f.contact_ids if c in people)
        about = named or meetings.get(f.meeting_id or "")
        out[f.id] = {"due": text, "overdue": overdue, "about": about}
    return out


# -- converting between the store and the form -------------------------------------------------


def editor_fields(kind: Kind[Any], record: Any, station_zone: str) -> dict[str, Any]:
    """A record's values as the form holds them.

    A meeting's time is its wall-clock time in its own zone; one stored without
    a zone shows in the station's, which is what its blank zone field means.
    """
    out: dict[str, Any] = {}
    for spec in FIELDS[kind.name]:
        value = getattr(record, spec.name)
        out[spec.name] = list(value) if isinstance(value, tuple) else value
    if kind is MEETING:
        out.update(_wall_times(record, station_zone))
    if kind is CONTACT:
        out["languages"] = language_rows(record.languages)
    return out


def _wall_times(meeting: Meeting, station_zone: str) -> dict[str, str]:
    """A meeting's start and end as the form shows them: wall-clock times in its zone, or
    for an all-day meeting its first and last days (stored: the day after the last). A
    meeting with no end shows one an hour (a day) after its start."""
    zone = ZoneInfo("UTC" if meeting.all_day else meeting.timezone or station_zone)
    start = datetime.fromisoformat(meeting.starts_at.replace("Z", "+00:00")).astimezone(zone)
    if meeting.ends_at is None:
        end = start + (timedelta(days=1) if meeting.all_day else timedelta(hours=1))
    else:
        end = datetime.fromisoformat(meeting.ends_at.replace("Z", "+00:00")).astimezone(zone)
    if meeting.all_day:
        end -= timedelta(days=1)
    return {"starts_at": start.strftime(_WALL_TIME), "ends_at": end.strftime(_WALL_TIME)}


def blank_fields(now: datetime, station_zone: str) -> dict[str, Any]:
    """What a new record's form starts with: a meeting at the next hour, at this station;
    a gift received today."""
    here = now.astimezone(ZoneInfo(station_zone))
    next_hour = here.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "starts_at": next_hour.strftime(_WALL_TIME),
        "ends_at": (next_hour + timedelta(hours=1)).strftime(_WALL_TIME),
        "timezone": station_zone,
        "all_day": False,
        "status": "open",
        "direction": "received",
        "exchanged_on": here.date().isoformat(),
    }


def store_values(
    kind: Kind[Any], fields: Mapping[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """The form's values of `names` as the store takes them.

    A meeting's time goes with its zone field, blank or not: the core reads a
    time typed without a zone in the station's (meetings.save_meeting).
    """
    out = {n: tuple(fields[n]) if isinstance(fields[n], list) else fields[n] for n in names}
    if kind is MEETING and _TIMING & set(out):
        out.update({n: fields[n] for n in _TIMING})
        if fields["all_day"] and fields["ends_at"]:  # the form shows the last day
            last = date.fromisoformat(fields["ends_at"][:10])
            out["ends_at"] = (last + timedelta(days=1)).isoformat()
    if kind is CONTACT and {"rank", "country"} & set(out):
        out["rank_code"] = fields["rank_code"]  # the code goes with the rank it stands for
    if kind is CONTACT and "languages" in out:
        out["languages"] = tuple(language_values(fields["languages"]))
    return out


@dataclass(frozen=True)
class EditState:
    """What the form opens with: the record's values, maybe a draft over them, names of links.

    `blank` is what a new record starts with and `today` the date a date field
    starts from (both from the vault's clock, at the station); `station_zone` is
    what a blank time zone means.
    """

    record_id: str | None
    original: dict[str, Any]
    draft: dict[str, Any] | None = None
    names: dict[str, str] = field(default_factory=dict)
    station_zone: str = "UTC"
    blank: dict[str, Any] = field(default_factory=dict)
    today: str = ""


def load_edit_state(
    vault: Vault, kind: Kind[Any], record_id: str | None, draft: Mapping[str, Any] | None
) -> EditState:
    """What the editor opens with for a record (None: a new one), read on the worker."""
    store = vault.store
    zone = station_zone(store)
    original: dict[str, Any] = {}
    if record_id is not None:
        original = editor_fields(kind, store.get(kind.cls, record_id), zone)
        if kind is MEETING:
            original["participants"] = [
                {
                    "contact_id": a.contact.id,
                    "name": a.contact.full_name,
                    "participant_id": a.participant.id,
                    "role": a.participant.role,
                }
                for a in relations.participants(store, record_id)
            ]
        if kind is CONTACT:
            original |= detail_fields(details_of(store, record_id))
    if kind is CONTACT and draft is not None:
        draft = upgraded_draft(draft, original)
    names = relations.linked_titles(store, kind, [original, draft or {}])
    if kind is CONTACT:
        postings, people = linked([original, draft or {}])
        names |= relations.linked_titles(store, POSTING, postings)
        names |= relations.linked_titles(store, RELATION, people)
    now = _now(vault)
    return EditState(
        record_id,
        original,
        dict(draft) if draft is not None else None,
        names,
        zone,
        blank_fields(now, zone),
        now.astimezone(ZoneInfo(zone)).date().isoformat(),
    )


def plan_save(
    kind: Kind[Any], record_id: str | None, original: Mapping[str, Any], current: Mapping[str, Any]
) -> Edit:
    """The form's changes as one edit for the core to save (people are compared by contact).

    Roles go with the people added and with those whose role changed; a contact's
    details go whole when any changed (the core writes only the fields that did).
    """
    names = [spec.name for spec in FIELDS[kind.name]]
    if record_id is not None:
        names = [n for n in names if current[n] != original.get(n)]
    before = {p["contact_id"]: p.get("role") for p in original.get("participants", ())}
    after = {p["contact_id"]: p.get("role") for p in current.get("participants", ())}
    return Edit(
        kind,
        record_id,
        store_values(kind, current, names),
        tuple(c for c in after if c not in before),
        tuple(c for c in before if c not in after),
        tuple(NewFollowUp(f["action"], f["due_date"]) for f in current.get("followups", ())),
        {c: role for c, role in after.items() if c not in before or before[c] != role},
        current.get("new_organization"),
        details_from(current) if kind is CONTACT and details_changed(original, current) else None,
    )
