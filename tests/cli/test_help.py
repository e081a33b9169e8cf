"""Help and version: every command documented, with an example, and every option explained."""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest

from liaison_desk import __version__
from liaison_desk.cli import cli
from tests.cli.runner import run_cli


def walk(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk(sub, f"{path} {name}")


COMMANDS = dict(walk(cli, "liaison-desk"))


def test_the_walk_reaches_every_command() -> None:
    assert len(COMMANDS) > 40
    for expected in (
        "liaison-desk contact add",
        "liaison-desk backup restore",
        "liaison-desk demo",
    ):
        assert expected in COMMANDS


@pytest.mark.parametrize("path", COMMANDS)
def test_every_command_has_an_example(path: str) -> None:
    doc = COMMANDS[path].help or ""

    assert doc.strip(), f"{path} has no docstring"
    assert "Example:" in doc, f"{path} has no 'Example:' in its docstring"


@pytest.mark.parametrize("path", COMMANDS)
def test_every_option_has_help(path: str) -> None:
    command = COMMANDS[path]
    params = command.get_params(click.Context(command, info_name=path.split()[-1]))

    missing = [
        "/".join(p.opts)
        for p in params
        if isinstance(p, click.Option) and not (p.help or "").strip()
    ]

    assert missing == [], f"{path}: options without help: {missing}"


def test_version() -> None:
    result = run_cli("--version")

    assert result.code == 0
    assert re.fullmatch(r"liaison-desk, version \d+\.\d+\.\d+\S*\n", result.out)
    assert __version__ in result.out


def test_help_lists_the_commands() -> None:
    result = run_cli("--help")

    assert result.code == 0
    assert result.out.startswith("Usage: liaison-desk")
    for name in ("init", "contact", "meeting", "protocol", "search", "backup", "demo"):
        assert re.search(rf"^  {name}\s", result.out, re.MULTILINE), name
    assert result.err == ""


def test_command_help_shows_its_example() -> None:
    result = run_cli("contact", "add", "--help")

    assert result.code == 0
    assert "Example: liaison-desk contact add" in result.out
    assert "--marking" in result.out
