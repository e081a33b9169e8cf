"""Failed unlock attempts, counted beside the key slots until the vault next opens.

A wrong passphrase opens nothing, so its attempt cannot go into the audit log,
which lives inside the encrypted vault. The count and the times of the first and
last failed attempts wait in a small file next to keys.json (nothing typed is
ever in it), and move into the audit log at the next successful unlock, from
the CLI and the GUI alike (both unlock through `Vault.unlock`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path

from liaison_desk.core.atomic import atomic_write, fsync_dir
from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.errors import StorageError

log = logging.getLogger("liaison_desk.vault")

FAILURES_FILE = "unlock-failures.json"
_MAX_BYTES = 4096  # the file is a few dozen bytes; anything larger was not written by us


@dataclass(frozen=True)
class FailedUnlocks:
    count: int
    first: str  # UTC, as audit entries are stamped
    last: str


def note_failure(folder: Path, clock: Clock) -> int:
    """Count one failed attempt; returns the count so far. A disk that cannot be written
    loses the count, never the answer: the caller still says the passphrase is wrong."""
    now = iso_from_ms(clock.now_ms())
    before = pending_failures(folder)
    made = (
        FailedUnlocks(before.count + 1, before.first, now)
        if before is not None
        else FailedUnlocks(1, now, now)
    )
    try:
        atomic_write(folder / FAILURES_FILE, json.dumps(asdict(made)).encode())
    except StorageError:
        log.warning("a failed unlock was not counted: the vault folder cannot be written")
    return made.count


def pending_failures(folder: Path) -> FailedUnlocks | None:
    """The failed attempts not yet in the audit log; None if none (or the file is unreadable)."""
    try:
        with open(folder / FAILURES_FILE, "rb") as f:
            raw = json.loads(f.read(_MAX_BYTES))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        log.warning("the count of failed unlocks is unreadable; it starts again")
        return None
    if not (
        isinstance(raw, dict)
        and isinstance(raw.get("count"), int)
        and raw["count"] > 0
        and isinstance(raw.get("first"), str)
        and isinstance(raw.get("last"), str)
    ):
        log.warning("the count of failed unlocks is damaged; it starts again")
        return None
    return FailedUnlocks(raw["count"], raw["first"][:32], raw["last"][:32])


def clear_failures(folder: Path) -> None:
    """Forget the attempts once they are in the audit log."""
    try:
        (folder / FAILURES_FILE).unlink(missing_ok=True)
        fsync_dir(folder)
    except OSError:
        log.warning("the count of failed unlocks could not be cleared")
