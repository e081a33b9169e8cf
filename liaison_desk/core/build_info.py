"""What the About box says about this copy: its version, and how it was built.

A packaged build (packaging/build.py) writes BUILD-INFO.txt beside the
executable: the version, the commit and its time, Python, the platform and
every distribution packed. Run from a source tree, there is no such file and
the version comes from the installed metadata (liaison_desk.__version__).
"""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from liaison_desk import __version__
from liaison_desk.core.errors import FileRefused
from liaison_desk.core.user_files import read_utf8

BUILD_INFO = "BUILD-INFO.txt"
_MAX_BYTES = 64 * 1024


def packaged_info(executable: Path | None = None, frozen: bool | None = None) -> str | None:
    """The text of BUILD-INFO.txt of a packaged build, or None when running from source."""
    frozen = getattr(sys, "frozen", False) if frozen is None else frozen
    if not frozen:
        return None
    path = Path(executable or sys.executable).parent / BUILD_INFO
    try:
        return read_utf8(path, _MAX_BYTES, "build descriptions").strip()
    except FileRefused:
        return None


def about_lines(executable: Path | None = None, frozen: bool | None = None) -> list[str]:
    """The version and build, one fact a line, for the About box and bug reports."""
    packaged = packaged_info(executable, frozen)
    lines = [f"Liaison Desk {__version__}"]
    if packaged is not None:
        lines += ["Packaged build:", *packaged.splitlines()[1:]]
    else:
        lines.append("Running from a source tree (not a packaged build).")
        lines.append(f"Python {platform.python_implementation()} {platform.python_version()}")
        lines.append(f"Platform {sys.platform} {platform.machine()}")
    return lines
