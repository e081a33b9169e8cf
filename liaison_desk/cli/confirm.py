"""Showing a fingerprint to compare, and asking before trusting or cutting off a peer."""

from __future__ import annotations

import sys

import click

from liaison_desk.cli.errors import NotConfirmed
from liaison_desk.sync.identity import grouped


def show_fingerprint(fingerprint: str) -> None:
    """The fingerprint in groups of four, indented and bold, to be read aloud and compared."""
    click.echo()
    for line in grouped(fingerprint).splitlines():
        click.secho(f"    {line}", bold=True)
    click.echo()


def confirm(question: str, yes: bool, refusal: str) -> None:
    """Go on if --yes was given or the user says yes; never wait when there is no terminal.

    `refusal` is the sentence shown when there is no terminal to ask on.
    """
    if yes:
        return
    if not sys.stdin.isatty():
        raise NotConfirmed(refusal)
    if not click.confirm(question, default=False):
        raise click.Abort
