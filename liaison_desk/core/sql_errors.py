"""Sorting SQLite failures by blame, as qutebrowser does.

The environment's faults (disk full, read-only media, I/O errors, a vault busy
in another window) become StorageError with a sentence for the user; anything
else is our bug and propagates unchanged.
"""

from __future__ import annotations

import sqlcipher3

from liaison_desk.core.errors import StorageError

# Primary result codes (the low byte of extended codes).
_SENTENCES = {
    5: "The vault is busy in another Liaison Desk window; try again in a moment.",  # BUSY
    6: "The vault is busy in another Liaison Desk window; try again in a moment.",  # LOCKED
    8: "The vault's folder is read-only; nothing was saved.",  # READONLY
    10: "The disk reported an error while saving; nothing was saved.",  # IOERR
    11: "The vault's database is damaged; restore it from a backup.",  # CORRUPT
    13: "The disk is full; nothing was saved. Free some space and try again.",  # FULL
    14: "The vault's database cannot be opened (missing folder or permissions).",  # CANTOPEN
}


def storage_error_for(exc: sqlcipher3.Error) -> StorageError | None:
    """The StorageError for an environmental failure, or None if the fault is ours."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    sentence = _SENTENCES.get(code & 0xFF)
    return StorageError(sentence) if sentence else None
