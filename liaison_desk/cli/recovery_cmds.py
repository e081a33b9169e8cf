"""`liaison-desk recovery …` and `travel …`: HQ opens a station's vault for its officer.

Request and grant go by file (a drive, any channel) or through HQ's relay
(`sync.recovery_relay`): `--relay URL` at the station, `--code` at HQ.
"""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli.confirm import confirm
from liaison_desk.cli.context import ENV_NEW_PASSPHRASE, AppContext, get_secret, pass_app
from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.user_files import read_bounded
from liaison_desk.sync import recovery as hq_recovery
from liaison_desk.sync import recovery_relay, recovery_wire
from liaison_desk.sync.errors import RecoveryError

_out = click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the file.",
)
_new_passphrase_file = click.option(
    "--new-passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Read the new passphrase from this file (or set {ENV_NEW_PASSPHRASE}).",
)


def _read(path: Path, what: str) -> bytes:
    return read_bounded(path, recovery_wire.MAX_FILE, what)


def _apply(app: AppContext, grant_file: Path | None, new_passphrase_file: Path | None) -> None:
    """With a grant file, or without one from the relay the request went through."""
    if grant_file is None:
        recovery_relay.fetch_grant(app.vault_dir)  # before asking: HQ may not have granted yet
    new = get_secret(
        file=new_passphrase_file,
        env=ENV_NEW_PASSPHRASE,
        prompt="New passphrase",
        confirm=True,
        option="--new-passphrase-file",
    )
    if grant_file is None:
        vault, code = recovery_relay.apply_from_relay(app.vault_dir, new)
    else:
        grant = _read(grant_file, "recovery grants")
        vault, code = hq_recovery.apply_grant(app.vault_dir, grant, new)
    vault.lock()
    click.echo("New passphrase set. New recovery code (write it down; shown once):")
    click.echo(f"  {code}")


@click.group()
def recovery() -> None:
    """When the passphrase and the recovery code are both lost: HQ lets the officer back in.

    Example: liaison-desk recovery request --relay https://relay.example:8443
    """


@recovery.command("request")
@_out
@click.option("--relay", "url", help="Send the request through HQ's relay at this address.")
@click.option(
    "--ca",
    "ca_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Certificate (PEM) of the authority that signed the relay's, if not a public one.",
)
@pass_app
def request(app: AppContext, /, out: Path | None, url: str | None, ca_file: Path | None) -> None:
    """Station (no passphrase needed): ask HQ to open this vault; read HQ the code shown.

    The request goes to a file (--out) or through HQ's relay (--relay, whose
    address HQ gives you if you do not have it).

    Example: liaison-desk recovery request --relay https://relay.example:8443
    """
    if (out is None) == (url is None):
        raise click.UsageError("Give --out FILE or --relay URL (one of them).")
    if url is not None:
        authority = None if ca_file is None else recovery_relay.read_authority(ca_file)
        code = recovery_relay.send_request(app.vault_dir, url, authority)
        click.echo("Sent the recovery request to HQ's relay. Call HQ and read them this code:")
        click.echo(f"  {code}")
        click.echo("Once HQ has granted it: liaison-desk travel restore (or recovery apply).")
        return
    assert out is not None
    data, code = hq_recovery.write_request(app.vault_dir)
    atomic_write(out, data)
    click.echo(f"Wrote the recovery request to {out}. Send it to HQ (drive or any channel),")
    click.echo("then call HQ and read them this code:")
    click.echo(f"  {code}")


@recovery.command("waiting")
@pass_app
def waiting(app: AppContext, /) -> None:
    """HQ: the recovery requests waiting on HQ's relay, with their codes.

    Example: liaison-desk recovery waiting
    """
    rows = recovery_relay.waiting_requests(app.open_vault())
    if not rows:
        click.echo("No recovery request waits on the relay.", err=True)
    for row in rows:
        state = "granted" if row.granted else "waiting"
        click.echo(f"{row.name}  {row.code}  {state}")


