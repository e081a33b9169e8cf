"""`liaison-desk demo`: a vault of fictional data to try the application on."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.core.demo import create_demo_vault


@click.command()
@click.option(
    "--vault",
    "demo_vault",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="New, empty folder for the demo vault.",
)
@click.option("--contacts", default=300, show_default=True, help="How many fictional contacts.")
@click.option("--meetings", default=600, show_default=True, help="How many fictional meetings.")
def demo(demo_vault: Path, contacts: int, meetings: int) -> None:
    """Create a demo vault of fictional people, meetings and protocol notes.

    Example: liaison-desk demo --vault /tmp/liaison-demo
    """
    vault, passphrase = create_demo_vault(
        demo_vault, contacts=contacts, meetings=meetings, progress=lambda s: click.echo(s, err=True)
    )
    vault.lock()
    click.echo(f"Demo vault created in {demo_vault}.")
    click.echo(f"Passphrase: {passphrase}")
