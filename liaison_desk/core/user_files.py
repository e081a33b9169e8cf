"""Reading a file someone handed us: regular files only, never a hang, never past a bound.

An import, a drive or a command-line argument may name a FIFO (opening it waits
for a writer for ever), a device (/dev/zero never ends), or a symlink that leads
out of the folder being read (a protocol folder whose link reaches HQ's own
files, which would then travel to every station). Every such read goes through
here: the file is opened without blocking, the descriptor that was opened is
the one checked (`fstat`, so the file read is the file checked), and anything
but a regular file is refused with a sentence. In a folder walk, an entry whose
real path lies outside the folder is refused, and its final component is opened
without following links.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from liaison_desk.core.errors import FileRefused

_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # Windows has neither, nor FIFOs to fear
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


def size_text(size: int) -> str:
    """A size for a sentence, in the unit that states it exactly where one does."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if size >= factor and size % factor == 0:
            return f"{size // factor:,} {unit}"
    if size >= 1 << 30:
        return f"{size / (1 << 30):,.1f} GiB"
    if size >= 1_000_000:
        return f"{size / 1_000_000:,.0f} MB"
    if size >= 1000:
        return f"{size / 1000:,.0f} KB"
    return f"{size} bytes"


def inside(folder: Path, path: Path) -> Path:
    """The real path of `path`, refused if it leads out of `folder` (a symlink elsewhere)."""
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(os.path.realpath(folder)):
        shown = path.relative_to(folder) if path.is_relative_to(folder) else path.name
        raise FileRefused(f"{shown} leads outside {folder} through a link; it was not read.")
    return real


def open_regular(path: Path, *, folder: Path | None = None) -> BinaryIO:
    """`path` opened for reading if it is a regular file (and, given `folder`, inside it)."""
    flags = os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0)
    target = path
    if folder is not None:
        target, flags = inside(folder, path), flags | _NOFOLLOW
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise FileRefused(f"{path.name} cannot be read: {exc.strerror or exc}.") from exc
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a special file")
            raise FileRefused(f"{path.name} is {kind}, not a regular file; it was not read.")
        if _NONBLOCK:
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(
    path: Path, limit: int, what: str, *, folder: Path | None = None, advice: str = ""
) -> bytes:
    """The whole of a regular file of at most `limit` bytes; `what` names such files, plural.

    The size is checked on the open descriptor before anything is read, and no
    more than one byte past the limit is ever read, should the file grow meanwhile.
    """
    with open_regular(path, folder=folder) as f:
        size = os.fstat(f.fileno()).st_size
        if size <= limit:
            try:
                data = f.read(limit + 1)
            except OSError as exc:
                raise FileRefused(f"{path.name} cannot be read: {exc.strerror or exc}.") from exc
            size = len(data)
    if size > limit:
        raise FileRefused(
            f"{path.name} is {size_text(size)}; {what} over {size_text(limit)} are refused."
            + (f" {advice}" if advice else "")
        )
    return data


def read_utf8(path: Path, limit: int, what: str) -> str:
    """A regular file's text, bounded as `read_bounded`; text that is not UTF-8 is refused."""
    try:
        return read_bounded(path, limit, what).decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"{path.name} is not UTF-8 text; save it as UTF-8.") from None
