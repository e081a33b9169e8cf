"""What each kind of record shows and edits, and the vault reads and writes behind that.

Qt-free on purpose: every function taking a `Vault` or `Store` runs on the
session's worker thread (inside `Session.read`/`Session.write`), and the rest
is plain data the widgets render. Derived values (a contact's last meeting,
whether it is overdue) are computed by SQL for the rows being shown only.

The forms work on "editor fields": JSON-able values as the widgets hold them
(lists for list fields, a meeting's wall-clock time at its post), which is
also what a draft stores, so a restored draft fills the form exactly as it
was. `plan_save` turns the fields that changed into what the store takes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from liaison_desk.core import relations
from liaison_desk.core.drafts import discard_draft
from liaison_desk.core.kinds import BY_NAME, CONTACT, MEETING, ORGANIZATION, Kind
from liaison_desk.core.records import (
    FOLLOWUP_STATUSES,
    MEETING_KINDS,
    ORGANIZATION_KINDS,
    PROTOCOL_CATEGORIES,
    Contact,
    FollowUp,
    Meeting,
    Participant,
)
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.vault import Vault

Extras = Mapping[str, Any]

# -- the fields of each kind -------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # with a mnemonic: Alt+letter jumps to the field
    widget: str  # line, text, list, choice, marking, count, date, datetime, zone, ref
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    ref: Kind[Any] | None = None


def field_spec(
    name: str, label: str, widget: str = "line", placeholder: str = "", **kw: Any
) -> FieldSpec:
    return FieldSpec(name, label, widget, placeholder, **kw)


_TAGS = field_spec("tags", "Ta&gs", "list", "Comma-separated, e.g. navy, visit-2026")
_MARKING = field_spec("marking", "Mar&king", "marking")
_DISTRIBUTION = field_spec(
    "distribution",
    "Distri&bution",
    "line",
    "Who receives it: hq, all, group:<name> (blank: default)",
)
FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "organization": (
        field_spec("name", "&Name", placeholder="e.g. Ministry of the Armed Forces"),
        field_spec("kind", "&Kind", "choice", choices=ORGANIZATION_KINDS),
        field_spec("country", "C&ountry", placeholder="Two letters, e.g. FR"),
        field_spec(
            "parent_id", "&Part of", "ref", "Type to find an organization", ref=ORGANIZATION
        ),
        field_spec("notes", "No&tes", "text"),
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
        field_spec("country", "C&ountry", placeholder="Two letters, e.g. FR"),
        field_spec("languages", "&Languages", "list", "Comma-separated, e.g. French, English"),
        field_spec("phones", "P&hones", "list", "Comma-separated, e.g. +33 1 23 45 67 89"),
        field_spec("emails", "&Emails", "list", "Comma-separated, e.g. name@example.org"),
        field_spec("address", "A&ddress", "text"),
        field_spec("how_met", "How &met", "text", "Where and through whom you met"),
        field_spec("trust_notes", "&Trust notes", "text", "The relationship and how far it goes"),
        field_spec("notes", "No&tes", "text"),
        field_spec("cadence_days", "&Cadence", "count"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "meeting": (
        field_spec("title", "&Title", placeholder="e.g. Lunch with the defence attaché"),
        field_spec("kind", "&Kind", "choice", choices=MEETING_KINDS),
        field_spec("starts_at", "&When", "datetime"),
        field_spec("timezone", "Time &zone", "zone", "e.g. Europe/Paris (blank: UTC)"),
        field_spec("place", "&Place"),
        field_spec("summary", "&Summary", "text", "What happened, in a few lines"),
        field_spec("notes", "No&tes", "text", "Detailed notes (Markdown)"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "followup": (
        field_spec("action", "&Action", placeholder="What needs doing"),
        field_spec("status", "&Status", "choice", choices=FOLLOWUP_STATUSES),
        field_spec("owner", "O&wner", placeholder="Who does it"),
        field_spec("due_date", "&Due", "date"),
        field_spec("contact_id", "&Contact", "ref", "Type to find a contact", ref=CONTACT),
        field_spec("meeting_id", "&Meeting", "ref", "Type to find a meeting", ref=MEETING),
        field_spec("notes", "No&tes", "text"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
    "protocol": (
        field_spec("title", "&Title"),
        field_spec("country", "C&ountry", placeholder="Two letters, or general"),
        field_spec("category", "&Category", "choice", choices=PROTOCOL_CATEGORIES),
        field_spec("body", "&Text", "text", "The reference itself (Markdown)"),
        field_spec("source", "&Source"),
        field_spec("version", "&Version"),
        field_spec("effective_date", "&Effective", "date"),
        _TAGS,
        _MARKING,
        _DISTRIBUTION,
    ),
}


def pretty(value: str) -> str:
    """A stored choice as people read it: "armed-service" -> "Armed service"."""
    return value.replace("-", " ").capitalize()


# -- values derived for a page of a list ------------------------------------------------------


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def last_contacts(
    store: Store, contact_ids: Sequence[str], as_of: str | None = None
) -> dict[str, str]:
    """When each contact was last met (ISO UTC), in one query for a whole page of contacts.

    Meetings after `as_of` are planned, not contact made, so they do not count.
    """
    if not contact_ids:
        return {}
    upto = "AND m.starts_at <= ?" if as_of else ""
    rows = store.conn.execute(
        "SELECT p.contact_id, max(m.starts_at) FROM participants p "
        f"JOIN meetings m ON m.id = p.meeting_id AND m.deleted = 0 {upto} "
        f"WHERE p.deleted = 0 AND p.contact_id IN ({_placeholders(contact_ids)}) "
        "GROUP BY p.contact_id",
        ([as_of] if as_of else []) + list(contact_ids),
    ).fetchall()
    return {contact_id: last for contact_id, last in rows}


def titles(store: Store, kind: Kind[Any], ids: Iterable[str | None]) -> dict[str, str]:
    """The title of each live record named in `ids` (for columns naming a related record)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = store.conn.execute(
        f"SELECT id, {kind.title_field} FROM {kind.table} "
        f"WHERE deleted = 0 AND id IN ({_placeholders(wanted)})",
        wanted,
    ).fetchall()
    return dict(rows)


