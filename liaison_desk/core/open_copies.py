"""Plaintext copies of attachments for the system's viewer, kept in a private RAM folder.

A PDF or a photo kept in the vault can only be shown by another program if
that program can read it as a file, so "Open" writes one. What "never left
unencrypted on disk once closed" means here, and where it stops. "Closed" is
the vault's closing (locked by hand or when idle, or the application quit): a
viewer does not tell us when it closes a file, so a copy stays readable while
the vault is open.

- The copy goes to a RAM file system: /dev/shm where it exists (Linux), else
  the user's runtime folder (platformdirs: /run/user/<uid> on Linux, a tmpfs;
  on Windows and macOS a per-user folder on disk, where the promise below
  weakens to "removed", not "never written"). The normal temporary folder is
  never used: on most systems it is on disk.
- It sits in a folder of this user's only (0700), one per running process, in
  a file only this user can read (0600), created anew (never through a link).
- Every copy is removed when the vault locks (by hand or when idle) and when
  the application quits; a process killed outright leaves its folder, which
  the next start sweeps (`sweep`) once it sees that process is gone.
- Limits: while the copy exists, any program running as this user can read
  it; a system that swaps tmpfs pages to an unencrypted swap partition, or
  hibernates, can write them to disk; the viewer may keep its own copies
  (thumbnails, recent files, autosaves) that Liaison Desk cannot see or
  remove. Exporting (a file the user chooses) is a separate, explicit act.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import stat
import sys
from pathlib import Path

import platformdirs

from liaison_desk.core.atomic import storage_error
from liaison_desk.core.errors import StorageError

log = logging.getLogger("liaison_desk.open_copies")

RAM_FOLDER = Path("/dev/shm")
ALIVE = ".alive"  # locked while the process that made the folder runs
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_UNSAFE = re.compile(r"[^\w.\- ()]+")


def ram_base(ram: Path = RAM_FOLDER) -> Path:
    """Where private folders go: /dev/shm when there is one, else the user's runtime folder."""
    if ram.is_dir() and os.access(ram, os.W_OK | os.X_OK):
        return ram
    return Path(platformdirs.user_runtime_dir("LiaisonDesk", ensure_exists=True))


def _user() -> str:
    getuid = getattr(os, "getuid", None)
    return str(getuid()) if getuid is not None else os.environ.get("USERNAME", "user")


def _private_dir(path: Path) -> Path:
    """Make `path` a folder of ours with mode 0700, or refuse one someone else made."""
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        info = os.lstat(path)
    except OSError as exc:
        raise storage_error(exc, path) from exc
    owner = getattr(os, "getuid", None)
    if (
        not stat.S_ISDIR(info.st_mode)
        or (owner is not None and info.st_uid != owner())
        or stat.S_IMODE(info.st_mode) & 0o077
    ):
        raise StorageError(
            f"{path} is not a private folder of this user; no attachment was opened."
        )
    return path


def root_folder(base: Path) -> Path:
    """The folder holding every process's copies for this user."""
    return base / f"liaison-desk-{_user()}"


def _try_lock(fd: int) -> bool:
    """Lock an open file for as long as it stays open; False if another process holds it."""
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def safe_name(name: str) -> str:
    """A file name the viewer can show, with nothing that could lead out of the folder."""
    cleaned = _UNSAFE.sub("_", Path(name).name).strip(" .")
    return cleaned[:120] or "attachment"


class OpenCopies:
    """This process's folder of opened attachments; `remove_all` empties it.

    The folder holds a lock file kept locked while this process runs: `sweep`
    tells a crashed run's folder from a running one's by trying that lock (a
    process id could have been reused; the lock goes with the process).
    """

    def __init__(self, base: Path | None = None) -> None:
        self._base = base
        self._folder: Path | None = None
        self._alive: int | None = None  # the lock file's descriptor

    @property
    def folder(self) -> Path:
        """This process's private folder (made on first use, at mode 0700)."""
        if self._folder is None:
            root = _private_dir(root_folder(self._base or ram_base()))
            folder = root / f"{os.getpid()}-{secrets.token_hex(4)}"
            try:
                folder.mkdir(mode=0o700)
                fd = os.open(folder / ALIVE, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            except OSError as exc:
                raise storage_error(exc, folder) from exc
            if not _try_lock(fd):
                os.close(fd)
                raise StorageError(f"{folder} is in use by another program.")
            self._folder, self._alive = _private_dir(folder), fd
        return self._folder

    def write(self, name: str, data: bytes) -> Path:
        """A new 0600 file holding `data`, named `name`, in a subfolder of its own."""
        folder = self.folder / secrets.token_hex(4)
        path = folder / safe_name(name)
        try:
            folder.mkdir(mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise storage_error(exc, path) from exc
        log.info("opened copy written, %d bytes", len(data))
        return path

    def remove_all(self) -> int:
        """Remove every copy this process wrote; returns how many there were."""
        folder, fd = self._folder, self._alive
        self._folder = self._alive = None
        if fd is not None:
            os.close(fd)  # before removing: Windows keeps an open file
        if folder is None or not folder.exists():
            return 0
        removed = sum(1 for entry in folder.iterdir() if entry.name != ALIVE)
        shutil.rmtree(folder, ignore_errors=True)
        log.info("opened copies removed: %d", removed)
        return removed


def _ended(folder: Path) -> bool:
    """True when no running process holds `folder`'s lock file (its process ended)."""
    try:
        fd = os.open(folder / ALIVE, os.O_RDWR | _NOFOLLOW)
    except FileNotFoundError:
        return True  # never locked: a run that stopped between the two steps
    except OSError:
        return False
    try:
        return _try_lock(fd)
    finally:
        os.close(fd)


def sweep(base: Path | None = None) -> int:
    """Remove the folders of runs that ended without removing their copies (a crash)."""
    root = root_folder(base or ram_base())
    if not root.is_dir() or root.is_symlink():
        return 0
    try:
        _private_dir(root)  # never empty a folder another user made under our name
    except StorageError:
        log.warning("opened-copies folder not private to this user: left alone")
        return 0
    swept = 0
    for entry in root.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            if not _ended(entry):
                continue  # a running Liaison Desk's
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        swept += 1
    if swept:
        log.info("leftover opened copies swept: %d folders", swept)
    return swept
