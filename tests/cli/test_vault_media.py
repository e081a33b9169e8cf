"""The CLI on a vault whose disk is read-only or full: it reads, and says why it cannot save.

Before, every command, reading ones too, said "vault.db is damaged or does not
belong to these keys": the unlock's audit entry could not be written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence
from tests.hostile_files import fill, mounted, remount_read_only


@pytest.mark.parametrize(
    ("state", "cause"),
    [
        ("read-only", "The disk holding the vault is read-only; nothing was saved."),
        ("full", "The disk holding the vault is full; nothing was saved. Free some space"),
    ],
)
def test_reading_works_and_a_write_names_the_disk_s_state(
    tmp_path: Path, state: str, cause: str
) -> None:
    made = init_vault(tmp_path / "vault")[0]
    girard = made.new_id("contact", "add", "--name", "Hélène Girard")
    with mounted(tmp_path / "disk", "size=4m") as disk:
        shutil.copytree(made.vault, disk / "vault")
        if state == "full":
            fill(disk)
        else:
            remount_read_only(disk)
        desk = Desk(disk / "vault")
        assert [c["id"] for c in desk.json("contact", "list")] == [girard]
        assert [hit["id"] for hit in desk.json("search", "Girard")] == [girard]
        refused = desk("contact", "add", "--name", "Col. Dubois")
        assert refused.code == 1
        assert cause in one_sentence(refused.err)
