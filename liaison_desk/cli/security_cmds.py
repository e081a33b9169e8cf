"""Field security from the command line: Panic, and the officer's wipe settings."""

from __future__ import annotations

import time
from collections.abc import Callable

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.errors import WipeCancelled
from liaison_desk.cli.options import json_option
from liaison_desk.core.errors import VaultNotFound
from liaison_desk.core.panic import request_lock
from liaison_desk.core.vault import is_vault
from liaison_desk.core.wipe import wipe_folder
from liaison_desk.core.wipe_policy import (
    FAILURE_LIMITS,
    PANIC_COUNTDOWN_S,
    WipePolicy,
    load_policy,
    set_policy,
)

wait: Callable[[float], None] = time.sleep  # the countdown's second; tests pass time instead


@click.command()
@pass_app
def panic(app: AppContext) -> None:
    """Lock every window open on the vault now; then, if the officer enabled it, wipe the
    vault after a 5-second countdown that Ctrl+C cancels.

    Example: liaison-desk panic
    """
    if not is_vault(app.vault_dir):
        raise VaultNotFound(f"There is no vault in {app.vault_dir}.")
    request_lock(app.vault_dir)
    click.echo("Locked: every window open on this vault locks now.")
    if not load_policy(app.vault_dir).panic_wipe:
        return
    try:
        for left in range(PANIC_COUNTDOWN_S, 0, -1):
            click.echo(f"Wiping the vault in {left} s (Ctrl+C cancels)…", err=True)
            wait(1)
    except (KeyboardInterrupt, click.Abort):
        raise WipeCancelled("Wipe cancelled: the vault is locked and intact.") from None
    files = wipe_folder(app.vault_dir)
    click.echo(f"The vault was wiped ({files} files overwritten and removed).")


@click.group()
def security() -> None:
    """The wipe settings: wipe on Panic, wipe after failed unlocks.

    Example: liaison-desk security show
    """


@security.command("show")
@json_option
@pass_app
def show(app: AppContext, as_json: bool) -> None:
    """Show the wipe settings (read without unlocking).

    Example: liaison-desk security show --json
    """
    if not is_vault(app.vault_dir):
        raise VaultNotFound(f"There is no vault in {app.vault_dir}.")
    policy = load_policy(app.vault_dir)
    if as_json:
        output.emit_json({"panic_wipe": policy.panic_wipe, "after_failures": policy.after_failures})
        return
    click.echo(f"Wipe on Panic: {'on' if policy.panic_wipe else 'off'}")
    after = policy.after_failures
    click.echo(f"Wipe after failed unlocks: {after if after else 'never'}")


@security.command("set")
@click.option(
    "--panic-wipe/--no-panic-wipe",
    default=None,
    help="Whether Panic wipes the vault after its 5-second countdown.",
)
@click.option(
    "--wipe-after",
    type=click.Choice([str(n) for n in FAILURE_LIMITS]),
    help="Wipe after this many failed unlocks in a row (0: never). It stops guessing at "
    "this keyboard, not on a copy of the disk.",
)
@pass_app
def set_command(app: AppContext, panic_wipe: bool | None, wipe_after: str | None) -> None:
    """Change the wipe settings (the passphrase is asked: only the officer may).

    Example: liaison-desk security set --panic-wipe --wipe-after 10
    """
    vault = app.open_vault()
    before = load_policy(vault.path)
    policy = WipePolicy(
        before.panic_wipe if panic_wipe is None else panic_wipe,
        before.after_failures if wipe_after is None else int(wipe_after),
    )
    set_policy(vault, policy)
    click.echo(
        f"Wipe on Panic: {'on' if policy.panic_wipe else 'off'}; wipe after failed unlocks: "
        f"{policy.after_failures or 'never'}."
    )
