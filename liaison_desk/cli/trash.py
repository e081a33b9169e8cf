"""`liaison-desk trash …`: the records deleted in this vault, and bringing one back.

A deleted record keeps its fields and links; restoring it is a new edit that
the next `sync export` carries to the peers, like any change.
"""

from __future__ import annotations

import dataclasses

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.trash import restore_from_trash, trash, trash_count


@click.group("trash")
def trash_group() -> None:
    """Deleted records: list them, restore one.

    Example: liaison-desk trash list
    """


@trash_group.command("list")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Show at most this many, most recently deleted first.",
)
@json_option
@pass_app
def list_(app: AppContext, /, limit: int, as_json: bool) -> None:
    """List deleted records, most recently deleted first.

    Example: liaison-desk trash list --limit 20
    """
    store = app.open_vault().store
    items, total = trash(store, limit), trash_count(store)
    rows = [dataclasses.asdict(item) for item in items]
    if as_json:
        output.emit_json(rows)
        return
    output.table(rows, ("kind", "record_id", "title", "deleted_at"))
    if total > len(items):
        click.echo(f"{len(items):,} of {total:,} shown (--limit).", err=True)


@trash_group.command("restore")
@click.argument("record_id")
@pass_app
def restore(app: AppContext, /, record_id: str) -> None:
    """Bring a deleted record back, with its links, as a new edit that syncs.

    Example: liaison-desk trash restore 01934b2e-…
    """
    item = restore_from_trash(app.open_vault().store, record_id)
    click.echo(f"Restored {item.kind} “{item.title}”.")
