"""`liaison-desk attachment …`: photos, business cards and documents kept in the vault."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.attachments import attach_file, delete_attachment, export_attachment
from liaison_desk.core.records import Attachment
from liaison_desk.core.store import ListQuery


@click.group()
def attachment() -> None:
    """Files kept encrypted inside the vault.

    Example: liaison-desk attachment list 01934b2e-…
    """


@attachment.command("add")
@click.argument("owner_id")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--marking",
    default=None,
    help="Sensitivity marking, e.g. RESTRICTED (default: the marking of its record).",
)
@pass_app
def add(app: AppContext, /, owner_id: str, file: Path, marking: str | None) -> None:
    """Attach a file to a record and print the attachment's id.

    Example: liaison-desk attachment add 01934b2e-… business-card.jpg
    """
    record = attach_file(app.open_vault(), owner_id, file, marking)
    click.echo(record.id)


@attachment.command("list")
@click.argument("owner_id")
@json_option
@pass_app
def list_(app: AppContext, /, owner_id: str, as_json: bool) -> None:
    """List a record's attachments.

    Example: liaison-desk attachment list 01934b2e-…
    """
    rows = app.open_vault().store.list(Attachment, ListQuery(where={"owner_id": owner_id}))
    output.records(rows, ("id", "name", "mime", "size", "marking"), as_json)


@attachment.command("export")
@click.argument("attachment_id")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the file (it will NOT be encrypted).",
)
@pass_app
def export(app: AppContext, /, attachment_id: str, out: Path) -> None:
    """Write an attachment out of the vault, unencrypted, at your explicit request.

    Example: liaison-desk attachment export 01934b2e-… --out card.jpg
    """
    size = export_attachment(app.open_vault(), attachment_id, out)
    click.echo(f"Wrote {out} ({size:,} bytes, not encrypted).")


@attachment.command("delete")
@click.argument("attachment_id")
@pass_app
def delete(app: AppContext, /, attachment_id: str) -> None:
    """Delete an attachment: it leaves the record here, and at every vault it reached once
    the deletion is synced. A station deletes only files on its own records.

    Example: liaison-desk attachment delete 01934b2e-…
    """
    delete_attachment(app.open_vault(), attachment_id)
