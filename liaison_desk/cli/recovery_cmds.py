"""`liaison-desk recovery …` and `travel …`: HQ opens a station's vault for its officer."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli.confirm import confirm
from liaison_desk.cli.context import ENV_NEW_PASSPHRASE, AppContext, get_secret, pass_app
from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.user_files import read_bounded
from liaison_desk.sync import recovery as hq_recovery
from liaison_desk.sync import recovery_wire
from liaison_desk.sync.errors import RecoveryError

_out = click.option(
    "--out",
    required=True,
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


def _apply(app: AppContext, grant_file: Path, new_passphrase_file: Path | None) -> None:
    new = get_secret(
        file=new_passphrase_file,
        env=ENV_NEW_PASSPHRASE,
        prompt="New passphrase",
        confirm=True,
        option="--new-passphrase-file",
    )
    grant = _read(grant_file, "recovery grants")
    vault, code = hq_recovery.apply_grant(app.vault_dir, grant, new)
    vault.lock()
    click.echo("New passphrase set. New recovery code (write it down; shown once):")
    click.echo(f"  {code}")


@click.group()
def recovery() -> None:
    """When the passphrase and the recovery code are both lost: HQ lets the officer back in.

    Example: liaison-desk recovery request --out paris-recovery.json
    """


@recovery.command("request")
@_out
@pass_app
def request(app: AppContext, /, out: Path) -> None:
    """Station (no passphrase needed): ask HQ to open this vault; read HQ the code shown.

    Example: liaison-desk recovery request --out paris-recovery.json
    """
    data, code = hq_recovery.write_request(app.vault_dir)
    atomic_write(out, data)
    click.echo(f"Wrote the recovery request to {out}. Send it to HQ (drive or any channel),")
    click.echo("then call HQ and read them this code:")
    click.echo(f"  {code}")


@recovery.command("grant")
@click.argument("request_file", type=click.Path(dir_okay=False, path_type=Path))
@_out
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
@pass_app
def grant(app: AppContext, /, request_file: Path, out: Path, yes: bool) -> None:
    """HQ: answer a station's recovery request, once the officer was checked out of band
    and read the same code.

    Example: liaison-desk recovery grant paris-recovery.json --out paris-grant.json
    """
    vault = app.open_vault()
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
@click.argument("grant_file", type=click.Path(dir_okay=False, path_type=Path))
@_new_passphrase_file
@pass_app
def apply(app: AppContext, /, grant_file: Path, new_passphrase_file: Path | None) -> None:
    """Station: open the vault with HQ's grant and set a new passphrase (and recovery code).

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
@click.argument("grant_file", type=click.Path(dir_okay=False, path_type=Path))
@_new_passphrase_file
@pass_app
def restore(app: AppContext, /, grant_file: Path, new_passphrase_file: Path | None) -> None:
    """On arrival: open the sealed vault with HQ's grant and set a new passphrase.

    Example: liaison-desk travel restore paris-grant.json
    """
    if not hq_recovery.is_sealed(app.vault_dir):
        raise RecoveryError("This vault is not sealed; use liaison-desk recovery apply.")
    _apply(app, grant_file, new_passphrase_file)