@recovery.command("discard")
@click.option("--code", required=True, help="The code of the request, as `recovery waiting` lists.")
@pass_app
def discard(app: AppContext, /, code: str) -> None:
    """HQ: remove a request waiting on the relay that no officer called about.

    Example: liaison-desk recovery discard --code "1f3a 90c2 77de 0b41 e5a8"
    """
    gone = recovery_relay.discard_waiting(app.open_vault(), code)
    click.echo(f"Removed the request from {gone.name} ({gone.code}) from the relay.")


@recovery.command("grant")
@click.argument("request_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_out
@click.option("--code", help="Grant the request waiting on HQ's relay with the code read to you.")
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
@pass_app
def grant(
    app: AppContext, /, request_file: Path | None, out: Path | None, code: str | None, yes: bool
) -> None:
    """HQ: answer a station's recovery request, once the officer was checked out of band
    and read the same code: a request file (the grant to --out), or with --code the
    request waiting on HQ's relay (the grant goes back there).

    Example: liaison-desk recovery grant --code "1f3a 90c2 77de 0b41 e5a8"
    """
    vault = app.open_vault()
    if code is not None:
        if request_file is not None or out is not None:
            raise click.UsageError("--code grants through the relay: give no file with it.")
        confirm(
            "Did you check who the officer is, over a separate channel, and did they read "
            f"you the code {code}?",
            yes,
            "No terminal to ask on: check the officer and the code, then run the command "
            "again with --yes.",
        )
        peer = recovery_relay.grant_through_relay(vault, code)
        click.echo(f"Granted to {peer.name} through the relay. The officer applies it with:")
        click.echo("  liaison-desk travel restore   (or: liaison-desk recovery apply)")
        return
    if request_file is None or out is None:
        raise click.UsageError("Give a request file and --out FILE, or --code CODE.")
    data = _read(request_file, "recovery requests")
    _body, digest = recovery_wire.read_request(data)
    click.echo(f"Request code: {recovery_wire.request_code(digest)}")
    confirm(
        "Did you check who the officer is, over a separate channel, and did they read "
        "you this same code?",
        yes,
        "No terminal to ask on: check the officer and the code, then run the command "
        "again with --yes.",
    )
    peer, _code, made = hq_recovery.grant(vault, data)
    atomic_write(out, made)
    click.echo(f"Granted to {peer.name}. Give {out} to the officer, who applies it with:")
    click.echo(f"  liaison-desk recovery apply {out.name}")


@recovery.command("apply")
@click.argument("grant_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_new_passphrase_file
@pass_app
def apply(app: AppContext, /, grant_file: Path | None, new_passphrase_file: Path | None) -> None:
    """Station: open the vault with HQ's grant and set a new passphrase (and recovery code);
    without a file, the grant comes from the relay the request went through.

    Example: liaison-desk recovery apply paris-grant.json
    """
    _apply(app, grant_file, new_passphrase_file)


@click.group()
def travel() -> None:
    """Travel mode: before a border, leave only HQ's key slot; on arrival HQ opens it.

    Example: liaison-desk travel seal
    """


@travel.command("seal")
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
@pass_app
def seal(app: AppContext, /, yes: bool) -> None:
    """Destroy the passphrase and recovery slots: nothing you know or carry opens the vault
    until HQ sends a grant (liaison-desk recovery request, then travel restore).

    Example: liaison-desk travel seal
    """
    vault = app.open_vault()
    confirm(
        "Seal the vault for travel? Your passphrase and recovery code will stop working; "
        "only HQ can open it again, after you call them on arrival.",
        yes,
        "No terminal to ask on: run the command again with --yes to seal the vault.",
    )
    hq_recovery.seal_for_travel(vault)
    click.echo("Sealed. On arrival: liaison-desk recovery request, then travel restore.")


@travel.command("restore")
@click.argument("grant_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@_new_passphrase_file
@pass_app
def restore(app: AppContext, /, grant_file: Path | None, new_passphrase_file: Path | None) -> None:
    """On arrival: open the sealed vault with HQ's grant and set a new passphrase; without a
    file, the grant comes from the relay the request went through (recovery request --relay).

    Example: liaison-desk travel restore paris-grant.json
    """
    if not hq_recovery.is_sealed(app.vault_dir):
        raise RecoveryError("This vault is not sealed; use liaison-desk recovery apply.")
    _apply(app, grant_file, new_passphrase_file)
