"""Vault-level commands: create, check, change passphrase, recover, read the audit log."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import (
    ENV_NEW_PASSPHRASE,
    ENV_RECOVERY_CODE,
    AppContext,
    get_secret,
    pass_app,
)
from liaison_desk.cli.errors import ChainBroken
from liaison_desk.cli.options import json_option, limit_option, shown_note
from liaison_desk.core import audit
from liaison_desk.core.audit_chain import check_local
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.vault import ROLES, Vault

_new_passphrase_file = click.option(
    "--new-passphrase-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Read the new passphrase from this file (or set {ENV_NEW_PASSPHRASE}).",
)


def _kdf(memory_mib: int | None, iterations: int | None) -> KdfParams | None:
    if memory_mib is None and iterations is None:
        return None
    default = KdfParams.default()
    return KdfParams(
        memory_kib=(memory_mib * 1024) if memory_mib else default.memory_kib,
        iterations=iterations or default.iterations,
        lanes=default.lanes,
    )


_kdf_options = (
    click.option(
        "--kdf-memory",
        "kdf_memory",
        type=int,
        help="Argon2id memory in MiB (at least 64; default 256, about 0.6 s to unlock).",
    ),
    click.option("--kdf-iterations", type=int, help="Argon2id passes (default 3)."),
)


def _new_passphrase(path: Path | None) -> str:
    return get_secret(
        file=path,
        env=ENV_NEW_PASSPHRASE,
        prompt="New passphrase",
        confirm=True,
        option="--new-passphrase-file",
    )


@click.command()
@click.option("--name", required=True, help="Name of this station (or of HQ).")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="station",
    show_default=True,
    help="A station at a post, or headquarters.",
)
@_kdf_options[0]
@_kdf_options[1]
@pass_app
def init(
    app: AppContext, name: str, role: str, kdf_memory: int | None, kdf_iterations: int | None
) -> None:
    """Create a vault and print its recovery code (shown this once only).

    Example: liaison-desk --vault ~/vaults/paris init --name "Paris DAO" --role station
    """
    vault, code = Vault.create(
        app.vault_dir,
        app.passphrase(confirm=True),
        name=name,
        role=role,
        kdf=_kdf(kdf_memory, kdf_iterations),
    )
    vault.lock()
    click.echo(f"Created vault {name!r} ({role}) in {app.vault_dir}.")
    click.echo("Recovery code (write it down and keep it apart from this laptop; shown once):")
    click.echo(f"  {code}")


@click.command("unlock-check")
@pass_app
def unlock_check(app: AppContext) -> None:
    """Exit 0 if the passphrase opens the vault (2 if it does not).

    Example: LIAISON_DESK_PASSPHRASE=… liaison-desk unlock-check
    """
    vault = app.open_vault()
    click.echo(f"The passphrase opens {vault.info.name!r}.")


@click.group()
def passphrase() -> None:
    """Change the vault's passphrase.

    Example: liaison-desk passphrase change
    """


@passphrase.command("change")
@_new_passphrase_file
@_kdf_options[0]
@_kdf_options[1]
@pass_app
def change(
    app: AppContext,
    /,
    new_passphrase_file: Path | None,
    kdf_memory: int | None,
    kdf_iterations: int | None,
) -> None:
    """Set a new passphrase; the old one stops working, the recovery code keeps working.

    Example: liaison-desk passphrase change
    """
    vault = app.open_vault()
    current = app.passphrase()
    vault.change_passphrase(
        current, _new_passphrase(new_passphrase_file), _kdf(kdf_memory, kdf_iterations)
    )
    click.echo("Passphrase changed.")


@click.command()
@click.option(
    "--recovery-code-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Read the recovery code from this file (or set {ENV_RECOVERY_CODE}).",
)
@_new_passphrase_file
@pass_app
def recover(
    app: AppContext, recovery_code_file: Path | None, new_passphrase_file: Path | None
) -> None:
    """Set a new passphrase with the recovery code, when the passphrase is lost.

    Example: liaison-desk recover
    """
    code = get_secret(
        file=recovery_code_file,
        env=ENV_RECOVERY_CODE,
        prompt="Recovery code",
        option="--recovery-code-file",
    )
    vault = Vault.recover(app.vault_dir, code, _new_passphrase(new_passphrase_file))
    vault.lock()
    click.echo("New passphrase set. The recovery code still works; keep it safe.")


@click.command("audit")
@limit_option(50, "How many entries, newest first (1 or more).")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the log's hash chain instead: name any entry removed, reordered or edited.",
)
@json_option
@pass_app
def audit_log(app: AppContext, /, limit: int, verify: bool, as_json: bool) -> None:
    """Show the local audit log: unlocks and failed unlocks, key changes, backups, imports,
    exports. With --verify, check its hash chain (exit 1 if broken).

    Example: liaison-desk audit --limit 20
    """
    conn = app.open_vault().conn
    if verify:
        breaks = check_local(conn)
        if as_json:
            output.emit_json([{"n": b.n, "kind": b.kind, "sentence": b.sentence} for b in breaks])
        elif not breaks:
            click.echo(f"The audit log's chain is intact ({audit.count(conn)} entries).")
        for each in breaks if not as_json else []:
            click.echo(each.sentence)
        if breaks:
            raise ChainBroken(f"The audit log does not verify: {breaks[0].sentence}")
        return
    found = audit.entries(conn, limit)
    if as_json:
        output.emit_json([{"at": e.at, "event": e.event, "detail": e.detail} for e in found])
    else:
        rows = [{"at": e.at, "event": e.event, "detail": audit.describe(e)} for e in found]
        output.table(rows, ("at", "event", "detail"), cut_at={"detail": 100})
    if len(found) == limit and (total := audit.count(conn)) > limit:
        click.echo(shown_note(limit, total), err=True)
