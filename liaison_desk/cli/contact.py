"""`liaison-desk contact …`: the people an officer knows."""

from __future__ import annotations

from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import (
    build_query,
    changes,
    distribution_option,
    given,
    json_option,
    list_options,
    marking_option,
    option_group,
    tags_option,
)
from liaison_desk.core import relations
from liaison_desk.core.records import Contact

_contact_fields = option_group(
    click.option("--rank", help="Rank or title, e.g. Colonel."),
    click.option("--position", help="Position or appointment."),
    click.option("--org", "org_id", help="Organization id (see `org list`)."),
    click.option("--country", help="Two-letter country code, e.g. FR."),
    click.option("--email", "emails", multiple=True, help="Email; repeat for several."),
    click.option("--phone", "phones", multiple=True, help="Phone; repeat for several."),
    click.option("--language", "languages", multiple=True, help="Language spoken."),
    click.option("--address", help="Postal or office address."),
    click.option("--how-met", help="How and where you met."),
    click.option("--trust-notes", help="Relationship and trust notes."),
    click.option("--notes", help="Free notes."),
    click.option("--cadence-days", type=int, help="Aim to meet every N days."),
    marking_option,
    distribution_option,
    tags_option,
)


@click.group()
def contact() -> None:
    """Contacts: add, list, show, edit and delete.

    Example: liaison-desk contact list --country FR
    """


@contact.command("add")
@click.option("--name", "full_name", required=True, help="Full name.")
@_contact_fields
@pass_app
def add(app: AppContext, /, **fields: Any) -> None:
    """Add a contact and print its id.

    Example: liaison-desk contact add --name "Hélène Girard" --rank Colonel --country FR
    """
    vault = app.open_vault()
    fields = changes(**fields)
    record = vault.store.add(Contact(**fields))
    click.echo(record.id)


@contact.command("list")
@click.option("--country", help="Only contacts from this country.")
@click.option("--org", "org_id", help="Only contacts of this organization.")
@list_options
@pass_app
def list_(app: AppContext, /, country: str | None, org_id: str | None, **opts: Any) -> None:
    """List contacts by name.

    Example: liaison-desk contact list --country FR --max-marking RESTRICTED
    """
    store = app.open_vault().store
    where = given(country=country.upper() if country else None, org_id=org_id)
    rows = store.list(Contact, build_query(store, opts, where))
    output.records(rows, ("id", "full_name", "rank", "country", "marking"), opts["as_json"])


@contact.command("show")
@click.argument("contact_id")
@json_option
@pass_app
def show(app: AppContext, /, contact_id: str, as_json: bool) -> None:
    """Show one contact with its meetings and open follow-ups.

    Example: liaison-desk contact show 01934b2e-…
    """
    store = app.open_vault().store
    record = store.get(Contact, contact_id)
    meetings = relations.meetings_of(store, contact_id)
    extra = {
        "last_contact": relations.last_contact(store, contact_id),
        "meetings": [f"{m.starts_at}  {m.title}  ({m.id})" for m in meetings],
        "open_followups": [
            f"{f.due_date or 'no date'}  {f.action}  ({f.id})"
            for f in relations.open_followups(store, contact_id=contact_id)
        ],
    }
    output.details(record, as_json, extra)


@contact.command("edit")
@click.argument("contact_id")
@click.option("--name", "full_name", help="Full name.")
@_contact_fields
@pass_app
def edit(app: AppContext, /, contact_id: str, **fields: Any) -> None:
    """Change the given fields; an empty value clears a field.

    Example: liaison-desk contact edit 01934b2e-… --rank "Brigadier General" --notes ""
    """
    app.open_vault().store.update(Contact, contact_id, changes(**fields))


@contact.command("delete")
@click.argument("contact_id")
@pass_app
def delete(app: AppContext, /, contact_id: str) -> None:
    """Delete a contact (it disappears from lists and search).

    Example: liaison-desk contact delete 01934b2e-…
    """
    app.open_vault().store.delete(Contact, contact_id)
