"""Backups: one file holding an encrypted copy of the database and its key slots.

Layout (all integers big-endian)::

    b"LDBACKUP" | u16 version=1 | u32 len | keys.json | u64 len | encrypted vault.db | sha256

The database copy is made by SQLCipher itself (sqlcipher_export) under the
same data key, so no page of it is ever in the clear on disk; the trailing
SHA-256 over everything before it catches a damaged or truncated file before
anything is restored. Opening a backup needs the passphrase (or recovery code)
that was valid when it was made.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from liaison_desk.core.atomic import fsync_dir, require_folder, staged_directory, storage_error
from liaison_desk.core.clock import Clock, SystemClock
from liaison_desk.core.errors import BackupError, FileRefused, VaultExists, WrongPassphrase
from liaison_desk.core.keyslots import (
    KeyFile,
    normalize_passphrase,
    normalize_recovery_code,
    wipe,
    write_keyfile,
)
from liaison_desk.core.schema import migrate, schema_version
from liaison_desk.core.user_files import open_regular
from liaison_desk.core.vault import DB_FILE, KEY_FILE, Vault, new_incarnation, open_database

log = logging.getLogger("liaison_desk.backup")

MAGIC = b"LDBACKUP"
VERSION = 1
_HEAD = struct.Struct(">8sHI")
_DB_LEN = struct.Struct(">Q")
_MAX_KEYS = 1 << 20
_CHUNK = 1 << 20
Progress = Callable[[int, int], None]


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def create_backup(vault: Vault, dest: Path) -> int:
    """Write a backup of `vault` to `dest` atomically; returns its size in bytes."""
    require_folder(dest)
    partial_db = dest.with_name(f".{dest.name}.db.partial")
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        partial_db.unlink(missing_ok=True)
        # No KEY: SQLCipher gives the copy the vault's own key, which never leaves it as text.
        vault.conn.execute("ATTACH DATABASE ? AS backup", (str(partial_db),))
        try:
            vault.conn.execute("SELECT sqlcipher_export('backup')")
            vault.conn.execute(f"PRAGMA backup.user_version = {schema_version(vault.conn)}")
        finally:
            vault.conn.execute("DETACH DATABASE backup")
        keys = vault.keyfile.to_bytes()
        digest = hashlib.sha256()
        with open(tmp, "wb", opener=_private) as out, open(partial_db, "rb") as db:
            db_len = os.fstat(db.fileno()).st_size
            for piece in (_HEAD.pack(MAGIC, VERSION, len(keys)), keys, _DB_LEN.pack(db_len)):
                out.write(piece)
                digest.update(piece)
            while chunk := db.read(_CHUNK):
                out.write(chunk)
                digest.update(chunk)
            out.write(digest.digest())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, dest) from exc
    finally:
        partial_db.unlink(missing_ok=True)
    size = dest.stat().st_size
    vault.audit("backup-created", bytes=size)
    log.info("backup written, %d bytes", size)
    return size


def _read_exact(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise BackupError("The backup file is truncated.")
    return data


def _read_header(f: BinaryIO, total: int) -> tuple[KeyFile, int, int]:
    """Check the whole file's digest, then return (key file, db offset, db length)."""
    if total < _HEAD.size + _DB_LEN.size + 32:
        raise BackupError("This is not a Liaison Desk backup (it is too short).")
    magic, version, keys_len = _HEAD.unpack(_read_exact(f, _HEAD.size))
    if magic != MAGIC:
        raise BackupError("This is not a Liaison Desk backup.")
    if version != VERSION:
        raise BackupError("This backup was made by a newer Liaison Desk.")
    if keys_len > _MAX_KEYS:
        raise BackupError("The backup file is damaged.")
    f.seek(0)
    digest = hashlib.sha256()
    remaining = total - 32
    while remaining:
        chunk = f.read(min(_CHUNK, remaining))
        if not chunk:
            raise BackupError("The backup file is truncated.")
        digest.update(chunk)
        remaining -= len(chunk)
    if f.read(32) != digest.digest():
        raise BackupError("The backup file is damaged (its checksum does not match).")
    f.seek(_HEAD.size)
    keyfile = KeyFile.from_bytes(_read_exact(f, keys_len))
    (db_len,) = _DB_LEN.unpack(_read_exact(f, _DB_LEN.size))
    db_offset = _HEAD.size + keys_len + _DB_LEN.size
    if db_offset + db_len + 32 != total:
        raise BackupError("The backup file is damaged (its sizes do not add up).")
    return keyfile, db_offset, db_len


def restore_backup(
    source: Path,
    dest: Path,
    secret: str,
    *,
    recovery: bool = False,
    clock: Clock | None = None,
) -> Vault:
    """Restore into a new folder and return the vault, unlocked.

    The restored vault writes under a new origin, so it can never reuse an oplog
    sequence number that the original already sent to a peer.
    """
    clock = clock or SystemClock()
    if dest.exists() and any(dest.iterdir()):
        raise VaultExists(f"{dest} is not empty; restore into a new folder.")
    try:
        f = open_regular(source)
    except FileRefused as exc:
        raise BackupError(f"The backup {exc.message}") from exc
    with f:
        keyfile, db_offset, db_len = _read_header(f, os.fstat(f.fileno()).st_size)
        if recovery:
            slot, secret_bytes = keyfile.slot("recovery"), normalize_recovery_code(secret)
        else:
            slot, secret_bytes = keyfile.slot("passphrase"), normalize_passphrase(secret)
        try:
            data_key = slot.open(secret_bytes, keyfile.vault_id)
        except WrongPassphrase:
            raise WrongPassphrase(
                "That does not open this backup; use the passphrase valid when it was made."
            ) from None
        try:
            with staged_directory(dest) as staging:
                f.seek(db_offset)
                with open(staging / DB_FILE, "wb", opener=_private) as out:
                    remaining = db_len
                    while remaining:
                        chunk = f.read(min(_CHUNK, remaining))
                        out.write(chunk)
                        remaining -= len(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                write_keyfile(staging / KEY_FILE, keyfile)
                conn = open_database(staging / DB_FILE, data_key)
                try:
                    migrate(conn)  # a backup made by an older version has no incarnations yet
                    conn.execute("BEGIN IMMEDIATE")
                    new_incarnation(conn, clock)
                    conn.execute("COMMIT")
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                finally:
                    conn.close()
        except BaseException:
            wipe(data_key)  # the vault was not restored: its key goes
            raise
    vault = Vault.open_with_key(dest, keyfile, data_key, clock)
    vault.audit("restored", bytes=db_len)
    return vault
