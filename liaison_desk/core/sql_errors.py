"""Sorting SQLite failures by blame, as qutebrowser's `misc/sql.py` does.

The environment's faults (disk full, read-only media, I/O errors, a vault busy
in another window, a damaged file) become a LiaisonError with a sentence for
the user: StorageError, or VaultDamaged when the file itself is unreadable.
Anything else is our bug and propagates unchanged. `core.connection` calls this
for every statement, so a read fails as plainly as a write.
"""

from __future__ import annotations

import sqlcipher3

from liaison_desk.core.errors import LiaisonError, StorageError, VaultDamaged

_BUSY = "The vault is busy in another Liaison Desk window; try again in a moment."
_DAMAGED = "The vault's database is damaged; restore it from a backup."

# Primary result codes (the low byte of extended codes).
_SENTENCES: dict[int, tuple[type[LiaisonError], str]] = {
    5: (StorageError, _BUSY),  # BUSY
    6: (StorageError, _BUSY),  # LOCKED
    8: (StorageError, "The vault's folder is read-only; nothing was saved."),  # READONLY
    10: (  # IOERR
        StorageError,
        "The disk reported an error while reading or writing the vault; nothing was saved.",
    ),
    11: (VaultDamaged, _DAMAGED),  # CORRUPT
    13: (StorageError, "The disk is full; nothing was saved. Free some space and try again."),
    14: (  # CANTOPEN
        StorageError,
        "The vault's database cannot be opened (missing folder or permissions).",
    ),
    26: (VaultDamaged, _DAMAGED),  # NOTADB: what SQLCipher reports for a page it cannot decrypt
}


READ_ONLY, IO_ERROR, FULL, CANT_OPEN = 8, 10, 13, 14
# What opening a vault on a full or read-only disk fails with (see core.vault_media).
DISK_FAULTS = frozenset({READ_ONLY, IO_ERROR, FULL, CANT_OPEN})


def primary_code(exc: sqlcipher3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def known_error(exc: sqlcipher3.Error, read_only: str | None = None) -> LiaisonError | None:
    """The sentence for an environmental failure, or None if the fault is ours.

    `read_only` is why a connection opened read-only cannot save (a full disk, say):
    its writes fail as READONLY, and the user is told the real cause instead.
    """
    code = primary_code(exc)
    if code is None:
        return None
    if code == READ_ONLY and read_only is not None:
        return StorageError(read_only)
    known = _SENTENCES.get(code)
    if known is None:
        return None
    cls, sentence = known
    return cls(sentence)
