"""Every command that reads a file it is given: a pipe or a device gets a sentence, at once.

A named pipe no one writes to hung the command (it waited for a writer for
ever); /dev/zero behind a friendly name was read until memory ran out. Each
command now refuses them at once, in one sentence naming what the file is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence
from tests.hostile_files import never_written_pipe

# What each command is given, by file name; "FILE" stands for the hostile file.
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "contact import": ("phone.vcf", ("contact", "import", "FILE")),
    "meeting import": ("outlook.ics", ("meeting", "import", "FILE")),
    "attachment add": ("card.jpg", ("attachment", "add", "0193", "FILE")),
    "backup restore": ("paris.ldbackup", ("backup", "restore", "FILE", "--vault", "RESTORED")),
    "enrol accept": ("paris.approval", ("enrol", "accept", "FILE", "--yes")),
    "protocol add": ("gifts.md", ("protocol", "add", "--title", "Gifts", "--body-file", "FILE")),
    "conflicts resolve": ("merged.txt", ("conflicts", "resolve", "1", "--merged-file", "FILE")),
    "sync online --ca": (
        "relay-ca.pem",
        ("sync", "online", "--relay", "https://127.0.0.1:9", "--ca", "FILE"),
    ),
}
# The commands that read a file to its end without a bound of their own.
ENDLESS = ("attachment add", "protocol add", "conflicts resolve", "sync online --ca")


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return init_vault(tmp_path_factory.mktemp("hostile") / "vault")[0]


def _args(command: str, file: Path) -> list[str | Path]:
    _, words = COMMANDS[command]
    return [
        file if w == "FILE" else file.parent / "restored" if w == "RESTORED" else w for w in words
    ]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_pipe_is_refused_at_once(station: Desk, tmp_path: Path, command: str) -> None:
    name, _ = COMMANDS[command]
    with never_written_pipe(tmp_path / name) as pipe:
        result = station(*_args(command, pipe))
    assert result.code == 1
    assert f"{name} is a named pipe, not a regular file" in one_sentence(result.err)


@pytest.mark.parametrize("command", ENDLESS)
def test_a_device_behind_a_file_name_is_refused_at_once(
    station: Desk, tmp_path: Path, command: str
) -> None:
    name, _ = COMMANDS[command]
    (tmp_path / name).symlink_to("/dev/zero")
    result = station(*_args(command, tmp_path / name))
    assert result.code == 1
    assert f"{name} is a device, not a regular file" in one_sentence(result.err)


def test_a_protocol_folder_holding_a_pipe_is_refused_at_once(station: Desk, tmp_path: Path) -> None:
    (tmp_path / "gifts.md").write_text("# Gifts\nText.\n")
    with never_written_pipe(tmp_path / "seating.md"):
        result = station("protocol", "import", tmp_path)
    assert "seating.md is a named pipe" in one_sentence(result.err)
    assert station.json("protocol", "list") == []


def test_sync_import_of_a_pipe_reports_it_refused(station: Desk, tmp_path: Path) -> None:
    with never_written_pipe(tmp_path / "hq.ldbundle") as pipe:
        result = station("sync", "import", pipe)
    assert result.code == 1
    assert result.out.startswith("refused   hq.ldbundle: hq.ldbundle is a named pipe")
    assert result.out.rstrip().endswith("(not-a-file)")
