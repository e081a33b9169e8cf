"""A vault on a disk that cannot be written (read-only media, a full disk): still read.

SQLite in WAL mode needs to create and size the `-shm` file beside vault.db
before it reads a page, so on a read-only or full disk the plain opening fails
before anything is read. When that failure is the disk's, the vault is opened
again read-only and immutable: SQLite then reads vault.db alone, which is safe
exactly when the write-ahead log holds nothing (a vault last closed cleanly).
A log still holding changes, on a disk where no index of it can be made, is
refused with a sentence rather than read without them.

What the user is told names the disk's state: read-only, no permission, or
full; never "damaged".
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from liaison_desk.core.errors import StorageError

FULL_BELOW = 1 << 20  # free bytes under which a failing disk counts as full (-shm needs 32 KiB)
_READ_ONLY = getattr(os, "ST_RDONLY", 1)


def why_unwritable(folder: Path) -> str | None:
    """Why nothing can be saved in `folder` ("the disk … is read-only"), or None if it can."""
    try:
        if hasattr(os, "statvfs") and os.statvfs(folder).f_flag & _READ_ONLY:
            return "the disk holding the vault is read-only"
        if not os.access(folder, os.W_OK):
            return "the vault's folder cannot be written to (no permission)"
        if shutil.disk_usage(folder).free < FULL_BELOW:
            return "the disk holding the vault is full"
    except OSError:
        return None
    return None


def nothing_saved(why: str) -> str:
    """The sentence a write on such a disk ends with."""
    advice = " Free some space and try again." if "full" in why else ""
    return f"{why[0].upper()}{why[1:]}; nothing was saved.{advice}"


def check_log_empty(db_path: Path, why: str) -> None:
    """Refuse to read vault.db alone while its write-ahead log still holds changes."""
    wal = db_path.with_name(f"{db_path.name}-wal")
    try:
        pending = wal.stat().st_size > 0
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StorageError(f"{wal.name} cannot be read: {exc.strerror or exc}.") from exc
    if pending:
        raise StorageError(
            f"{why[0].upper()}{why[1:]}, and the last changes made are still in {wal.name}, "
            "which cannot be read from there; copy the vault's folder to a disk that can be "
            "written to, or free some space, and open it again."
        )


def read_only_uri(db_path: Path) -> str:
    """vault.db opened read-only and immutable: no -shm, no -wal, no lock taken."""
    return f"{db_path.resolve().as_uri()}?mode=ro&immutable=1"
