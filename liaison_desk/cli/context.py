"""What every command shares: which vault, and how to get the passphrase without a prompt."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from liaison_desk.cli.errors import NoSecret
from liaison_desk.core.vault import Vault

ENV_VAULT = "LIAISON_DESK_VAULT"
ENV_PASSPHRASE = "LIAISON_DESK_PASSPHRASE"
ENV_NEW_PASSPHRASE = "LIAISON_DESK_NEW_PASSPHRASE"
ENV_RECOVERY_CODE = "LIAISON_DESK_RECOVERY_CODE"


def read_secret_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NoSecret(f"Cannot read {path}: {exc.strerror}.") from exc
    return text.rstrip("\r\n")


def get_secret(
    *, file: Path | None, env: str, prompt: str, confirm: bool = False, option: str
) -> str:
    """From a file, the environment, or a prompt - never waiting when there is no terminal."""
    if file is not None:
        return read_secret_file(file)
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise NoSecret(
            f"No terminal to ask for the {prompt.lower()}: pass {option} FILE or set {env}."
        )
    value: str = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


@dataclass
class AppContext:
    vault_dir: Path
    passphrase_file: Path | None

    def passphrase(self, *, confirm: bool = False) -> str:
        return get_secret(
            file=self.passphrase_file,
            env=ENV_PASSPHRASE,
            prompt="Passphrase",
            confirm=confirm,
            option="--passphrase-file",
        )

    def open_vault(self) -> Vault:
        """Unlock the vault for this command; it is locked again when the command ends."""
        vault = Vault.unlock(self.vault_dir, self.passphrase())
        click.get_current_context().call_on_close(vault.lock)
        return vault


pass_app = click.make_pass_decorator(AppContext)
