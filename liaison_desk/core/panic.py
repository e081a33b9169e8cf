"""Panic from outside the window: a request, beside the vault, that an open window locks now.

`liaison-desk panic` runs in a process of its own; the window that holds the
vault open is another. The command leaves an empty file in the vault's folder
(`panic-request`); every window open on that vault watches for it, locks at
once and removes it. A window starting finds none waiting (it removes a
stale one): a panic is about now, not about the next time the app opens.
The file says nothing but that a panic was asked for.
"""

from __future__ import annotations

import logging
from pathlib import Path

from liaison_desk.core.atomic import atomic_write

log = logging.getLogger("liaison_desk.vault")

PANIC_FILE = "panic-request"


def request_lock(folder: Path) -> None:
    """Ask every window open on this vault to lock now."""
    atomic_write(folder / PANIC_FILE, b"")
    log.info("panic: lock requested")


def take_lock_request(folder: Path) -> bool:
    """Whether a lock was requested since the last look; the request is consumed."""
    path = folder / PANIC_FILE
    if not path.exists():
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        log.warning("panic: the lock request could not be removed")
    return True
