"""`liaison-desk protocol …`: the protocol library HQ publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.long_text import long_text_option
from liaison_desk.cli.options import (
    build_query,
    changes,
    distribution_option,
    given,
    json_option,
    list_options,
    list_page,
    marking_option,
    tags_option,
)
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.records import PROTOCOL_CATEGORIES, ProtocolRef


@click.group()
def protocol() -> None:
    """Protocol references: forms of address, precedence, gifts rules and more.

    Example: liaison-desk protocol list --country general
    """


@protocol.command("add")
@click.option("--title", required=True, help="Title of the reference.")
@click.option("--country", help="Two-letter country code, or 'general' (default).")
@click.option("--category", help=f"One of: {', '.join(PROTOCOL_CATEGORIES)}.")
@long_text_option("--body", "The text (Markdown).")
@click.option("--source", help="Where it comes from.")
@click.option("--version", help="Version of the reference.")
@click.option("--effective", "effective_date", help="Date it takes effect.")
@marking_option
@distribution_option
@tags_option
@pass_app
def add(app: AppContext, /, body: str | None, **fields: Any) -> None:
    """Add a reference and print its id.

    Example: liaison-desk protocol add --title Gifts --category gifts-hospitality --body-file g.md
    """
    if body is None:
        raise ValidationError("Give the text with --body, or --body-file (- for standard input).")
    record = app.open_vault().store.add(ProtocolRef(body=body, **changes(**fields)))
    click.echo(record.id)


@protocol.command("list")
@click.option("--country", help="Only this country ('general' for references for everywhere).")
@click.option("--category", help="Only this category.")
@list_options
@pass_app
def list_(app: AppContext, /, country: str | None, category: str | None, **opts: Any) -> None:
    """List references by title.

    Example: liaison-desk protocol list --country JP
    """
    store = app.open_vault().store
    where = given(category=category)
    if country is not None:
        where["country"] = None if country.lower() == "general" else country.upper()
    rows = list_page(store, ProtocolRef, build_query(store, opts, where))
    output.records(rows, ("id", "title", "country", "category", "version"), opts["as_json"])


@protocol.command("show")
@click.argument("ref_id")
@json_option
@pass_app
def show(app: AppContext, /, ref_id: str, as_json: bool) -> None:
    """Show a reference in full.

    Example: liaison-desk protocol show 01934b2e-…
    """
    output.details(app.open_vault().store.get(ProtocolRef, ref_id), as_json)


@protocol.command("import")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@pass_app
def import_(app: AppContext, /, directory: Path) -> None:
    """Import every .md file of a folder (all or nothing); re-importing updates in place.

    Example: liaison-desk protocol import ./protocol-library
    """
    vault = app.open_vault()
    summary = import_directory(vault.store, directory)
    vault.audit("import", kind="protocol", added=summary.added, updated=summary.updated)
    click.echo(f"{summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged.")
