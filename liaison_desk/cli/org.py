"""`liaison-desk org …`: ministries, services, embassies and other bodies."""

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
    json_option,
    list_options,
    list_page,
    marking_option,
    option_group,
    tags_option,
)
from liaison_desk.core.kinds import ORGANIZATION
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import ORGANIZATION_KINDS, Organization

_org_fields = option_group(
    click.option("--kind", help=f"One of: {', '.join(ORGANIZATION_KINDS)}."),
    click.option("--country", help="Two-letter country code, e.g. FR."),
    click.option("--parent", "parent_id", help="Id of the parent organization."),
    long_text_option("--notes", "Free notes."),
    marking_option,
    distribution_option,
    tags_option,
)


@click.group()
def org() -> None:
    """Organizations: add, list, show, edit and delete.

    Example: liaison-desk org list --country JP
    """


@org.command("add")
@click.option("--name", required=True, help="Name of the organization.")
@_org_fields
@pass_app
def add(app: AppContext, /, **fields: Any) -> None:
    """Add an organization and print its id.

    Example: liaison-desk org add --name "Ministère des Armées" --kind ministry --country FR
    """
    record = app.open_vault().store.add(Organization(**changes(**fields)))
    click.echo(record.id)


@org.command("list")
@click.option("--country", help="Only organizations in this country.")
@list_options
@pass_app
def list_(app: AppContext, /, country: str | None, **opts: Any) -> None:
    """List organizations by name.

    Example: liaison-desk org list --country JP
    """
    store = app.open_vault().store
    where = given(country=country.upper() if country else None)
    rows = list_page(store, Organization, build_query(store, opts, where))
    output.records(rows, ("id", "name", "kind", "country", "marking"), opts["as_json"])


@org.command("show")
@click.argument("org_id")
@json_option
@pass_app
def show(app: AppContext, /, org_id: str, as_json: bool) -> None:
    """Show one organization and its people.

    Example: liaison-desk org show 01934b2e-…
    """
    vault = app.open_vault()
    detail = record_detail(vault.store, vault.clock, ORGANIZATION, org_id, limit=1000)
    people = [f"{c.full_name} ({c.id})" for c in detail.members]
    output.details(detail.record, as_json, {"contacts": people})


@org.command("edit")
@click.argument("org_id")
@click.option("--name", help="Name of the organization.")
@_org_fields
@pass_app
def edit(app: AppContext, /, org_id: str, **fields: Any) -> None:
    """Change the given fields; an empty value clears a field.

    Example: liaison-desk org edit 01934b2e-… --notes "Moved to the new campus"
    """
    app.open_vault().store.update(Organization, org_id, changes(**fields))


@org.command("delete")
@click.argument("org_id")
@pass_app
def delete(app: AppContext, /, org_id: str) -> None:
    """Delete an organization.

    Example: liaison-desk org delete 01934b2e-…
    """
    app.open_vault().store.delete(Organization, org_id)
