"""`liaison-desk backup …`: one encrypted file, and restoring it into a new folder."""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli.context import (
    ENV_RECOVERY_CODE,
    AppContext,
    get_secret,
    pass_app,
)
from liaison_desk.core.backup import create_backup, restore_backup


@click.group()
def backup() -> None:
    """Encrypted backups of the whole vault.

    Example: liaison-desk backup create /media/usb/paris.ldbackup
    """


@backup.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_app
def create(app: AppContext, /, file: Path) -> None:
    """Write an encrypted backup; it opens with today's passphrase or the recovery code.

    Example: liaison-desk backup create /media/usb/paris-2026-03-14.ldbackup
    """
    size = create_backup(app.open_vault(), file)
    click.echo(f"Backup written to {file} ({size:,} bytes, encrypted).")


@backup.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--vault",
    "new_vault",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="New, empty folder to restore into.",
)
@click.option(
    "--with-recovery-code",
    is_flag=True,
    help=f"Open the backup with the recovery code (asked for, or {ENV_RECOVERY_CODE}).",
)
@click.option(
    "--recovery-code-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Open the backup with the recovery code read from this file.",
)
@pass_app
def restore(
    app: AppContext,
    /,
    file: Path,
    new_vault: Path,
    with_recovery_code: bool,
    recovery_code_file: Path | None,
) -> None:
    """Restore a backup into a new folder (never over an existing vault).

    Example: liaison-desk backup restore paris.ldbackup --vault ~/vaults/paris-restored
    """
    recovery = with_recovery_code or recovery_code_file is not None
    if recovery:
        secret = get_secret(
            file=recovery_code_file,
            env=ENV_RECOVERY_CODE,
            prompt="Recovery code",
            option="--recovery-code-file",
        )
    else:
        secret = app.passphrase()
    vault = restore_backup(file, new_vault, secret, recovery=recovery)
    name = vault.info.name
    vault.lock()
    click.echo(f"Restored {name!r} into {new_vault}.")
