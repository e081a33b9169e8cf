"""`liaison-desk search`: one box over every kind of record."""

from __future__ import annotations

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import limit_option
from liaison_desk.core import markings
from liaison_desk.core.search import grouped
from liaison_desk.core.search import search as run_search


@click.command()
@click.argument("query")
@limit_option(20, "How many results (1 or more).")
@click.option(
    "--type",
    "kinds",
    multiple=True,
    type=click.Choice(["contact", "organization", "meeting", "followup", "protocol", "gift"]),
    help="Only this kind of record; repeat for several.",
)
@click.option("--max-marking", help="Only records at or below this marking.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
@pass_app
def search(
    app: AppContext,
    /,
    query: str,
    limit: int,
    kinds: tuple[str, ...],
    max_marking: str | None,
    as_json: bool,
) -> None:
    """Search everything; words, prefix* and "exact phrases" work, accents and case aside.

    The last word is a prefix ("Hel" finds Hélène). Results come grouped by type,
    the type of the best match first; matched words are in [brackets].

    Example: liaison-desk search 'amb* "order of precedence"' --json
    """
    vault = app.open_vault()
    allowed = markings.up_to(vault.store.markings(), max_marking) if max_marking else None
    hits = run_search(vault.store, query, limit=limit, markings=allowed, kinds=kinds or None)
    rows = [
        {
            "type": h.kind,
            "id": h.id,
            "title": h.title,
            "title_marks": [list(span) for span in h.title_marks],
            "date": h.date,
            "snippet": h.snippet.marked("[", "]"),
            "marks": [list(span) for span in h.snippet.marks],  # offsets in snippet_text
            "snippet_text": h.snippet.text,
            "marking": h.marking,
            "rank": h.rank,
        }
        for group in grouped(hits)
        for h in group.hits
    ]
    if as_json:
        output.emit_json(rows)
    else:
        output.table(rows, ("type", "id", "title", "date", "snippet"))
