"""The detail pane as HTML: a record's fields, derived facts and related records as links.

Qt-free: built on the GUI thread from a `RecordDetail` the worker read. User text
is escaped; "copy:N" links stand for values the pane copies, "record:kind/id"
links open a record. A contact reads in the order of its form's tabs: who they
are (the parts of their name on one line, a birthday with the age it makes), how
to reach them (each phone with its type and extension, each address as it is
written on an envelope), their career in date order, their people (a link when
the other person is a contact), then the notes kept on them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from liaison_desk.core.contact_details import address_text
from liaison_desk.core.kinds import CONTACT, GIFT, MEETING, ORGANIZATION
from liaison_desk.core.ranks import NOT_MAPPED, nato_code_of
from liaison_desk.core.record_detail import RecordDetail
from liaison_desk.core.records import (
    RELATION_KINDS,
    Contact,
    ContactPoint,
    ContactRelation,
    FollowUp,
    Meeting,
    Posting,
)
from liaison_desk.core.recurrence_text import describe_rule
from liaison_desk.ui.contact_fields import OFFERED_LABELS
from liaison_desk.ui.record_fields import FIELDS, FieldSpec, local_time, meeting_when, pretty

MARKDOWN_FIELDS = {"meeting": ("notes", "Notes"), "protocol": ("body", "")}  # field, heading
NAME_PARTS = (
    ("name_prefix", "prefix"),
    ("given_name", "given"),
    ("additional_names", "additional"),
    ("family_name", "family"),
    ("name_suffix", "suffix"),
)
_POINT_ROWS = (
    ("phone", "Phones"),
    ("email", "Emails"),
    ("address", "Addresses"),
    ("web", "Web"),
    ("im", "Messaging"),
)
_DASH = "\N{EN DASH}"  # between the dates of a posting
_DETAILS_BEFORE = "how_met"  # a contact's details come before its notes, as in its form


@dataclass(frozen=True)
class Link:
    """A related record shown as a line that opens it."""

    kind: str
    id: str
    text: str
    hint: str = ""  # shown when the pointer rests on it (why a participant has their place)


def _meeting_line(m: Meeting) -> Link:
    return Link("meeting", m.id, f"{meeting_when(m)} — {m.title}")


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
                f"{detail.places[a.contact.id].place}. {a.contact.full_name}"
                + (f" ({pretty(r)})" if (r := a.participant.role) else ""),
                detail.places[a.contact.id].reason,
            )
            for a in detail.people
        )
        return (
            (PEOPLE_IN_ORDER, people),
            ("Follow-ups", tuple(_followup_line(f) for f in detail.followups)),
        )
    if detail.kind is ORGANIZATION:
        return (("People", tuple(Link("contact", c.id, c.full_name) for c in detail.members)),)
    return ()


_GREY = "color:#777"
PEOPLE_IN_ORDER = "People, in order of precedence"


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _line(label: str, cell: str) -> str:
    return f"<tr><td style='{_GREY}'>{html.escape(label)}</td><td>{cell}</td></tr>"


def _cell(spec: FieldSpec, value: Any, detail: RecordDetail) -> str:
    if spec.ref is not None:
        ids = value if isinstance(value, tuple) else (value,)
        names = {i: html.escape(detail.names.get(i, "(deleted)")) for i in ids}
        return ", ".join(f"<a href='record:{spec.ref.name}/{i}'>{names[i]}</a>" for i in ids)
    if spec.widget == "choice":
        return html.escape(pretty(value))
    if spec.widget == "count":
        return f"every {int(value)} days"
    if spec.widget == "check":
        return "yes"
    if spec.widget == "repeats":
        return _text(f"{describe_rule(value)} ({value})")
    if spec.widget == "datetime" and getattr(detail.record, "all_day", False):
        last = spec.name == "ends_at"  # stored: the day after the last
        day = date.fromisoformat(value[:10]) - timedelta(days=1 if last else 0)
        return html.escape(day.isoformat())
    if spec.widget == "datetime":
        zone = getattr(detail.record, "timezone", None)
        return html.escape(local_time(value, zone) + (f" ({zone})" if zone else ""))
    if spec.name in ("birthday", "anniversary"):
        return _day(value, detail.age if spec.name == "birthday" else None)
    if spec.name == "languages":
        return ", ".join(_text(_language(v)) for v in value)
    if spec.name == "rank" and isinstance(detail.record, Contact):
        code = nato_code_of(detail.record)
        return f"{_text(value)} <span style='{_GREY}'>· {code or NOT_MAPPED}</span>"
    values = [str(v) for v in value] if isinstance(value, tuple) else [str(value)]
    return ", ".join(_text(v) for v in values)


def _copy(text: str, copyable: list[str]) -> str:
    copyable.append(text)
    return f"<a href='copy:{len(copyable) - 1}'>Copy</a>"


def _day(value: str, age: int | None) -> str:
    if value.startswith("--"):
        return f"{html.escape(value[2:])} <span style='{_GREY}'>(year not known)</span>"
    return html.escape(value) + (f" <span style='{_GREY}'>· {age} years old</span>" if age else "")


def _language(value: str) -> str:
    language, colon, level = value.partition(":")
    return f"{language} ({level})" if colon else value


def _label(label: str | None, offered: tuple[str, ...]) -> str:
    """A point's or a relation's type as a word before it: "Mobile", or as typed."""
    if not label:
        return ""
    return html.escape(pretty(label) if label in offered else label)


def _name_parts(record: Contact) -> tuple[str, str] | None:
    parts = [(word, getattr(record, name)) for name, word in NAME_PARTS]
    shown = [f"<span style='{_GREY}'>{word}</span> {_text(v)}" for word, v in parts if v]
    return ("Name parts", " &nbsp;".join(shown)) if shown else None


def _point(point: ContactPoint, copyable: list[str]) -> str:
    text = address_text(point) if point.channel == "address" else point.value or ""
    label = _label(point.label, OFFERED_LABELS.get(point.channel, ()))
    extension = ""
    if point.extension:
        extension = f" <span style='{_GREY}'>ext.</span> {_text(point.extension)}"
    head = f"<span style='{_GREY}'>{label}</span> " if label else ""
    return f"{head}{_text(text)}{extension} &nbsp;{_copy(text, copyable)}"


def _span(starts: str | None, ends: str | None) -> str:
    if starts and ends:
        return f"{starts} {_DASH} {ends}"
    if starts:
        return f"{starts} {_DASH} now"
    return f"until {ends}" if ends else ""


def _posting(posting: Posting, names: Mapping[str, str]) -> str:
    org = posting.organization or ""
    if posting.org_id:
        name = html.escape(names.get(posting.org_id, org or "(deleted)"))
        org = f"<a href='record:organization/{posting.org_id}'>{name}</a>"
    else:
        org = _text(org)
    when = _span(posting.starts_on, posting.ends_on)
    what = ", ".join(p for p in (_text(posting.title), org) if p)
    return f"<span style='{_GREY}'>{html.escape(when)}</span> {what}" if when else what


def _relation(relation: ContactRelation, names: Mapping[str, str]) -> str:
    who = _text(relation.name or "")
    if relation.other_id:
        name = html.escape(names.get(relation.other_id, relation.name or "(deleted)"))
        who = f"<a href='record:contact/{relation.other_id}'>{name}</a>"
    return f"<span style='{_GREY}'>{_label(relation.relation, RELATION_KINDS)}</span> {who}"


def contact_details(detail: RecordDetail, copyable: list[str]) -> list[tuple[str, str]]:
    """A contact's points, career and people: (heading, HTML of its lines), empty ones left out."""
    details = detail.details
    rows = []
    for channel, heading in _POINT_ROWS:
        lines = [_point(p, copyable) for p in details.points if p.channel == channel]
        rows.append((heading, lines))
    rows.append(("Career", [_posting(p, detail.names) for p in details.postings]))
    rows.append(("People", [_relation(r, detail.names) for r in details.relations]))
    return [(heading, "<br>".join(lines)) for heading, lines in rows if lines]


