"""`liaison-desk sync drive|online`: both directions in one step, through a drive or the relay.

Each prints what came in (applied, replayed or refused with why) and what
went out, and exits non-zero if anything was refused or the sync stopped early.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.cli.progress import ProgressLine
from liaison_desk.cli.sync_cmds import (
    bundle_refused_json,
    refusal_lines,
    refused_json,
    size_text,
    warn_if_clock_ahead,
)
from liaison_desk.core.user_files import read_bounded
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync import peers as registry
from liaison_desk.sync.drive import sync_drive
from liaison_desk.sync.errors import RelayError, SyncError
from liaison_desk.sync.online import (
    relay_url,
    set_relay_authority,
    set_relay_url,
    sync_online,
)
from liaison_desk.sync.relay_client import check_url
from liaison_desk.sync.transfer import SyncReport

MAX_CERTIFICATE = 1 << 20  # a PEM chain; real ones are a few KiB


class StepLine:
    """The CLI's progress line for a sync of several steps, relabelled in place as each starts
    (and as a transfer's bytes and rate change, which its label says)."""

    def __init__(self) -> None:
        self.line = ProgressLine("", terse=True)

    def __call__(self, label: str, done: int, total: int) -> None:
        self.line.label = label
        if total:
            self.line(done, total)

    def close(self) -> None:
        self.line.clear()


def _report_json(report: SyncReport) -> dict[str, Any]:
    return {
        "where": report.where,
        "applied": [
            {
                "sender": r.sender,
                "sender_name": r.sender_name,
                "ops": r.ops,
                "applied": r.applied,
                "conflicts": r.conflicts,
                "new_incarnation": r.new_incarnation,
                "refused": refused_json(r.refused),
                "refused_by_peer": refused_json(r.refused_by_peer),
                "bundle_refused_by_peer": bundle_refused_json(r.bundle_refused_by_peer),
            }
            for r in report.applied
        ],
        "replayed": [{"sender": r.sender, "sender_name": r.sender_name} for r in report.replayed],
        "refused": [
            {"file": r.name, "reason": r.reason, "message": r.message} for r in report.refused
        ],
        "sent": [
            {
                "file": r.path.name,
                "peer": r.peer,
                "peer_name": r.peer_name,
                "ops": r.ops,
                "attachments": r.attachments,
                "size": r.size,
            }
            for r in report.sent
        ],
        "roster_sent": report.roster_sent,
        "error": report.error.message if report.error else None,
    }


def _say(report: SyncReport, verb: str) -> None:
    for r in report.applied:
        line = f"applied   a bundle from {r.sender_name}: {plural(r.ops, 'change')}"
        if r.conflicts:
            line += f", {plural(r.conflicts, 'conflict')} (see `liaison-desk conflicts list`)"
        if r.refused:
            line += f", {len(r.refused)} refused (below)"
        click.echo(line + ".")
        for detail in refusal_lines(r):
            click.echo(detail)
    for r in report.replayed:
        click.echo(f"replayed  a bundle from {r.sender_name}: applied before; nothing changed.")
    for refusal in report.refused:
        click.echo(f"refused   {refusal.name}: {refusal.message} ({refusal.reason})")
    if report.roster_sent:
        click.echo("roster    the relay has HQ's current list of stations.")
    for w in report.sent:
        click.echo(
            f"{verb:<9} {plural(w.ops, 'change')} and {plural(w.attachments, 'file')} "
            f"for {w.peer_name} ({size_text(w.size)})."
        )
    if not (report.applied or report.replayed or report.refused or report.sent):
        click.echo("Nothing came in and nothing was owed.")


def _finish(report: SyncReport, as_json: bool, verb: str) -> None:
    if as_json:
        output.emit_json(_report_json(report))
    else:
        _say(report, verb)
    if report.error is not None:
        raise SyncError(f"The sync stopped early: {report.error.message}")
    if report.refused:
        raise SyncError(f"{plural(len(report.refused), 'bundle')} refused; see above.")


def _peers(vault: Vault, ids: tuple[str, ...]) -> list[registry.Peer] | None:
    if not ids:
        return None
    return [registry.find_peer(vault.conn, i) for i in ids]


@click.command("drive")
@click.argument("drive", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--peer",
    "peer_ids",
    multiple=True,
    help="Write only for this peer (repeat for several). Default: every peer owed a bundle.",
)
@json_option
@pass_app
def drive(app: AppContext, /, drive: Path, peer_ids: tuple[str, ...], as_json: bool) -> None:
    """Apply the bundles on a drive addressed to this vault, then write what its peers are owed.

    The drive holds a LiaisonDesk/ folder with an outbox per recipient, so one
    drive can carry bundles for many stations.

    Example: liaison-desk sync drive /media/usb
    """
    vault = app.open_vault()
    warn_if_clock_ahead(vault)
    line = StepLine()
    try:
        report = sync_drive(vault, drive, _peers(vault, peer_ids), line)
    finally:
        line.close()
    _finish(report, as_json, "wrote")


@click.command("online")
@click.option("--relay", "url", help="The relay's address; remembered for next time.")
@click.option(
    "--ca",
    "ca_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Certificate (PEM) of the authority that signed the relay's, if not a public one; "
    "remembered for next time.",
)
@json_option
@pass_app
def online(app: AppContext, /, url: str | None, ca_file: Path | None, as_json: bool) -> None:
    """Pull what waits for this vault on HQ's relay, then push what its peers are owed.

    Exits non-zero, with nothing lost, when the relay cannot be reached.

    Example: liaison-desk sync online --relay https://relay.example:8443
    """
    vault = app.open_vault()
    warn_if_clock_ahead(vault)
    stored = relay_url(vault)
    url = check_url(url) if url else stored
    if url is None:
        raise RelayError("No relay is set; give its address with --relay URL.")
    if ca_file is not None:
        try:
            pem = read_bounded(ca_file, MAX_CERTIFICATE, "certificate files")
            set_relay_authority(vault, pem.decode("ascii"))
        except UnicodeDecodeError as exc:
            raise RelayError(f"{ca_file} cannot be read as a PEM certificate.") from exc
    line = StepLine()
    try:
        report = sync_online(vault, url, line)
    finally:
        line.close()
    if url != stored:
        set_relay_url(vault, url)
    _finish(report, as_json, "sent")
