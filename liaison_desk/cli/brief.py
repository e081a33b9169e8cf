"""`liaison-desk brief`: the brief on a contact, an organization or a meeting, as text or PDF.

The brief is built by `core.brief`; this prints it. The PDF (with the charts
and the marking on every page) is rendered with Qt, imported only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.exchange_options import wrote
from liaison_desk.core.brief import Brief, BriefPerson, brief_of, charts_of
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.report_data import local_when
from liaison_desk.core.records import FollowUp


@click.command("brief")
@click.option("--contact", "contact_id", help="Brief on this contact (its id).")
@click.option("--org", "org_id", help="Brief on this organization (its id).")
@click.option("--meeting", "meeting_id", help="Brief for this meeting (its id).")
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it as a PDF here (it will NOT be encrypted) instead of printing it.",
)
@pass_app
def brief(
    app: AppContext,
    /,
    contact_id: str | None,
    org_id: str | None,
    meeting_id: str | None,
    pdf: Path | None,
) -> None:
    """Who they are, what was said last, what is owed both ways, and the protocol to follow.

    Example: liaison-desk brief --contact 01934b2e-… --pdf perrin.pdf
    """
    chosen = [(k, v) for k, v in (("contact", contact_id), ("organization", org_id)) if v]
    chosen += [("meeting", meeting_id)] if meeting_id else []
    if len(chosen) != 1:
        raise click.UsageError("Give one of --contact, --org or --meeting.")
    (kind, record_id), *_ = chosen
    vault = app.open_vault()
    data = brief_of(vault, kind, record_id)
    if pdf is None:
        click.echo(brief_text(data))
        return
    from liaison_desk.ui.entry import render_brief_pdf  # Qt is loaded only for the PDF

    document, pages = render_brief_pdf(data, charts_of(vault, data))
    size = write_export(vault, pdf, document, kind="brief", format="pdf", count=data.records)
    wrote(pdf, f"a {pages}-page brief marked {data.marking}", size)


def _person(person: BriefPerson) -> list[str]:
    lines = [f"  {k + ':':<17}{v}" for k, v in person.facts()]
    for posting in person.postings:
        span = " to ".join(x for x in (posting.starts_on, posting.ends_on or "now") if x)
        lines.append(f"  {'Posting:':<17}{posting.title} ({span})")
    return lines


def _followups(title: str, followups: Sequence[FollowUp]) -> list[str]:
    lines = [title]
    for f in followups:
        owner = f" ({f.owner})" if f.owner else ""
        lines.append(f"  {f.due_date or 'no date':<10}  {f.action}{owner}")
    return lines if followups else [title, "  Nothing open."]


def brief_text(data: Brief) -> str:
    """The brief as plain text, section by section, its marking above and below."""
    lines = [data.marking, "", data.title, f"{data.scope} · prepared {data.generated_at}", ""]
    if data.kind == "contact":
        lines += ["WHO THEY ARE", *_person(data.people[0])]
    else:
        if data.meeting:
            lines += [f"When: {data.when}", f"Place: {data.meeting.place or ''}".rstrip(), ""]
        at_meeting = data.kind == "meeting"
        lines.append("PARTICIPANTS, IN ORDER OF PRECEDENCE" if at_meeting else "ITS PEOPLE")
        for person in data.people:
            role = f" [{person.role}]" if person.role else ""
            rank = f", {person.rank}" if person.rank else ""
            lines.append(f"- {person.contact.full_name}{rank}{role}")
            if person.place:
                lines.append(f"    {person.place}")
    lines += ["", f"LAST ENGAGEMENTS ({len(data.engagements)} of {data.engagements_total})"]
    for meeting in data.engagements:
        lines.append(f"- {local_when(meeting)}  {meeting.title}")
        lines.append(f"    {meeting.summary or 'No summary recorded.'}")
    lines += ["", "FOLLOW-UPS OPEN"]
    lines += _followups("What we owe:", data.owed_by_us)
    lines += _followups("What is owed to us:", data.owed_to_us)
    lines += ["", "GIFTS EXCHANGED"]
    for gift in data.gifts:
        declared = " (declared to HQ)" if gift.declaration else ""
        lines.append(
            f"- {gift.exchanged_on}  {gift.direction}: {gift.description}, "
            f"{gift.value} {gift.currency}{declared}"
        )
    if not data.gifts:
        lines.append("  None recorded.")
    lines += ["", "PROTOCOL"]
    for ref in data.protocol:
        lines.append(f"- {ref.title} ({ref.country or 'general'}, {ref.category})")
    if not data.protocol:
        lines.append("  The library holds nothing for them.")
    lines += ["", data.marking]
    return "\n".join(lines)
