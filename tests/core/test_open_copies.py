"""Opened attachments: private RAM folders, removed at the lock, swept after a crash."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from liaison_desk.core.errors import StorageError
from liaison_desk.core.open_copies import RAM_FOLDER, OpenCopies, ram_base, root_folder, sweep


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_copy_is_private_and_goes_with_remove_all(tmp_path: Path) -> None:
    copies = OpenCopies(tmp_path)
    path = copies.write("../../etc/passwd card.pdf", b"%PDF-1.7")
    assert path.read_bytes() == b"%PDF-1.7"
    assert path.name == "passwd card.pdf"  # nothing leads out of the folder
    assert path.is_relative_to(root_folder(tmp_path))
    assert mode(path) == 0o600
    assert mode(root_folder(tmp_path)) == mode(copies.folder) == 0o700
    second = copies.write("passwd card.pdf", b"other")  # the same name does not collide
    assert second != path and path.read_bytes() == b"%PDF-1.7"
    assert copies.remove_all() == 2
    assert not path.exists() and not second.exists()


def test_the_ram_folder_is_used_when_there_is_one() -> None:
    if RAM_FOLDER.is_dir():
        assert ram_base() == RAM_FOLDER


def test_a_folder_someone_else_could_read_is_refused(tmp_path: Path) -> None:
    root = root_folder(tmp_path)
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    with pytest.raises(StorageError, match="not a private folder"):
        OpenCopies(tmp_path).write("a.txt", b"x")


def test_sweep_removes_what_a_crashed_run_left_and_keeps_a_running_one(tmp_path: Path) -> None:
    crashed = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from liaison_desk.core.open_copies import OpenCopies
        print(OpenCopies(Path({str(tmp_path)!r})).write("notes.txt", b"left by a crash"))
        os._exit(9)  # killed: nothing removed
        """
    )
    ran = subprocess.run(
        [sys.executable, "-c", crashed],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    left = Path(ran.stdout.strip())
    assert left.read_bytes() == b"left by a crash"
    mine = OpenCopies(tmp_path)
    kept = mine.write("open.txt", b"still open")
    assert sweep(tmp_path) == 1
    assert not left.exists() and not left.parent.parent.exists()
    assert kept.read_bytes() == b"still open"
    mine.remove_all()
    assert sweep(tmp_path) == 0 and list(root_folder(tmp_path).iterdir()) == []


def test_sweep_leaves_a_folder_that_is_not_private_alone(tmp_path: Path) -> None:
    """A folder under our name that others may read is not ours to empty (nor to use)."""
    root = root_folder(tmp_path)
    root.mkdir(mode=0o755)
    os.chmod(root, 0o755)
    (root / "someone's").mkdir()
    assert sweep(tmp_path) == 0
    assert (root / "someone's").is_dir()
