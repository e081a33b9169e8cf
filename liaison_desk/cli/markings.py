"""`liaison-desk markings …`: the vault's ordered list of sensitivity markings."""

from __future__ import annotations

import click

from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.core import markings as markings_mod


@click.group()
def markings() -> None:
    """Sensitivity markings, lowest first.

    Example: liaison-desk markings list
    """


@markings.command("list")
@pass_app
def list_(app: AppContext) -> None:
    """Print the markings, lowest first.

    Example: liaison-desk markings list
    """
    for name in app.open_vault().store.markings():
        click.echo(name)


@markings.command("set")
@click.argument("names", nargs=-1, required=True)
@pass_app
def set_(app: AppContext, /, names: tuple[str, ...]) -> None:
    """Replace the list (lowest first); refused while records carry a dropped marking.

    Example: liaison-desk markings set "OFFICIAL" "OFFICIAL-SENSITIVE" "SECRET"
    """
    store = app.open_vault().store
    with store.transaction():
        new = markings_mod.set_markings(store.conn, names)
    click.echo(" < ".join(new))
