"""The brief (`core.brief.Brief`) as a document: the HTML the Brief view shows, and its PDF.

The PDF is laid out by `ui.reports` (the marking as header and footer of every
page) with the brief's charts and the contact's photo as images held in memory:
nothing of it touches the disk before the caller writes the PDF atomically.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtGui import QImage

from liaison_desk.core.brief import Brief, BriefPerson
from liaison_desk.core.interop.report_data import local_when
from liaison_desk.core.records import FollowUp, Gift, Meeting, ProtocolRef
from liaison_desk.core.timelines import Timeline
from liaison_desk.ui.charts import chart_image
from liaison_desk.ui.reports import (
    Picture,
    Printable,
    ensure_app,
    markdown_html,
    page_image,
    print_pdf,
)

PHOTO = "brief:photo"
PHOTO_SHARE = 0.18  # of the text's width: a passport photo's place beside the facts
EXCERPT_CHARS = 700  # of a protocol reference: enough to recall it; the library has the rest
CATEGORY_NAMES = {
    "forms-of-address": "Forms of address",
    "order-of-precedence": "Order of precedence",
    "gifts-hospitality": "Gifts and hospitality",
    "cultural-notes": "Cultural notes",
}


def _e(value: object) -> str:
    return html.escape(str(value)) if value not in (None, "") else ""


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        '<table width="100%" cellspacing="0" cellpadding="3" border="0.5" '
        'style="border-collapse: collapse; border-color: #9aa5b1;">'
        f"<thead><tr>{head}</tr></thead>{body}</table>"
    )


def _facts(facts: Sequence[tuple[str, object]]) -> str:
    cells = "".join(
        f'<tr><td width="22%"><b>{_e(k)}</b></td><td>{_e(v)}</td></tr>' for k, v in facts if v
    )
    return f'<table width="100%" cellspacing="0" cellpadding="2">{cells}</table>'


def _span(starts: str | None, ends: str | None) -> str:
    """When a posting was held: "2018-07 to 2021-05", "since 2023-02", "until 2019"."""
    if starts and ends:
        return f"{starts} to {ends}"
    return f"since {starts}" if starts else f"until {ends}" if ends else ""


def _career(person: BriefPerson) -> str:
    lines = []
    for posting in person.postings:
        span = _span(posting.starts_on, posting.ends_on)
        where = f", {posting.organization}" if posting.organization else ""
        when = f"{_e(span)}: " if span else ""
        lines.append(f"<li>{when}{_e(posting.title)}{_e(where)}</li>")
    return f"<ul>{''.join(lines)}</ul>" if lines else ""


def _who(person: BriefPerson, with_photo: bool) -> str:
    photo = f'<img src="{PHOTO}" align="right">' if with_photo and person.photo else ""
    parts = [f"<h2>Who they are</h2>{photo}", _facts(person.facts())]
    career = _career(person)
    if career:
        parts += ["<h3>Career</h3>", career]
    return "".join(parts)


def _people(people: Sequence[BriefPerson], at_meeting: bool) -> str:
    """A table of people; at a meeting, in order of precedence with the reason for each place."""
    header = ["Name", "Rank", "Position", "Organization", "Country"]
    rows: list[list[object]] = [
        [p.contact.full_name, p.rank, p.contact.position, p.organization, p.contact.country]
        for p in people
    ]
    if at_meeting:
        header = ["Place", *header, "Role"]
        rows = [[p.place, *row, p.role] for row, p in zip(rows, people, strict=True)]
    return _table(header, rows) if rows else "<p>No one recorded.</p>"


def _gifts(gifts: Sequence[Gift]) -> str:
    if not gifts:
        return "<h2>Gifts exchanged</h2><p>None recorded.</p>"
    rows = [
        [
            g.exchanged_on,
            g.direction,
            g.description,
            f"{g.value} {g.currency}",
            g.occasion,
            "declared" if g.declaration else "",
        ]
        for g in gifts
    ]
    header = ["Date", "Given or received", "What", "Value", "Occasion", "To HQ"]
    return f"<h2>Gifts exchanged</h2>{_table(header, rows)}"


def _engagements(brief: Brief) -> str:
    if not brief.engagements:
        return "<h2>Last engagements</h2><p>None before.</p>"
    parts = ["<h2>Last engagements</h2>"]
    for meeting in brief.engagements:
        parts.append(f"<h3>{_e(local_when(meeting))} — {_e(meeting.title)}</h3>")
        parts.append(_summary(meeting))
    shown = len(brief.engagements)
    if brief.engagements_total > shown:
        parts.append(f'<p class="muted">The last {shown} of {brief.engagements_total}.</p>')
    return "".join(parts)


def _summary(meeting: Meeting) -> str:
    if meeting.summary:
        return f"<p>{_e(meeting.summary)}</p>"
    return '<p class="muted">No summary recorded.</p>'


def _followups(title: str, followups: Sequence[FollowUp], with_owner: bool) -> str:
    if not followups:
        return f"<h3>{_e(title)}</h3><p>Nothing open.</p>"
    header = ["Action", "Due"] + (["Owner"] if with_owner else [])
    rows: list[list[object]] = [
        [f.action, f.due_date or "no date"] + ([f.owner] if with_owner else []) for f in followups
    ]
    return f"<h3>{_e(title)}</h3>{_table(header, rows)}"


def excerpt(body: str) -> str:
    """The opening of a reference: its first paragraph of prose (not a heading, a note, a list
    or a table), cut after a sentence when long."""
    for chunk in body.split("\n\n"):
        text = chunk.strip()
        if text and not text.startswith(("#", ">", "```", "|", "-", "*", "1.")):
            if len(text) <= EXCERPT_CHARS:
                return text
            cut = text.rfind(". ", 0, EXCERPT_CHARS)
            return text[: cut + 1] if cut > 0 else text[:EXCERPT_CHARS].rstrip() + " …"
    return ""


def _protocol(refs: Sequence[ProtocolRef]) -> str:
    if not refs:
        return "<h2>Protocol</h2><p>The library holds nothing for them.</p>"
    parts = ["<h2>Protocol</h2>"]
    for ref in refs:
        where = ref.country or "General"
        what = CATEGORY_NAMES.get(ref.category or "", ref.category or "")
        about = " · ".join(x for x in (where, what, ref.source, ref.effective_date) if x)
        parts.append(f"<h3>{_e(ref.title)}</h3><p class='scope'>{_e(about)}</p>")
        parts.append(markdown_html(excerpt(ref.body)))
    return "".join(parts)


def brief_html(brief: Brief, with_photo: bool = True, charts: int = 0) -> str:
    """The brief as HTML, naming the photo (`PHOTO`) and `charts` charts ("brief:chart0", …)
    as images: `printable` holds them for the PDF; the Brief view shows the charts as
    widgets of their own."""
    parts = [f"<h1>{_e(brief.title)}</h1>"]
    parts.append(f'<p class="scope">{_e(brief.scope)} · prepared {_e(brief.generated_at)}</p>')
    if brief.kind == "contact":
        parts.append(_who(brief.people[0], with_photo))
    elif brief.kind == "organization" and brief.organization:
        org = brief.organization
        parts.append(_facts([("Kind", org.kind), ("Country", org.country)]))
        parts += ["<h2>Its people</h2>", _people(brief.people, at_meeting=False)]
    elif brief.meeting:
        m = brief.meeting
        parts.append(_facts([("When", brief.when), ("Place", m.place), ("Kind", m.kind)]))
        parts.append("<h2>Participants, in order of precedence</h2>")
        parts.append(_people(brief.people, at_meeting=True))
    parts.append(_engagements(brief))
    parts.append("<h2>Follow-ups open</h2>")
    parts.append(_followups("What we owe", brief.owed_by_us, with_owner=False))
    parts.append(_followups("What is owed to us", brief.owed_to_us, with_owner=True))
    parts.append(_gifts(brief.gifts))
    parts.append(_protocol(brief.protocol))
    if charts:
        parts.append("<h2>Engagements over time</h2>")
        parts += [f'<p><img src="brief:chart{n}"></p>' for n in range(charts)]
    parts.append(
        f'<p class="muted"><br>Prepared with Liaison Desk from the vault {_e(brief.vault_name)} '
        f"on {_e(brief.generated_at)}. Marked {_e(brief.marking)}: the highest marking of "
        "anything it shows. Handle this document accordingly.</p>"
    )
    return "".join(parts)


def printable(brief: Brief, charts: Sequence[Timeline]) -> Printable:
    """The brief with its photo and charts (`core.brief.charts_of`), for `ui.reports` to print."""
    ensure_app()
    pictures = {
        f"brief:chart{n}": Picture(chart_image(timeline)) for n, timeline in enumerate(charts)
    }
    photo = brief.people[0].photo if brief.people else None
    if photo is not None:
        image = QImage.fromData(photo.data)
        if not image.isNull():
            pictures[PHOTO] = Picture(image, PHOTO_SHARE)
    page = brief_html(brief, with_photo=PHOTO in pictures, charts=len(charts))
    return Printable(brief.title, brief.marking, brief.vault_name, page, pictures)


def render_brief_pdf(brief: Brief, charts: Sequence[Timeline]) -> tuple[bytes, int]:
    """The brief as an A4 PDF with its marking on every page, and its page count."""
    return print_pdf(printable(brief, charts))


def render_brief_page(
    brief: Brief, charts: Sequence[Timeline], page: int = 0, dpi: int = 110
) -> QImage:
    """One page of the brief's PDF as an image (the screenshots)."""
    return page_image(printable(brief, charts), page, dpi)
