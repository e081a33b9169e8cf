"""`liaison-desk gift …`: the gifts and hospitality register, and HQ's list of declarations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from liaison_desk.core.gifts import add_gift, declarations, update_gift
from liaison_desk.core.records import GIFT_DIRECTIONS, Gift
from liaison_desk.sync.identity import short

F = TypeVar("F", bound=Callable[..., Any])
_COLUMNS = ("id", "exchanged_on", "direction", "description", "value", "currency", "declaration")


def _entry_options(required: bool) -> Callable[[F], F]:
    """The fields of an entry: all needed to add one, any of them to edit one."""
    return option_group(
        click.option(
            "--direction",
            type=click.Choice(GIFT_DIRECTIONS),
            required=required,
            help="Whether it was given or received.",
        ),
        click.option("--what", "description", required=required, help="What it was."),
        click.option("--value", required=required, help="Its estimated value, e.g. 150 or 89.90."),
        click.option("--currency", required=required, help="The value's currency, e.g. EUR."),
        click.option("--date", "exchanged_on", required=required, help="The day, e.g. 2026-07-14."),
        click.option(
            "--contact",
            "contact_ids",
            multiple=True,
            help="Contact id of who gave or received it; repeat for several.",
        ),
        click.option("--occasion", help="The occasion, e.g. a national day reception."),
        click.option("--meeting", "meeting_id", help="The meeting it was exchanged at (its id)."),
        click.option(
            "--country", help="Whose limits apply (default: the first contact's country)."
        ),
        long_text_option("--notes", "Free notes."),
        marking_option,
        distribution_option,
        tags_option,
    )


def _say_flag(gift: Gift) -> None:
    """The flag on stderr: stdout keeps the id alone, for scripts."""
    if gift.declaration is not None:
        click.echo(f"Flagged for declaration to HQ: {gift.declaration}", err=True)


@click.group()
def gift() -> None:
    """The gifts and hospitality register: entries checked against HQ's published limits.

    Example: liaison-desk gift declarations
    """


@gift.command("add")
@_entry_options(required=True)
@pass_app
def add(app: AppContext, /, **fields: Any) -> None:
    """Record a gift or hospitality given or received and print its id; says if it is flagged.

    Example: liaison-desk gift add --direction received --what "Silver tray" --value 180
    --currency EUR --date 2026-07-14 --contact 01934b2e-… --occasion "National day"
    """
    saved = add_gift(app.open_vault().store, Gift(**changes(**fields)))
    click.echo(saved.id)
    _say_flag(saved)


@gift.command("edit")
@click.argument("gift_id")
@_entry_options(required=False)
@pass_app
def edit(app: AppContext, /, gift_id: str, **fields: Any) -> None:
    """Change the given fields (an empty value clears one); the flag is worked out again.

    Example: liaison-desk gift edit 01934b2e-… --value 120
    """
    _say_flag(update_gift(app.open_vault().store, gift_id, changes(**fields)))


@gift.command("list")
@click.option("--direction", type=click.Choice(GIFT_DIRECTIONS), help="Only given or received.")
@click.option("--contact", "contact_ids", help="Only entries naming this contact (its id).")
@list_options
@pass_app
def list_(
    app: AppContext,
    /,
    direction: str | None,
    contact_ids: str | None,
    **opts: Any,
) -> None:
    """List entries, newest first, with the reason each flagged one is declared.

    Example: liaison-desk gift list --direction received
    """
    store = app.open_vault().store
    where = given(direction=direction, contact_ids=contact_ids)
    query = build_query(store, opts, where, order_by="exchanged_on", descending=True)
    output.records(list_page(store, Gift, query), _COLUMNS, opts["as_json"])


@gift.command("show")
@click.argument("gift_id")
@json_option
@pass_app
def show(app: AppContext, /, gift_id: str, as_json: bool) -> None:
    """Show an entry in full, with its declaration and the reference it came from.

    Example: liaison-desk gift show 01934b2e-…
    """
    output.details(app.open_vault().store.get(Gift, gift_id), as_json)


@gift.command("declarations")
@json_option
@pass_app
def declarations_(app: AppContext, /, as_json: bool) -> None:
    """The declared entries, station by station, newest first (at HQ: every station's).

    Example: liaison-desk gift declarations --json
    """
    found = declarations(app.open_vault().store)
    if as_json:
        output.emit_json(
            [
                {
                    "station": d.station,
                    "station_name": d.station_name,
                    "gift": output.as_dict(d.gift),
                }
                for d in found
            ]
        )
        return
    rows = [
        {
            "station": f"{d.station_name} ({short(d.station)})" if d.station else d.station_name,
            "date": d.gift.exchanged_on,
            "direction": d.gift.direction,
            "what": d.gift.description,
            "value": f"{d.gift.value} {d.gift.currency}",
            "declaration": d.gift.declaration,
        }
        for d in found
    ]
    output.table(
        rows, ("station", "date", "direction", "what", "value", "declaration"), {"declaration": 100}
    )
