"""The one place where errors become a sentence on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from liaison_desk.core.errors import LiaisonError, WrongPassphrase

EXIT_ERROR = 1
EXIT_WRONG_SECRET = 2


class NoSecret(LiaisonError):
    """No terminal to prompt on and no other source of the passphrase or code."""


class NotConfirmed(LiaisonError):
    """No terminal to ask for a confirmation on, and no --yes."""


class WipeCancelled(LiaisonError):
    """Panic's countdown was cancelled: the vault was locked, not wiped."""


class ChainBroken(LiaisonError):
    """An audit log's hash chain does not verify (the breaks were listed on stdout)."""


def exit_code_for(exc: LiaisonError) -> int:
    return EXIT_WRONG_SECRET if isinstance(exc, WrongPassphrase) else EXIT_ERROR


def run(command: Callable[..., object]) -> None:
    """Run the click command; turn every expected failure into one plain sentence."""
    try:
        command(standalone_mode=False)
    except LiaisonError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exit_code_for(exc))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Cancelled.", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    sys.exit(0)
