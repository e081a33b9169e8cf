"""The detail pane as HTML: a record's fields, derived facts and related records as links.

Qt-free: built on the GUI thread from a `RecordDetail` the worker read. User text
is escaped; "copy:N" links stand for values the pane copies, "record:kind/id"
links open a record.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION
from liaison_desk.core.record_detail import RecordDetail
from liaison_desk.core.records import FollowUp, Meeting
from liaison_desk.ui.record_fields import FIELDS, FieldSpec, local_time, pretty

MARKDOWN_FIELDS = {"meeting": ("notes", "Notes"), "protocol": ("body", "")}  # field, heading
COPYABLE_FIELDS = frozenset({"phones", "emails", "address"})


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
