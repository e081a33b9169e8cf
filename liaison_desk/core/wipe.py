"""Wiping a vault: its key slots, database, write-ahead log and spool overwritten, then removed.

A lost or seized laptop's vault is already unreadable without a secret; a wipe
takes away the secrets' use too, so neither the passphrase nor the recovery code
(nor HQ's slot) opens it again. Every regular file of the vault's folder is
overwritten in place with random bytes, fsynced, then unlinked; keys.json goes
first, so a wipe cut short by a power cut has already made the rest
unopenable.

What it does not reach, said plainly in the README: copies made before (a
backup, a disk image), blocks a copy-on-write or journaling file system or an
SSD's wear levelling left behind from earlier versions of a file, and swap.
Overwriting in place defeats reading through the file system, which is what a
thief with the laptop and a coerced passphrase would do.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from liaison_desk.core.atomic import fsync_dir
from liaison_desk.core.errors import StorageError

log = logging.getLogger("liaison_desk.vault")

_PIECE = 1024 * 1024
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
KEYS_FIRST = "keys.json"

RandomBytes = Callable[[int], bytes]


def _overwrite(path: Path, random_bytes: RandomBytes) -> None:
    """Write random bytes over the whole file, in place (same inode), and fsync them."""
    fd = os.open(path, os.O_WRONLY | _NOFOLLOW)
    try:
        size = os.fstat(fd).st_size
        done = 0
        while done < size:
            piece = random_bytes(min(_PIECE, size - done))
            done += os.write(fd, piece)
        os.fsync(fd)
    finally:
        os.close(fd)


def _files(folder: Path) -> list[Path]:
    """Every file under `folder` (links not followed), keys.json first."""
    found: list[Path] = []
    for root, _dirs, names in os.walk(folder, followlinks=False):
        found += [Path(root) / name for name in names]
    return sorted(found, key=lambda p: (p != folder / KEYS_FIRST, str(p)))


def overwrite_folder(folder: Path, random_bytes: RandomBytes = os.urandom) -> int:
    """Overwrite every file of the folder in place, keys.json first, removing none of them.

    For a vault still open in this process: closing the database first would let
    SQLite delete its write-ahead log without overwriting it. Returns how many
    files resisted.
    """
    resisted = 0
    for path in _files(folder):
        try:
            if path.is_file() and not path.is_symlink():
                _overwrite(path, random_bytes)
        except OSError:
            resisted += 1
    return resisted


def wipe_folder(folder: Path, random_bytes: RandomBytes = os.urandom) -> int:
    """Overwrite and remove everything in a vault's folder; the folder itself stays, empty.

    Returns the number of files wiped. Goes on past a file it cannot overwrite (and
    removes it all the same), then raises StorageError naming how many resisted.
    """
    files = _files(folder)
    resisted = overwrite_folder(folder, random_bytes)
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            resisted += 1
    for root, dirs, _names in os.walk(folder, topdown=False):
        for name in dirs:
            try:
                (Path(root) / name).rmdir()
            except OSError:
                resisted += 1
    try:
        fsync_dir(folder)
    except OSError:
        resisted += 1
    log.info("vault wiped: %d files overwritten and removed", len(files))
    if resisted:
        raise StorageError(
            f"The vault was wiped, but {resisted} of its files or folders could not be "
            "overwritten or removed; delete its folder by hand."
        )
    return len(files)