def is_overdue(last: str | None, cadence_days: int | None, today: date) -> bool:
    """Due for contact: a cadence is set and it has passed since the last meeting (or ever)."""
    if cadence_days is None:
        return False
    if last is None:
        return True
    return date.fromisoformat(last[:10]) + timedelta(days=cadence_days) < today


def _now(vault: Vault) -> datetime:
    return datetime.fromtimestamp(vault.clock.now_ms() / 1000, tz=UTC)


def annotate_contacts(vault: Vault, contacts: Sequence[Contact]) -> dict[str, Extras]:
    """Last contact, overdue flag and organization name for a page of contacts."""
    now = _now(vault)
    store = vault.store
    last = last_contacts(store, [c.id for c in contacts], now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    orgs = titles(store, ORGANIZATION, (c.org_id for c in contacts))
    return {
        c.id: {
            "last_contact": last.get(c.id),
            "overdue": is_overdue(last.get(c.id), c.cadence_days, now.date()),
            "organization": orgs.get(c.org_id or ""),
        }
        for c in contacts
    }


def annotate_meetings(vault: Vault, meetings: Sequence[Meeting]) -> dict[str, Extras]:
    """Local time at the post and the people met, for a page of meetings (one query)."""
    ids = [m.id for m in meetings]
    people: dict[str, str] = {}
    if ids:
        rows = vault.store.conn.execute(
            "SELECT p.meeting_id, group_concat(c.full_name, ', ') FROM participants p "
            "JOIN contacts c ON c.id = p.contact_id AND c.deleted = 0 "
            f"WHERE p.deleted = 0 AND p.meeting_id IN ({_placeholders(ids)}) "
            "GROUP BY p.meeting_id",
            ids,
        ).fetchall()
        people = dict(rows)
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
    today = _now(vault).date()
    store = vault.store
    people = titles(store, CONTACT, (f.contact_id for f in followups))
    meetings = titles(store, MEETING, (f.meeting_id for f in followups))
    out: dict[str, Extras] = {}
    for f in followups:
        text, overdue = due_text(f.due_date, f.status, today)
        about = people.get(f.contact_id or "") or meetings.get(f.meeting_id or "")
        out[f.id] = {"due": text, "overdue": overdue, "about": about}
    return out


def protocol_countries(store: Store) -> list[str]:
    """The countries the protocol library covers, for its filter."""
    rows = store.conn.execute(
        "SELECT DISTINCT country FROM protocol_refs "
        "WHERE deleted = 0 AND country IS NOT NULL ORDER BY country"
    ).fetchall()
    return [country for (country,) in rows]


# -- converting between the store and the form -------------------------------------------------


def editor_fields(kind: Kind[Any], record: Any) -> dict[str, Any]:
    """A record's values as the form holds them."""
    out: dict[str, Any] = {}
    for spec in FIELDS[kind.name]:
        value = getattr(record, spec.name)
        out[spec.name] = list(value) if isinstance(value, tuple) else value
    if kind is MEETING:
        moment = datetime.fromisoformat(record.starts_at.replace("Z", "+00:00"))
        if record.timezone:
            moment = moment.astimezone(ZoneInfo(record.timezone))
        out["starts_at"] = moment.strftime("%Y-%m-%dT%H:%M")
    return out


def store_values(
    kind: Kind[Any], fields: Mapping[str, Any], names: Sequence[str]
) -> dict[str, Any]:
    """The form's values of `names` as the store takes them; a time without a zone is UTC."""
    out = {n: tuple(fields[n]) if isinstance(fields[n], list) else fields[n] for n in names}
    if kind is MEETING and ("starts_at" in out or "timezone" in out):
        out["timezone"] = fields["timezone"]
        out["starts_at"] = fields["starts_at"] + ("" if fields["timezone"] else "Z")
    return out


@dataclass(frozen=True)
class EditState:
    """What the form opens with: the record's values, maybe a draft over them, names of links."""

    record_id: str | None
    original: dict[str, Any]
    draft: dict[str, Any] | None = None
    names: dict[str, str] = field(default_factory=dict)


def load_edit_state(
    vault: Vault, kind: Kind[Any], record_id: str | None, draft: Mapping[str, Any] | None
) -> EditState:
    """What the editor opens with for a record (None: a new one), read on the worker."""
    store = vault.store
    original: dict[str, Any] = {}
    if record_id is not None:
        original = editor_fields(kind, store.get(kind.cls, record_id))
        if kind is MEETING:
            original["participants"] = [
                {
                    "contact_id": a.contact.id,
                    "name": a.contact.full_name,
                    "participant_id": a.participant.id,
                }
                for a in relations.participants(store, record_id)
            ]
    names: dict[str, str] = {}
    for spec in FIELDS[kind.name]:
        if spec.ref is not None:
            ids = [original.get(spec.name), (draft or {}).get(spec.name)]
            names |= titles(store, spec.ref, [i for i in ids if isinstance(i, str)])
    return EditState(record_id, original, dict(draft) if draft is not None else None, names)


@dataclass(frozen=True)
class SavePlan:
    """One save: the record's changes, and for a meeting the people and follow-ups with it."""

    kind: Kind[Any]
    record_id: str | None
    values: dict[str, Any]
    add_people: tuple[str, ...] = ()
    remove_people: tuple[str, ...] = ()
    followups: tuple[tuple[str, str | None], ...] = ()

    def apply(self, vault: Vault) -> Any:
        """All of it in one transaction, with the draft it replaces (runs on the worker)."""
        store = vault.store
        with store.transaction():
            if self.record_id is None:
                record = store.add(self.kind.cls(**self.values))
            elif self.values:
                record = store.update(self.kind.cls, self.record_id, self.values)
            else:
                record = store.get(self.kind.cls, self.record_id)
            mark = record.marking
            for contact_id in self.add_people:
                store.add(Participant(meeting_id=record.id, contact_id=contact_id, marking=mark))
            for participant_id in self.remove_people:
                store.delete(Participant, participant_id)
            for action, due in self.followups:
                store.add(FollowUp(action=action, due_date=due, meeting_id=record.id, marking=mark))
            discard_draft(vault.conn, self.kind.name, self.record_id)
        return record


def plan_save(
    kind: Kind[Any], record_id: str | None, original: Mapping[str, Any], current: Mapping[str, Any]
) -> SavePlan:
    names = [spec.name for spec in FIELDS[kind.name]]
    if record_id is not None:
        names = [n for n in names if current[n] != original.get(n)]
    before = {p["participant_id"] for p in original.get("participants", ())}
    after = current.get("participants", ())
    kept = {p["participant_id"] for p in after}
    return SavePlan(
        kind,
        record_id,
        store_values(kind, current, names),
        tuple(p["contact_id"] for p in after if p["participant_id"] is None),
        tuple(sorted(before - kept)),
        tuple((f["action"], f["due_date"]) for f in current.get("followups", ())),
    )


# -- the detail pane -----------------------------------------------------------------------------


MARKDOWN_FIELDS = {"meeting": ("notes", "Notes"), "protocol": ("body", "")}  # field, heading
COPYABLE_FIELDS = frozenset({"phones", "emails", "address"})
RELATED_LIMIT = 50


@dataclass(frozen=True)
class Link:
    """A related record shown as a line that opens it."""

    kind: str
    id: str
    text: str


@dataclass(frozen=True)
class Detail:
    kind: Kind[Any]
    record: Any
    names: dict[str, str] = field(default_factory=dict)  # titles of records the fields name
    facts: tuple[tuple[str, str], ...] = ()  # derived lines, e.g. ("Last contact", "…")
    related: tuple[tuple[str, tuple[Link, ...]], ...] = ()  # headed lists of related records


def _meeting_line(m: Meeting) -> Link:
    return Link("meeting", m.id, f"{local_time(m.starts_at, m.timezone)} — {m.title}")


def _followup_line(f: FollowUp) -> Link:
    due = f.due_date or "no date"
    done = " (done)" if f.status == "done" else ""
    return Link("followup", f.id, f"{due} — {f.action}{done}")


def load_detail(vault: Vault, kind: Kind[Any], record_id: str) -> Detail:
    """Everything the detail pane shows about one record, read in one go on the worker."""
    store = vault.store
    record = store.get(kind.cls, record_id)
    refs: dict[str, list[str]] = {}
    for spec in FIELDS[kind.name]:
        if spec.ref is not None and getattr(record, spec.name):
            refs.setdefault(spec.ref.name, []).append(getattr(record, spec.name))
    names: dict[str, str] = {}
    for ref_kind, ids in refs.items():
        names |= titles(store, BY_NAME[ref_kind], ids)
    facts: list[tuple[str, str]] = []
    related: list[tuple[str, tuple[Link, ...]]] = []
    if kind is CONTACT:
        now = _now(vault)
        last = last_contacts(store, [record_id], now.strftime("%Y-%m-%dT%H:%M:%SZ")).get(record_id)
        overdue = (
            " — overdue for contact" if is_overdue(last, record.cadence_days, now.date()) else ""
        )
        facts.append(("Last contact", (last[:10] if last else "never") + overdue))
        meetings = relations.meetings_of(store, record_id, limit=RELATED_LIMIT)
        followups = relations.open_followups(store, contact_id=record_id)[:RELATED_LIMIT]
        related.append(("Meetings", tuple(_meeting_line(m) for m in meetings)))
        related.append(("Open follow-ups", tuple(_followup_line(f) for f in followups)))
    elif kind is MEETING:
        people = relations.participants(store, record_id)
        links = tuple(
            Link(
                "contact",
                a.contact.id,
                a.contact.full_name + (f" ({r})" if (r := a.participant.role) else ""),
            )
            for a in people
        )
        actions = store.list(
            FollowUp, ListQuery(where={"meeting_id": record_id}, limit=RELATED_LIMIT)
        )
        related.append(("People", links))
        related.append(("Follow-ups", tuple(_followup_line(f) for f in actions)))
    elif kind is ORGANIZATION:
        members = store.list(Contact, ListQuery(where={"org_id": record_id}, limit=RELATED_LIMIT))
        related.append(("People", tuple(Link("contact", c.id, c.full_name) for c in members)))
    return Detail(kind, record, names, tuple(facts), tuple(related))


_GREY = "color:#777"


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _line(label: str, cell: str) -> str:
    return f"<tr><td style='{_GREY}'>{html.escape(label)}</td><td>{cell}</td></tr>"


def _cell(spec: FieldSpec, value: Any, detail: Detail, copyable: list[str]) -> str:
    if spec.ref is not None:
        name = detail.names.get(value, "(deleted)")
        return f"<a href='record:{spec.ref.name}/{value}'>{html.escape(name)}</a>"
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


def detail_html(detail: Detail) -> tuple[str, list[str]]:
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
    rows += [_line(label, _text(value)) for label, value in detail.facts]
    title = html.escape(str(getattr(record, kind.title_field) or ""))
    created, updated = (t[:16].replace("T", " ") for t in (record.created_at, record.updated_at))
    parts = [
        f"<h2>{title}</h2>",
        f"<p style='{_GREY}'>Created {created} · updated {updated} UTC</p>",
        f"<table cellspacing='0' cellpadding='3'>{''.join(rows)}</table>",
    ]
    for heading, links in detail.related:
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        if not links:
            parts.append(f"<p style='{_GREY}'>None yet.</p>")
        for link in links:
            href = f"record:{link.kind}/{link.id}"
            parts.append(f"<p><a href='{href}'>{html.escape(link.text)}</a></p>")
    return "".join(parts), copyable
