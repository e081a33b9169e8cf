"""`liaison-desk meeting precedence` and `contact ranks`: who goes first, and the rank table."""

from __future__ import annotations

from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.precedence import (
    meeting_day,
    meeting_host_country,
    meeting_precedence,
    rule_for,
)
from liaison_desk.core.ranks import SERVICES, rank_table
from liaison_desk.core.records import Contact


@click.command("precedence")
@click.argument("meeting_id")
@click.option(
    "--host-country",
    help="Order by this country's rule (default: the country the meeting's hosts share).",
)
@json_option
@pass_app
def precedence(
    app: AppContext, /, meeting_id: str, host_country: str | None, as_json: bool
) -> None:
    """List a meeting's participants in order of precedence, each with the reason for its place.

    The rule is the one HQ published for the host country, else HQ's general rule, else
    the default shipped with Liaison Desk.

    Example: liaison-desk meeting precedence 01934b2e-… --host-country BR
    """
    store = app.open_vault().store
    country = host_country.upper() if host_country else meeting_host_country(store, meeting_id)
    rule = rule_for(store, country, meeting_day(store, meeting_id))
    placed = meeting_precedence(store, meeting_id, country)
    rows: list[dict[str, Any]] = []
    for p in placed:
        person = store.get(Contact, p.contact_id)
        rows.append(
            {"place": p.place, "name": person.full_name, "country": person.country}
            | {"reason": p.reason, "id": p.contact_id}
        )
    if as_json:
        source = {"title": rule.title, "country": rule.country, "reference": rule.ref_id}
        output.emit_json({"host_country": country, "rule": source, "order": rows})
        return
    where = f"{rule.country} rule" if rule.country else "general rule"
    origin = "" if rule.ref_id else ", shipped default"
    click.echo(f"Order by: {rule.title} ({where}{origin})")
    output.table(rows, ("place", "name", "country", "reason", "id"), cut_at={"reason": 80})


@click.command("ranks")
@click.option("--country", help="Only this nation's ranks, e.g. DE.")
@click.option("--service", type=click.Choice(SERVICES), help="Only this service's ranks.")
@json_option
def ranks(country: str | None, service: str | None, as_json: bool) -> None:
    """List the rank table: each rank in the nation's words and in English, with its NATO code.

    Example: liaison-desk contact ranks --country DE --service navy
    """
    chosen = [r for r in rank_table().of_nation(country) if service in (None, r.service)]
    rows = [
        {"code": r.code, "nation": r.nation, "service": r.service}
        | {"native": r.native, "english": r.english}
        for r in chosen
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(rows, ("code", "nation", "service", "native", "english"))
