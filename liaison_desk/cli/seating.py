"""`liaison-desk meeting seating …`: a dinner's, lunch's or reception's seating plan.

Made by precedence (`core.seating_plan`), shown table by table with the rules it breaks,
changed by hand seat by seat, and printed as a table plan or place cards. The PDFs are
rendered with Qt, loaded only when one is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.exchange_options import wrote
from liaison_desk.cli.options import json_option
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.seating_layout import CONVENTIONS, seat_ref
from liaison_desk.core.seating_plan import Chart, chart_of, make_plan, move_guest
from liaison_desk.core.seating_rules import Broken
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural


def _pairs(values: Sequence[str], sep: str, what: str) -> list[tuple[str, str]]:
    out = []
    for value in values:
        first, found, second = value.partition(sep)
        if not found or not first.strip() or not second.strip():
            raise ValidationError(f"{value!r} is not {what}.")
        out.append((first.strip(), second.strip()))
    return out


def _lines(chart: Chart) -> list[str]:
    lines = []
    for number, spec in enumerate(chart.layout.tables, 1):
        lines.append(f"Table {number} ({spec.shape}, {plural(spec.seats, 'seat')})")
        for seat in (s for s in chart.layout.seats if s.table == number):
            who = chart.who(seat)
            if who is None:
                lines.append(f"  {seat.seat:>2}  (empty)")
                continue
            side = chart.party.by_id[who].side
            role = f" ({side})" if side != "guest" else ""
            lines.append(f"  {seat.seat:>2}  {chart.name(who)}{role}  [{who}]")
    return lines


def _as_json(chart: Chart, moves: Sequence[Broken]) -> dict[str, object]:
    return {
        "meeting_id": chart.meeting.id,
        "tables": chart.plan.tables,
        "convention": chart.plan.convention,
        "marking": chart.marking,
        "seats": [
            {
                "seat": str(seat),
                "contact_id": who,
                "name": chart.name(who),
                "side": chart.party.by_id[who].side,
                "precedence": chart.party.place[who],
                "reason": chart.reasons.get(who, ""),
            }
            for seat, who in sorted(chart.seats.items())
        ],
        "broken": [
            {"rule": b.rule, "people": list(b.people), "text": b.text} for b in chart.broken
        ],
        "broken_by_moves": [b.text for b in moves],
    }


def _write(vault: Vault, chart: Chart, out: Path, cards: bool) -> None:
    from liaison_desk.ui.entry import render_seating_pdf  # Qt is loaded only for the PDFs

    pdf, pages = render_seating_pdf(chart, cards)
    kind = "place-cards" if cards else "seating-plan"
    size = write_export(vault, out, pdf, kind=kind, format="pdf", count=len(chart.seats))
    what = "place cards" if cards else "table plan"
    wrote(out, f"a {plural(pages, 'page')} {what} marked {chart.marking}", size)


@click.command("seating")
@click.argument("meeting_id")
@click.option(
    "--tables",
    help='Make the plan afresh at these tables: "3x10" (three tables of ten), or a list such '
    'as "long:14,round:8" (the host\'s table first).',
)
@click.option("--long", "long_tables", is_flag=True, help='With "3x10": long tables, not round.')
@click.option(
    "--convention",
    type=click.Choice(CONVENTIONS),
    default="centre",
    show_default=True,
    help="centre: the host mid-table, the co-host facing; ends: the host at the head, the "
    "co-host at the foot (round tables: facing, either way).",
)
@click.option("--host", "host_id", help="Contact id of the host (default: the first host).")
@click.option("--cohost", "cohost_id", help="Contact id of the co-host (default: the second).")
@click.option(
    "--apart",
    multiple=True,
    help='"ID,ID": two people never side by side; repeat (default: those named before).',
)
@click.option(
    "--interpreter",
    "interpreters",
    multiple=True,
    help='"INTERPRETER=PRINCIPAL" (contact ids): seated side by side; repeat (default: those '
    "named before, and each interpreter with the first guest of their country).",
)
@click.option("--move", "moves", multiple=True, help='"ID=2.5": seat someone by hand; repeat.')
@click.option(
    "--pdf",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the table plan as a PDF (it will NOT be encrypted).",
)
@click.option(
    "--cards",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the place cards as a PDF (it will NOT be encrypted).",
)
@json_option
@pass_app
def seating(
    app: AppContext,
    /,
    meeting_id: str,
    tables: str | None,
    long_tables: bool,
    convention: str,
    host_id: str | None,
    cohost_id: str | None,
    apart: tuple[str, ...],
    interpreters: tuple[str, ...],
    moves: tuple[str, ...],
    pdf: Path | None,
    cards: Path | None,
    as_json: bool,
) -> None:
    """Show, make or change the seating plan of a dinner, lunch or reception.

    With --tables the participants are seated afresh by precedence, keeping the rules
    (a shared language between neighbours, people kept apart, interpreters beside their
    principal); --move then seats people by hand and says which rules each move breaks.

    Example: liaison-desk meeting seating 01934b2e-… --tables 3x10 --cards cards.pdf
    """
    vault = app.open_vault()
    store = vault.store
    if tables:
        chart: Chart | None = make_plan(
            store,
            meeting_id,
            tables,
            shape="long" if long_tables else "round",
            convention=convention,
            host_id=host_id,
            cohost_id=cohost_id,
            apart=_pairs(apart, ",", "two contact ids joined by a comma") or None,
            interpreters=_pairs(interpreters, "=", "INTERPRETER=PRINCIPAL") or None,
        )
    else:
        chart = chart_of(store, meeting_id)
    if chart is None:
        raise ValidationError("This meeting has no seating plan yet: give --tables, e.g. 3x10.")
    broke: list[Broken] = []
    for who, seat in _pairs(moves, "=", "a contact id and a seat, such as ID=2.5"):
        chart, found = move_guest(store, meeting_id, who, seat_ref(seat))
        broke += found
        if not as_json:
            said = "; ".join(b.text for b in found) if found else "it keeps every rule."
            click.echo(f"Moved {chart.name(who)} to {seat}: {said}")
    if as_json:
        output.emit_json(_as_json(chart, broke))
    else:
        click.echo("\n".join(_lines(chart)))
        if chart.broken:
            click.echo(f"\nRules broken ({len(chart.broken)}):")
            click.echo("\n".join(f"  - {b.text}" for b in chart.broken))
        else:
            click.echo("\nEvery rule is kept.")
    if pdf:
        _write(vault, chart, pdf, cards=False)
    if cards:
        _write(vault, chart, cards, cards=True)
