"""`liaison-desk demo`: a vault of fictional data to try the application on."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.core.demo import DEMO_PASSPHRASE, open_demo


@click.command()
@click.option(
    "--vault",
    "demo_vault",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the demo vault: a new one, or a demo made before (kept as it is).",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Start the demo afresh, forgetting what was changed in it (only ever a demo).",
)
@click.option("--contacts", default=300, show_default=True, help="How many fictional contacts.")
@click.option("--meetings", default=600, show_default=True, help="How many fictional meetings.")
def demo(demo_vault: Path, rebuild: bool, contacts: int, meetings: int) -> None:
    """Create a demo vault of fictional people, meetings and protocol notes, or keep one.

    A demo made before is kept as it is, with what you changed in it, until
    --rebuild. A vault that is not a demo is never touched.

    Example: liaison-desk demo --vault /tmp/liaison-demo
    """
    vault, built = open_demo(
        demo_vault,
        rebuild=rebuild,
        contacts=contacts,
        meetings=meetings,
        progress=lambda s: click.echo(s, err=True),
    )
    vault.lock()
    if built:
        click.echo(f"Demo vault created in {demo_vault}.")
    else:
        click.echo(f"The demo vault in {demo_vault} is kept as it was (--rebuild starts afresh).")
    click.echo(f"Passphrase: {DEMO_PASSPHRASE}")
