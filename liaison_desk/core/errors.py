"""Errors of the core, each carrying a sentence the user can act on.

LiaisonError                      root of every error this application raises on purpose
 +-- VaultError                   the vault as a whole
 |    +-- VaultNotFound           no vault in that folder
 |    +-- VaultExists             refusing to create over an existing vault
 |    +-- WrongPassphrase         the passphrase or recovery code does not open it
 |    +-- KeySlotsDamaged         keys.json unreadable, altered or below the KDF floor
 |    +-- VaultDamaged            the database is unreadable (corrupt, not ours), at any query
 |    +-- SchemaTooNew            written by a newer Liaison Desk
 |    +-- MigrationFailed         an upgrade step failed; the vault was left as it was
 |    +-- VaultLocked             used after lock()
 |    +-- ClockRanOut             the vault's clock is past the last time a stamp can hold
 |    +-- VaultWiped              wiped just now (failed unlocks, panic, HQ's order)
 |    +-- VaultSealed             sealed for travel: only HQ's grant opens it
 +-- StorageError                the environment's fault: disk full, read-only, I/O, busy
 +-- RecordError
 |    +-- RecordNotFound          no such record (or it was deleted)
 |    +-- ValidationError         a field value that cannot be stored
 |    +-- RecordReadOnly          a change this vault may not make (another's record, HQ's library)
 |    +-- NothingToUndo           the session has no change left to undo
 |    +-- UndoRefused             a change that can no longer be undone (and why)
 +-- BackupError                  a backup file that is damaged or not a backup
 +-- ImportFormatError            an import file that cannot be read, naming where
 +-- FileRefused                  a file handed in that is not a regular file, is too large,
                                  or leads out of the folder being read
"""

from __future__ import annotations


class LiaisonError(Exception):
    """Root of every error raised on purpose; ``str(err)`` is a sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class VaultError(LiaisonError):
    pass


class VaultNotFound(VaultError):
    pass


class VaultExists(VaultError):
    pass


class WrongPassphrase(VaultError):
    pass


class KeySlotsDamaged(VaultError):
    pass


class VaultDamaged(VaultError):
    pass


class SchemaTooNew(VaultError):
    pass


class MigrationFailed(VaultError):
    pass


class VaultLocked(VaultError):
    pass


class ClockRanOut(VaultError):
    pass


class VaultWiped(VaultError):
    pass


class VaultSealed(VaultError):
    pass


class StorageError(LiaisonError):
    pass


class RecordError(LiaisonError):
    pass


class RecordNotFound(RecordError):
    pass


class ValidationError(RecordError):
    pass


class RecordReadOnly(RecordError):
    pass


class NothingToUndo(RecordError):
    pass


class UndoRefused(RecordError):
    pass


class BackupError(LiaisonError):
    pass


class ImportFormatError(LiaisonError):
    pass


class FileRefused(LiaisonError):
    pass
