"""What each kind of record shows and edits: field specs, form values, the detail page.

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

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from liaison_desk.core import relations
from liaison_desk.core.contact_details import ContactDetails, address_text
from liaison_desk.core.edits import Edit
from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION, Kind
from liaison_desk.core.meetings import NewFollowUp
from liaison_desk.core.record_detail import RecordDetail
from liaison_desk.core.records import (
    FOLLOWUP_STATUSES,
    MEETING_KINDS,
    ORGANIZATION_KINDS,
    PROTOCOL_CATEGORIES,
    Contact,
    FollowUp,
    Meeting,
)
from liaison_desk.core.station_zone import station_today, station_zone
from liaison_desk.core.vault import Vault

Extras = Mapping[str, Any]

# -- the fields of each kind -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    # With a mnemonic: Alt+letter jumps to the field. Each is used once in its window, menus
    # and list buttons included (tests/ui/test_mnemonics.py); V, I, E and H are the menus'.
    label: str
    # line, text, list, choice, marking, count, date, datetime, zone, ref, refs, distribution
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
        field_spec("rank", "&Rank", placeholder="e.g. Colonel"),
        field_spec("position", "&Position", placeholder="Appointment or role"),
        field_spec(
            "org_id", "&Organization", "ref", "Type to find an organization", ref=ORGANIZATION
        ),
        field_spec("country", "Countr&y", placeholder="Two letters, e.g. FR"),
        field_spec("languages", "&Languages", "list", "Comma-separated, e.g. French, English"),
        field_spec("how_met", "How &met", "text", "Where and through whom you met"),
        field_spec("trust_notes", "Tr&ust notes", "text", "The relationship and how far it goes"),
        field_spec("notes", "No&tes", "text"),
        field_spec("cadence_days", "&Cadence", "count"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "meeting": (
        field_spec("title", "&Title", placeholder="e.g. Lunch with the defence attaché"),
        field_spec("kind", "Kin&d", "choice", choices=MEETING_KINDS),
        field_spec("starts_at", "&When", "datetime"),
        field_spec("timezone", "Time &zone", "zone", "e.g. Europe/Paris"),
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
        m.id: {"when": local_time(m.starts_at, m.timezone), "with": people.get(m.id)}
        for m in meetings
    }


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
        moment = datetime.fromisoformat(record.starts_at.replace("Z", "+00:00"))
        moment = moment.astimezone(ZoneInfo(record.timezone or station_zone))
        out["starts_at"] = moment.strftime("%Y-%m-%dT%H:%M")
    return out


def blank_fields(now: datetime, station_zone: str) -> dict[str, Any]:
    """What a new record's form starts with: a meeting at the next hour, at this station."""
    here = now.astimezone(ZoneInfo(station_zone))
    next_hour = here.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "starts_at": next_hour.strftime("%Y-%m-%dT%H:%M"),
        "timezone": station_zone,
        "status": "open",
    }


