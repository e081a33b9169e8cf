"""`liaison-desk followup …`: actions that came out of meetings."""

from __future__ import annotations

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
    list_options,
    list_page,
    marking_option,
    tags_option,
)
from liaison_desk.core.meetings import add_followup
from liaison_desk.core.records import FollowUp


@click.group()
def followup() -> None:
    """Follow-ups: add, list and mark done.

    Example: liaison-desk followup list --status open
    """


@followup.command("add")
@click.option("--action", required=True, help="What has to be done.")
@click.option("--due", "due_date", help="Due date, e.g. 2026-03-21.")
@click.option("--owner", help="Who does it.")
@click.option("--meeting", "meeting_id", help="Meeting it came from.")
@click.option(
    "--contact",
    "contact_ids",
    multiple=True,
    help="Contact id it concerns; repeat. Default with --meeting: the meeting's people.",
)
@long_text_option("--notes", "Free notes.")
@marking_option
@distribution_option
@tags_option
@pass_app
def add(app: AppContext, /, **fields: Any) -> None:
    """Add a follow-up and print its id.

    Example: liaison-desk followup add --action "Send the exercise dates" --due 2026-03-21
    --contact 01934b2e-… --contact 01934b2f-…
    """
    record = add_followup(app.open_vault().store, FollowUp(**changes(**fields)))
    click.echo(record.id)


@followup.command("list")
@click.option(
    "--status",
    type=click.Choice(["open", "done", "all"]),
    default="open",
    show_default=True,
    help="Which follow-ups to show.",
)
@click.option("--contact", "contact_ids", help="Only those naming this contact (its id).")
@list_options
@pass_app
def list_(app: AppContext, /, status: str, contact_ids: str | None, **opts: Any) -> None:
    """List follow-ups, soonest due first.

    Example: liaison-desk followup list --status open
    """
    store = app.open_vault().store
    where = given(status=None if status == "all" else status, contact_ids=contact_ids)
    rows = list_page(store, FollowUp, build_query(store, opts, where))
    output.records(rows, ("id", "due_date", "action", "status", "owner"), opts["as_json"])


@followup.command("done")
@click.argument("followup_id")
@pass_app
def done(app: AppContext, /, followup_id: str) -> None:
    """Mark a follow-up done.

    Example: liaison-desk followup done 01934b2e-…
    """
    app.open_vault().store.update(FollowUp, followup_id, {"status": "done"})
