"""Reading files someone handed us: regular files only, never a hang, never past a bound."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liaison_desk.core.errors import FileRefused
from liaison_desk.core.user_files import inside, open_regular, read_bounded, read_utf8, size_text
from tests.hostile_files import never_written_pipe


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"hello")
    assert read_bounded(tmp_path / "a.txt", 5, "notes") == b"hello"
    assert read_utf8(tmp_path / "a.txt", 5, "notes") == "hello"


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    with (
        never_written_pipe(tmp_path / "card.vcf") as pipe,
        pytest.raises(FileRefused, match=r"^card\.vcf is a named pipe, not a regular file"),
    ):
        open_regular(pipe)


@pytest.mark.parametrize(
    ("target", "kind"), [("/dev/zero", "a device"), ("/dev/null", "a device"), (".", "a folder")]
)
def test_devices_and_folders_are_refused_even_through_a_link(
    tmp_path: Path, target: str, kind: str
) -> None:
    link = tmp_path / "photo.jpg"
    link.symlink_to(tmp_path if target == "." else target)
    with pytest.raises(FileRefused, match=rf"^photo\.jpg is {kind}, not a regular file"):
        read_bounded(link, 1 << 20, "photos")


def test_a_file_over_the_limit_is_refused_before_a_byte_is_read(tmp_path: Path) -> None:
    huge = tmp_path / "huge.ics"
    with huge.open("wb") as out:
        out.truncate(3 << 30)  # sparse: reading it would take seconds and gigabytes
    with pytest.raises(FileRefused, match=r"^huge\.ics is 3 GiB; calendars over 64 MiB are "):
        read_bounded(huge, 64 << 20, "calendars")


def test_a_link_leading_out_of_the_folder_is_refused_and_one_inside_followed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "library"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "secret.md").write_text("HQ only")
    (folder / "sub" / "page.md").write_text("shared")
    (folder / "out.md").symlink_to(tmp_path / "secret.md")
    (folder / "in.md").symlink_to(folder / "sub" / "page.md")
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    assert read_bounded(folder / "in.md", 100, "pages", folder=folder) == b"shared"
    assert inside(folder, folder / "in.md") == (folder / "sub" / "page.md").resolve()
    for name in ("out.md", "up/secret.md"):
        with pytest.raises(FileRefused, match=rf"^{name} leads outside .*library through a link"):
            read_bounded(folder / name, 100, "pages", folder=folder)


def test_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    (tmp_path / "merged.txt").write_bytes(b"caf\xe9")
    with pytest.raises(FileRefused, match=r"^merged\.txt is not UTF-8 text"):
        read_utf8(tmp_path / "merged.txt", 100, "texts")


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match=r"^gone\.txt cannot be read: No such file"):
        read_bounded(tmp_path / "gone.txt", 100, "texts")


def test_sizes_are_said_in_the_unit_that_states_them_exactly() -> None:
    sizes = (64 << 20, 2 << 30, (8 << 30) + 5, 256_000_000, 70_000_000, 65_537, 12)
    assert [size_text(n) for n in sizes] == [
        "64 MiB",
        "2 GiB",
        "8.0 GiB",
        "256 MB",
        "70 MB",
        "66 KB",
        "12 bytes",
    ]


def test_the_descriptor_left_open_is_blocking_again(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x")
    with open_regular(tmp_path / "a.txt") as f:
        assert os.get_blocking(f.fileno())
