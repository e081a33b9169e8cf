"""The About box's facts: the packaged build's BUILD-INFO.txt, or the source tree's version."""

from __future__ import annotations

from pathlib import Path

from liaison_desk import __version__
from liaison_desk.core.build_info import about_lines, packaged_info


def test_a_packaged_build_reports_its_build_info(tmp_path: Path) -> None:
    (tmp_path / "BUILD-INFO.txt").write_text(
        "liaison-desk 1.4.0\ncommit: abc123 (2026-03-14 10:00:00 UTC)\npython: CPython 3.11.9\n"
    )
    exe = tmp_path / "liaison-desk"
    assert packaged_info(exe, frozen=True) is not None
    lines = about_lines(exe, frozen=True)
    assert lines[0] == f"Liaison Desk {__version__}"
    assert "commit: abc123 (2026-03-14 10:00:00 UTC)" in lines


def test_from_source_there_is_no_build_info(tmp_path: Path) -> None:
    assert packaged_info(tmp_path / "python", frozen=False) is None
    assert packaged_info(tmp_path / "missing", frozen=True) is None  # damaged build: no crash
    assert "source tree" in about_lines(frozen=False)[1]