FLAGGED = (
    "Flagged by HQ: written by a station HQ has since found compromised. "
    "Check it before relying on it."
)


def detail_html(detail: RecordDetail) -> tuple[str, list[str]]:
    """The detail pane as HTML (user text escaped), and the values its copy:N links stand for.

    The Markdown body (MARKDOWN_FIELDS) is left out: the view appends it as Markdown.
    """
    kind, record = detail.kind, detail.record
    skipped = {kind.title_field, "marking", MARKDOWN_FIELDS.get(kind.name, ("",))[0]}
    skipped |= {name for name, _ in NAME_PARTS} | {"rank_code"}  # the code is in the rank's line
    copyable: list[str] = []
    rows: list[str] = []
    if kind is CONTACT and (name := _name_parts(record)) is not None:
        rows.append(_line(*name))
    for spec in FIELDS[kind.name]:
        if kind is CONTACT and spec.name == _DETAILS_BEFORE:
            rows += [_line(h, cell) for h, cell in contact_details(detail, copyable)]
        value = getattr(record, spec.name)
        if spec.name in skipped or value in (None, (), "", False):
            continue
        rows.append(_line(spec.label.replace("&", ""), _cell(spec, value, detail)))
    rows += [_line(label, _text(value)) for label, value in detail_facts(detail)]
    title = html.escape(str(getattr(record, kind.title_field) or ""))
    created, updated = (t[:16].replace("T", " ") for t in (record.created_at, record.updated_at))
    parts = [
        f"<h2>{title}</h2>",
        f"<p style='{_GREY}'>Created {created} · updated {updated} UTC</p>",
        f"<table cellspacing='0' cellpadding='3'>{''.join(rows)}</table>",
    ]
    if detail.flagged:
        parts.insert(1, f"<p style='color: #b00020'><b>{FLAGGED}</b></p>")
    if kind is GIFT and record.declaration:
        declare = f"To declare to HQ: {record.declaration}"
        parts.insert(1, f"<p style='color: #b00020'><b>{html.escape(declare)}</b></p>")
    for heading, links in detail_related(detail):
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        if not links:
            parts.append(f"<p style='{_GREY}'>None yet.</p>")
        for link in links:
            href = f"record:{link.kind}/{link.id}"
            hint = f" title='{html.escape(link.hint)}'" if link.hint else ""
            parts.append(f"<p><a href='{href}'{hint}>{html.escape(link.text)}</a></p>")
    return "".join(parts), copyable
