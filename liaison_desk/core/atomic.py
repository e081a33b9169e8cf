"""Crash-safe file replacement: a reader sees the old file or the new one, never a mix."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from liaison_desk.core.errors import StorageError


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary name, fsync it, rename over `path`, fsync the folder."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, path) from exc


def storage_error(exc: OSError, path: Path) -> StorageError:
    """Turn an OSError into a sentence naming the file and what the user can do."""
    if exc.errno == errno.ENOSPC:
        return StorageError(f"The disk is full; {path.name} was not written. Free some space.")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StorageError(f"{path.parent} cannot be written to (read-only or no permission).")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return missing_folder(path)
    return StorageError(f"Could not write {path.name}: {exc.strerror or exc}.")


def missing_folder(path: Path) -> StorageError:
    return StorageError(f"The folder {path.parent} does not exist; create it or choose another.")


def require_folder(path: Path) -> None:
    """Refuse, with a sentence, a file to be written into a folder that is not there.

    Checked before any work when the failure would otherwise surface from deep
    inside (SQLCipher's ATTACH says only that a database cannot be opened).
    """
    if not path.parent.is_dir():
        raise missing_folder(path)


@contextmanager
def staged_directory(dest: Path) -> Iterator[Path]:
    """Build a folder under a temporary name: it appears at `dest` whole, or not at all.

    `dest` must not exist or be empty; on any failure the half-built folder is removed.
    """
    staging = dest.parent / f".{dest.name}.staging-{os.urandom(4).hex()}"
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o700)
        yield staging
        if dest.exists():
            dest.rmdir()
        staging.rename(dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise storage_error(exc, dest) from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