def store_values(
    kind: Kind[Any], fields: Mapping[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """The form's values of `names` as the store takes them.

    A meeting's time goes with its zone field, blank or not: the core reads a
    time typed without a zone in the station's (meetings.save_meeting).
    """
    out = {n: tuple(fields[n]) if isinstance(fields[n], list) else fields[n] for n in names}
    if kind is MEETING and ("starts_at" in out or "timezone" in out):
        out["timezone"] = fields["timezone"]
        out["starts_at"] = fields["starts_at"]
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
    names = relations.linked_titles(store, kind, [original, draft or {}])
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

    Roles go with the people added and with those whose role changed.
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
    )


# -- the detail pane -----------------------------------------------------------------------------


MARKDOWN_FIELDS = {"meeting": ("notes", "Notes"), "protocol": ("body", "")}  # field, heading
COPYABLE_FIELDS: frozenset[str] = frozenset()
# A contact's points in the detail pane: channel and heading, each value with a Copy link.
_POINT_ROWS = (
    ("phone", "Phone"),
    ("email", "Email"),
    ("address", "Address"),
    ("web", "Web"),
    ("im", "Messaging"),
)


@dataclass(frozen=True)
class Link:
    """A related record shown as a line that opens it."""

    kind: str
    id: str
    text: str


def _meeting_line(m: Meeting) -> Link:
    return Link("meeting", m.id, f"{local_time(m.starts_at, m.timezone)} — {m.title}")


def _followup_line(f: FollowUp) -> Link:
    due = f.due_date or "no date"
    done = " (done)" if f.status == "done" else ""
    return Link("followup", f.id, f"{due} — {f.action}{done}")


def detail_facts(detail: RecordDetail) -> tuple[tuple[str, str], ...]:
    """Derived lines under the fields, e.g. ("Last contact", "2026-03-14 — overdue for contact")."""
    standing = detail.standing
    if standing is None:
        return ()
    last = standing.last_contact
    overdue = " — overdue for contact" if standing.overdue else ""
    return (("Last contact", (last[:10] if last else "never") + overdue),)


def detail_related(detail: RecordDetail) -> tuple[tuple[str, tuple[Link, ...]], ...]:
    """The headed lists of related records shown under a record."""
    if detail.kind is CONTACT:
        return (
            ("Meetings", tuple(_meeting_line(m) for m in detail.meetings)),
            ("Open follow-ups", tuple(_followup_line(f) for f in detail.followups)),
        )
    if detail.kind is MEETING:
        people = tuple(
            Link(
                "contact",
                a.contact.id,
                a.contact.full_name + (f" ({pretty(r)})" if (r := a.participant.role) else ""),
            )
            for a in detail.people
        )
        return (
            ("People", people),
            ("Follow-ups", tuple(_followup_line(f) for f in detail.followups)),
        )
    if detail.kind is ORGANIZATION:
        return (("People", tuple(Link("contact", c.id, c.full_name) for c in detail.members)),)
    return ()


_GREY = "color:#777"


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _line(label: str, cell: str) -> str:
    return f"<tr><td style='{_GREY}'>{html.escape(label)}</td><td>{cell}</td></tr>"


def _cell(spec: FieldSpec, value: Any, detail: RecordDetail, copyable: list[str]) -> str:
    if spec.ref is not None:
        ids = value if isinstance(value, tuple) else (value,)
        names = {i: html.escape(detail.names.get(i, "(deleted)")) for i in ids}
        return ", ".join(f"<a href='record:{spec.ref.name}/{i}'>{names[i]}</a>" for i in ids)
    if spec.widget == "choice":
        return html.escape(pretty(value))
    if spec.widget == "count":
        return f"every {int(value)} days"
    if spec.widget == "datetime":
        zone = getattr(detail.record, "timezone", None)
        return html.escape(local_time(value, zone) + (f" ({zone})" if zone else ""))
    values = [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
    if spec.name not in COPYABLE_FIELDS:
        return ", ".join(_text(v) for v in values)
    cells = []
    for v in values:
        copyable.append(v)
        cells.append(f"{_text(v)} &nbsp;<a href='copy:{len(copyable) - 1}'>Copy</a>")
    return "<br>".join(cells)


def _copyable(text: str, copyable: list[str]) -> str:
    copyable.append(text)
    return f"{_text(text)} &nbsp;<a href='copy:{len(copyable) - 1}'>Copy</a>"


def _detail_rows(details: ContactDetails, detail: RecordDetail, copyable: list[str]) -> list[str]:
    """A contact's points (each copyable), postings and relations, a row per kind."""
    rows = []
    for channel, heading in _POINT_ROWS:
        cells = []
        for p in details.points:
            if p.channel != channel:
                continue
            text = address_text(p) if channel == "address" else (p.value or "")
            text += f" x{p.extension}" if p.extension else ""
            label = f"{html.escape(p.label)}: " if p.label else ""
            cells.append(label + _copyable(text, copyable))
        if cells:
            rows.append(_line(heading, "<br>".join(cells)))
    postings = [
        " — ".join(
            x
            for x in (
                f"{p.starts_on or '?'} to {p.ends_on or 'now'}",
                p.title,
                detail.names.get(p.org_id or "", p.organization or ""),
            )
            if x
        )
        for p in details.postings
    ]
    if postings:
        rows.append(_line("Postings", "<br>".join(_text(p) for p in postings)))
    relations = [
        f"{pretty(r.relation)}: {detail.names.get(r.other_id or '', r.name or '')}"
        for r in details.relations
    ]
    if relations:
        rows.append(_line("Relations", "<br>".join(_text(r) for r in relations)))
    return rows


def detail_html(detail: RecordDetail) -> tuple[str, list[str]]:
    """The detail pane as HTML (user text escaped), and the values its copy:N links stand for.

    The Markdown body (MARKDOWN_FIELDS) is left out: the view appends it as Markdown.
    """
    kind, record = detail.kind, detail.record
    skipped = (kind.title_field, "marking", MARKDOWN_FIELDS.get(kind.name, ("",))[0])
    copyable: list[str] = []
    rows = [
        _line(spec.label.replace("&", ""), _cell(spec, value, detail, copyable))
        for spec in FIELDS[kind.name]
        if spec.name not in skipped and (value := getattr(record, spec.name)) not in (None, (), "")
    ]
    rows += _detail_rows(detail.details, detail, copyable)
    rows += [_line(label, _text(value)) for label, value in detail_facts(detail)]
    title = html.escape(str(getattr(record, kind.title_field) or ""))
    created, updated = (t[:16].replace("T", " ") for t in (record.created_at, record.updated_at))
    parts = [
        f"<h2>{title}</h2>",
        f"<p style='{_GREY}'>Created {created} · updated {updated} UTC</p>",
        f"<table cellspacing='0' cellpadding='3'>{''.join(rows)}</table>",
    ]
    for heading, links in detail_related(detail):
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        if not links:
            parts.append(f"<p style='{_GREY}'>None yet.</p>")
        for link in links:
            href = f"record:{link.kind}/{link.id}"
            parts.append(f"<p><a href='{href}'>{html.escape(link.text)}</a></p>")
    return "".join(parts), copyable
