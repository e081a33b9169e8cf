"""`liaison-desk`: every capability from the command line. One module per command group."""

from __future__ import annotations

import os
from pathlib import Path

import click

from liaison_desk import __version__
from liaison_desk.cli.attachment import attachment
from liaison_desk.cli.backup import backup
from liaison_desk.cli.brief import brief
from liaison_desk.cli.compromise_cmds import discard, flagged, held, release, wipe
from liaison_desk.cli.conflicts import conflicts
from liaison_desk.cli.contact import contact
from liaison_desk.cli.context import ENV_PASSPHRASE, ENV_VAULT, AppContext
from liaison_desk.cli.demo import demo
from liaison_desk.cli.errors import run
from liaison_desk.cli.followup import followup
from liaison_desk.cli.gift import gift
from liaison_desk.cli.identity_cmds import enrol, identity
from liaison_desk.cli.markings import markings
from liaison_desk.cli.meeting import meeting
from liaison_desk.cli.org import org
from liaison_desk.cli.peers import peers
from liaison_desk.cli.precedence_cmds import precedence, ranks
from liaison_desk.cli.protocol import protocol
from liaison_desk.cli.recovery_cmds import recovery, travel
from liaison_desk.cli.relay_cmd import relay
from liaison_desk.cli.report import report
from liaison_desk.cli.search import search
from liaison_desk.cli.security_cmds import panic, security
from liaison_desk.cli.self_test import self_test
from liaison_desk.cli.station_log_cmd import station_audit
from liaison_desk.cli.sync_cmds import sync
from liaison_desk.cli.transport_cmds import drive, online
from liaison_desk.cli.trash import trash_group
from liaison_desk.cli.vault_cmds import audit_log, init, passphrase, recover, unlock_check
from liaison_desk.core.vault import default_vault_dir


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--vault",
    "vault_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: os.environ.get(ENV_VAULT) or str(default_vault_dir()),
    show_default=f"${ENV_VAULT} or the user data folder",
    help="Folder of the vault to use.",
)
@click.option(
    "--passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Read the passphrase from this file (or set {ENV_PASSPHRASE}; else you are asked).",
)
@click.version_option(__version__, prog_name="liaison-desk")
@click.pass_context
def cli(ctx: click.Context, vault_dir: Path, passphrase_file: Path | None) -> None:
    """Liaison Desk: encrypted contacts, meetings and protocol library.

    With no command, starts the desktop application.

    Example: liaison-desk --vault ~/vaults/paris contact list
    """
    ctx.obj = AppContext(vault_dir=Path(vault_dir).expanduser(), passphrase_file=passphrase_file)
    if ctx.invoked_subcommand is None:
        ctx.invoke(gui)


@click.command()
@click.pass_obj
def gui(app: AppContext) -> None:
    """Start the desktop application (also what `liaison-desk` alone does).

    Example: liaison-desk --vault ~/vaults/paris gui
    """
    from liaison_desk.ui.entry import start_window  # Qt is loaded only for the GUI

    demo_dir = default_vault_dir().with_name("LiaisonDesk-demo")
    raise SystemExit(start_window(app.vault_dir, demo_dir))


sync.add_command(drive)
peers.add_command(station_audit)
for command in (wipe, held, release, discard):
    peers.add_command(command)
sync.add_command(flagged)
sync.add_command(online)
meeting.add_command(precedence)
contact.add_command(ranks)
for command in (
    gui,
    init,
    unlock_check,
    passphrase,
    recover,
    audit_log,
    panic,
    security,
    recovery,
    travel,
    contact,
    org,
    meeting,
    followup,
    gift,
    protocol,
    search,
    backup,
    demo,
    markings,
    attachment,
    identity,
    enrol,
    peers,
    sync,
    relay,
    conflicts,
    trash_group,
    report,
    brief,
    self_test,
):
    cli.add_command(command)


def main() -> None:
    run(cli.main)
