"""`liaison-desk identity …` and `liaison-desk enrol …`: who this vault is, and enrolment.

Enrolment takes three files carried by hand: the station's request, HQ's
approval, and nothing back (the station pins HQ from the approval). Both
sides compare the other's fingerprint over a separate channel before trusting
it; `--yes` is for scripts that have done so already.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.confirm import confirm, show_fingerprint
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.atomic import atomic_write
from liaison_desk.sync import enrol as enrolment
from liaison_desk.sync.errors import EnrolmentError
from liaison_desk.sync.identity import PeerIdentity
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import get_peer
from liaison_desk.sync.recovery import policy_text

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
COMPARED = "Did you compare this fingerprint with {who} over a separate channel?"


def _out_option(what: str) -> Decorator:
    return click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"File to write {what} to.",
    )


def _yes_option(who: str) -> Decorator:
    return click.option(
        "--yes",
        is_flag=True,
        help=f"Do not ask; for scripts, once the fingerprint was compared with {who}.",
    )


def _describe(label: str, peer: PeerIdentity) -> None:
    click.echo(f"{label}: {peer.name}")
    click.echo(f"Post: {peer.post or '(not given)'}")
    click.echo("Fingerprint:")
    show_fingerprint(peer.fingerprint)


# -- identity ---------------------------------------------------------------------------------


@click.group()
def identity() -> None:
    """This vault's identity: the name and keys its peers know it by.

    Example: liaison-desk identity show
    """


@identity.command("show")
@json_option
@pass_app
def show(app: AppContext, /, as_json: bool) -> None:
    """Show this vault's name, role and fingerprint (its id for its peers).

    Example: liaison-desk identity show
    """
    me = load_identity(app.open_vault().conn).public
    if as_json:
        output.emit_json(
            {"name": me.name, "role": me.role, "post": me.post, "fingerprint": me.fingerprint}
        )
        return
    click.echo(f"Name: {me.name}")
    click.echo(f"Role: {me.role}")
    if me.post:
        click.echo(f"Post: {me.post}")
    click.echo("Fingerprint (read it aloud in groups of four):")
    show_fingerprint(me.fingerprint)


@identity.command("export")
@_out_option("the public identity (JSON)")
@pass_app
def export(app: AppContext, /, out: Path) -> None:
    """Write this vault's public identity (name, role, public keys) to a file; no private key.

    Example: liaison-desk identity export --out paris-identity.json
    """
    me = load_identity(app.open_vault().conn).public
    data = json.dumps(me.to_json(), indent=2, ensure_ascii=False).encode() + b"\n"
    atomic_write(out, data)
    click.echo(f"Wrote the public identity of {me.name} to {out} (no private keys).")


# -- enrolment --------------------------------------------------------------------------------


@click.group()
def enrol() -> None:
    """Enrolment: a station asks, HQ approves, the station accepts.

    Example: liaison-desk enrol request --out paris-request.json
    """


@enrol.command("request")
@_out_option("the enrolment request")
@pass_app
def request(app: AppContext, /, out: Path) -> None:
    """Write this station's enrolment request, to be carried to HQ.

    Example: liaison-desk enrol request --out paris-request.json
    """
    me, request_bytes = enrolment.own_request(app.open_vault())
    atomic_write(out, request_bytes)
    click.echo(f"Wrote the enrolment request of {me.name} to {out}.")
    click.echo("Take it to HQ, and read HQ this fingerprint over a separate channel:")
    show_fingerprint(me.fingerprint)


@enrol.command("approve")
@click.argument("request_file", type=click.Path(dir_okay=False, path_type=Path))
@_out_option("the approval, to be carried back to the station")
@_yes_option("the station")
@click.option(
    "--no-recovery-slot",
    is_flag=True,
    help="HQ's policy for this station: keep no key slot HQ can open (recovery and travel "
    "mode then cannot help it).",
)
@pass_app
def approve(
    app: AppContext, /, request_file: Path, out: Path, yes: bool, no_recovery_slot: bool
) -> None:
    """HQ: enrol the station whose request this is, once its fingerprint was compared.

    Example: liaison-desk enrol approve paris-request.json --out paris-approval.json
    """
    vault = app.open_vault()
    if vault.info.role != "hq":
        raise EnrolmentError("Only an HQ vault approves enrolments; this vault is a station.")
    data = enrolment.read_enrolment_file(request_file)
    station = enrolment.read_request(data)
    _describe("Station", station)
    known = get_peer(vault.conn, station.fingerprint)
    if known is not None and not known.active:
        click.echo(f"This station was revoked on {known.revoked_at}; approving enrols it again.")
    elif known is not None:
        click.echo("This station is already enrolled; approving again writes a new approval.")
    confirm(
        COMPARED.format(who="the station"),
        yes,
        "No terminal to ask on: compare the fingerprint with the station over a separate "
        "channel, then run the command again with --yes.",
    )
    _, approval = enrolment.approve(vault, data, recovery_slot=not no_recovery_slot)
    atomic_write(out, approval)
    click.echo(f"Enrolled {station.name}. Give {out} to the station, which accepts it with:")
    click.echo(f"  liaison-desk enrol accept {out.name}")


@enrol.command("accept")
@click.argument("approval_file", type=click.Path(dir_okay=False, path_type=Path))
@_yes_option("HQ")
@pass_app
def accept(app: AppContext, /, approval_file: Path, yes: bool) -> None:
    """Station: pin HQ's keys from its approval, once HQ's fingerprint was compared.

    Example: liaison-desk enrol accept paris-approval.json
    """
    vault = app.open_vault()
    if vault.info.role != "station":
        raise EnrolmentError("Only a station accepts an approval; this vault is HQ.")
    approval = enrolment.read_enrolment_file(approval_file)
    hq = enrolment.check_approval(vault, approval)
    recovery_slot = enrolment.asks_recovery_slot(approval)
    _describe("HQ", hq)
    click.echo(policy_text(recovery_slot))
    confirm(
        COMPARED.format(who="HQ"),
        yes,
        "No terminal to ask on: compare the fingerprint with HQ over a separate channel, "
        "then run the command again with --yes.",
    )
    enrolment.pin_hq(vault, hq, approval)
    click.echo(f"Enrolled with {hq.name}. Exchange changes with `liaison-desk sync export`.")
