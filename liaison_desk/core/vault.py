"""The vault: one folder holding an SQLCipher database and the key slots that open it.

vault.db is encrypted with a random 256-bit data key used as a raw SQLCipher
key (no second KDF). The data key exists on disk only wrapped in keys.json.
In memory it is one bytearray, owned by the open Vault; SQLCipher is keyed from
it through a buffer wiped at once (never a Python str, which nothing can wipe).
Locking closes the connection (SQLCipher wipes its own copy) and overwrites ours.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3
from platformdirs import user_data_dir

from liaison_desk.core import audit, name_shadow, schema_names, text_fold
from liaison_desk.core import vault_media as media
from liaison_desk.core.atomic import staged_directory
from liaison_desk.core.clock import Clock, SystemClock, iso_from_ms
from liaison_desk.core.connection import VaultConnection
from liaison_desk.core.errors import (
    LiaisonError,
    StorageError,
    ValidationError,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultWiped,
    WrongPassphrase,
)
from liaison_desk.core.ids import uuid7
from liaison_desk.core.keyslots import (
    DATA_KEY_BYTES,
    KdfParams,
    KeyFile,
    KeySlot,
    new_recovery_code,
    normalize_passphrase,
    normalize_recovery_code,
    read_keyfile,
    wipe,
    write_keyfile,
)
from liaison_desk.core.passphrase_policy import weakness
from liaison_desk.core.schema import MIGRATIONS, Migration, migrate, schema_version
from liaison_desk.core.sql_errors import DISK_FAULTS, known_error, primary_code
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.store import Store
from liaison_desk.core.unlock_failures import clear_failures, note_failure, pending_failures
from liaison_desk.core.wipe import overwrite_folder, wipe_folder
from liaison_desk.core.wipe_policy import load_policy

log = logging.getLogger("liaison_desk.vault")

DB_FILE = "vault.db"
KEY_FILE = "keys.json"
ROLES = ("station", "hq")
DEMO_MARK = "demo"  # meta key set in a demo vault (core/demo.py): it says DEMO wherever opened
RandomBytes = Callable[[int], bytes]


def default_vault_dir() -> Path:
    return Path(user_data_dir("LiaisonDesk", appauthor=False))


def is_vault(path: Path) -> bool:
    return (path / KEY_FILE).exists()


@dataclass(frozen=True)
class VaultInfo:
    vault_id: str
    name: str
    role: str
    origin: str
    created_at: str
    schema_version: int
    demo: bool = False


def _null(value: None) -> None:
    return value


# sqlcipher3 binds str, int, float and bytes directly but sends None through its adapter
# protocol, which looks for __adapt__ and __conform__ and clears the AttributeErrors: about
# 1 us per None, and a new record leaves most of its fields empty (a 100k-op import bound
# 900k of them). An identity adapter is found by one dict lookup instead.
sqlcipher3.register_adapter(type(None), _null)


_HEX_DIGITS = b"0123456789abcdef"


def _set_key(conn: Any, data_key: bytes | bytearray) -> None:
    """Key the connection with the raw data key, spelled x'<hex>' as SQLCipher reads a raw key.

    The text is built digit by digit in a bytearray and wiped once SQLCipher has its own
    copy: `PRAGMA key = "x'…'"` would leave the key's hex in a str nothing can wipe (and
    in the connection's statement cache until it is closed).
    """
    text = bytearray(2 * len(data_key) + 3)
    text[:2], text[-1:] = b"x'", b"'"
    for i, byte in enumerate(data_key):
        text[2 + 2 * i] = _HEX_DIGITS[byte >> 4]
        text[3 + 2 * i] = _HEX_DIGITS[byte & 0x0F]
    try:
        conn.set_key(text)
    finally:
        wipe(text)


def open_database(db_path: Path, data_key: bytes | bytearray) -> Connection:
    """Open vault.db with the raw data key; refuse a file that is missing or not ours.

    On a disk that cannot be written (read-only, full), the vault is opened to
    read all the same, and its writes fail naming that cause (`core.vault_media`).
    """
    if not db_path.is_file():
        raise VaultDamaged(f"{db_path.name} is missing from {db_path.parent}.")
    try:
        return VaultConnection(_connect(str(db_path), data_key))
    except sqlcipher3.DatabaseError as exc:
        disk = primary_code(exc) in DISK_FAULTS
        why = media.why_unwritable(db_path.parent) if disk else None
        if why is None:
            raise _refusal(db_path, exc) from exc
    media.check_log_empty(db_path, why)
    try:
        conn = _connect(media.read_only_uri(db_path), data_key)
    except sqlcipher3.DatabaseError as exc:
        raise _refusal(db_path, exc) from exc
    log.info("vault opened read-only: its disk cannot be written")
    return VaultConnection(conn, read_only=media.nothing_saved(why))


def _refusal(db_path: Path, exc: sqlcipher3.DatabaseError) -> LiaisonError:
    """The disk's fault as its sentence (busy, I/O error); anything else: not ours, or damaged."""
    known = known_error(exc)
    if isinstance(known, StorageError):
        return known
    return VaultDamaged(
        f"{db_path.name} is damaged or does not belong to these keys; it was not changed."
    )


def _connect(target: str, data_key: bytes | bytearray) -> sqlcipher3.Connection:
    """vault.db (a path, or a `file:` URI) keyed and set up; closed again if that fails."""
    conn = sqlcipher3.connect(
        target, isolation_level=None, check_same_thread=False, uri=target.startswith("file:")
    )
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        _set_key(conn, data_key)
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.create_function(text_fold.SQL_NAME, 1, text_fold.sql_fold, deterministic=True)
        conn.create_function(name_shadow.SQL_NAME, 1, name_shadow.sql_shadow, deterministic=True)
        conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big imports spill less
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return conn


class Vault:
    """An unlocked vault. Everything that reads or writes records goes through `store`."""

    def __init__(
        self,
        path: Path,
        conn: Connection,
        keyfile: KeyFile,
        data_key: bytearray,
        clock: Clock,
        random_bytes: RandomBytes = os.urandom,
    ) -> None:
        self.path = path
        self._conn: Connection | None = conn
        self._keyfile = keyfile
        self._data_key = data_key  # the one copy, ours to wipe on lock
        self._clock = clock
        self._random = random_bytes
        self.info = self._read_info()
        self._store = Store(conn, self.info.origin, clock, random_bytes, self.info.role)

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        name: str,
        role: str = "station",
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
        random_bytes: RandomBytes = os.urandom,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> tuple[Vault, str]:
        """Create a vault; returns it unlocked with the recovery code, to be shown once."""
        clock = clock or SystemClock()
        kdf = kdf or KdfParams.default()
        if (problem := weakness(passphrase)) is not None:
            raise ValidationError(problem)
        if role not in ROLES:
            raise ValidationError(f"The role must be one of: {', '.join(ROLES)}.")
        if not name.strip():
            raise ValidationError("The vault needs a name (the station or HQ it belongs to).")
        if path.exists() and not path.is_dir():
            raise VaultExists(f"{path} is a file; choose an empty or new folder.")
        if path.exists() and any(path.iterdir()):
            if is_vault(path) or (path / DB_FILE).exists():
                raise VaultExists(f"{path} already holds a vault; it was left untouched.")
            raise VaultExists(f"{path} is not empty; choose an empty or new folder.")

        vault_id = uuid7(clock.now_ms(), random_bytes)
        data_key = bytearray(random_bytes(DATA_KEY_BYTES))
        recovery_code = new_recovery_code(random_bytes)
        keyfile = KeyFile(
            vault_id,
            (
                KeySlot.seal(
                    "passphrase",
                    normalize_passphrase(passphrase),
                    data_key,
                    vault_id,
                    kdf,
                    random_bytes,
                ),
                KeySlot.seal(
                    "recovery",
                    normalize_recovery_code(recovery_code),
                    data_key,
                    vault_id,
                    kdf,
                    random_bytes,
                ),
            ),
        )
        with staged_directory(path) as staging:
            conn = open_database_new(staging / DB_FILE, data_key)
            try:
                # The vault's identity goes in before the later migrations, which read it.
                migrate(conn, migrations[:1])
                meta = {
                    "vault_id": vault_id,
                    "name": name.strip(),
                    "role": role,
                    "origin": random_bytes(8).hex(),
                    "created_at": iso_from_ms(clock.now_ms()),
                }
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                audit.record(conn, clock, "vault-created", role=role)
                conn.execute("COMMIT")
                migrate(conn, migrations)
            finally:
                conn.close()
            write_keyfile(staging / KEY_FILE, keyfile)
        log.info("vault created")
        vault = cls.open_with_key(path, keyfile, data_key, clock, migrations)
        return vault, recovery_code

    @classmethod
    def unlock(
        cls,
        path: Path,
        passphrase: str,
        *,
        clock: Clock | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> Vault:
        """Open with the passphrase; a wrong one raises WrongPassphrase and is only counted.

        The vault itself is left untouched by a wrong passphrase; the attempt is
        counted beside it (`unlock_failures`) and audited at the next unlock.
        """
        clock = clock or SystemClock()
        keyfile = read_keyfile(path / KEY_FILE)
        try:
            data_key = keyfile.slot("passphrase").open(
                normalize_passphrase(passphrase), keyfile.vault_id
            )
        except WrongPassphrase:
            _failed_unlock(path, clock)
            raise
        vault = cls.open_with_key(path, keyfile, data_key, clock, migrations)
        vault._audit_failed_unlocks()
        vault._audit("unlock")
        return vault

    @classmethod
    def recover(
        cls,
        path: Path,
        recovery_code: str,
        new_passphrase: str,
        *,
        kdf: KdfParams | None = None,
        clock: Clock | None = None,
    ) -> Vault:
        """Set a new passphrase using the recovery code (which stays valid).

        A wrong code is counted as a failed unlock, as a wrong passphrase is.
        """
        if (problem := weakness(new_passphrase)) is not None:
            raise ValidationError(problem)
        clock = clock or SystemClock()
        keyfile = read_keyfile(path / KEY_FILE)
        slot = keyfile.slot("recovery")
        try:
            data_key = slot.open(normalize_recovery_code(recovery_code), keyfile.vault_id)
        except WrongPassphrase:
            _failed_unlock(path, clock)
            raise
        vault = cls.open_with_key(path, keyfile, data_key, clock)
        vault._reseal(new_passphrase, kdf or keyfile.slot("passphrase").kdf)
        vault._audit_failed_unlocks()
        vault._audit("recovered")
        return vault

    @classmethod
    def open_with_key(
        cls,
        path: Path,
        keyfile: KeyFile,
        data_key: bytearray,
        clock: Clock,
        migrations: Sequence[Migration] = MIGRATIONS,
    ) -> Vault:
        """Open once the data key is known (after a slot was unwrapped); migrates if needed.

        The vault takes `data_key` as its own and wipes it when it locks, or at once if
        it cannot open.
        """
        try:
            conn = open_database(path / DB_FILE, data_key)
        except BaseException:
            wipe(data_key)
            raise
        try:
            migrate(conn, migrations)
            schema_names.refresh(conn)
            vault = cls(path, conn, keyfile, data_key, clock)
        except BaseException:
            conn.close()
            wipe(data_key)
            raise
        if vault.info.vault_id != keyfile.vault_id:
            vault.lock()
            raise VaultDamaged("keys.json and vault.db belong to different vaults.")
        return vault

    # -- using --------------------------------------------------------------------------------

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise VaultLocked("The vault is locked.")
        return self._conn

    @property
    def store(self) -> Store:
        if self._conn is None:
            raise VaultLocked("The vault is locked.")
        return self._store

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def keyfile(self) -> KeyFile:
        return self._keyfile

    @property
    def locked(self) -> bool:
        return self._conn is None

    def change_passphrase(self, current: str, new: str, kdf: KdfParams | None = None) -> None:
        """Rewrap the data key under a new passphrase; the database is not rewritten."""
        if (problem := weakness(new)) is not None:
            raise ValidationError(problem)
        slot = self._keyfile.slot("passphrase")
        slot.open(normalize_passphrase(current), self._keyfile.vault_id)
        self._reseal(new, kdf or slot.kdf)
        self._audit("passphrase-changed")

    def _reseal(self, passphrase: str, kdf: KdfParams) -> None:
        slot = KeySlot.seal(
            "passphrase",
            normalize_passphrase(passphrase),
            self._data_key,
            self._keyfile.vault_id,
            kdf,
            self._random,
        )
        keyfile = self._keyfile.with_slot(slot)
        write_keyfile(self.path / KEY_FILE, keyfile)
        self._keyfile = keyfile

    def _audit(self, event: str, **detail: str | int) -> None:
        """Record an event; on a disk that cannot be written, keep it for the next write.

        What is audited has already happened (an unlock, an export), so reading a
        vault on a read-only or full disk goes on: the entry is written with the
        first transaction that commits, or lost if the vault is closed before one.
        """
        made = audit.entry(self._clock, event, **detail)
        try:
            with self.store.transaction():
                audit.write(self.conn, made)
        except StorageError:
            self.store.audit_later(made)

    def _audit_failed_unlocks(self) -> None:
        """Move the failed attempts counted while the vault was shut into its audit log."""
        failed = pending_failures(self.path)
        if failed is None:
            return
        self._audit("unlock-failed", attempts=failed.count, first=failed.first, last=failed.last)
        clear_failures(self.path)

    def audit(self, event: str, **detail: str | int) -> None:
        """Record an import, export or backup in the local audit log."""
        self._audit(event, **detail)

    def change_keys(
        self, change: Callable[[KeyFile, bytearray], KeyFile], event: str, **detail: str | int
    ) -> None:
        """Write keys.json anew from `change(current, data key)` and audit `event`.

        For the key slots other modules own (HQ's slot, travel mode: `core.hq_slot`,
        `sync.recovery`); the data key stays here, lent for the call only.
        """
        if self.locked:
            raise VaultLocked("The vault is locked.")
        keyfile = change(self._keyfile, self._data_key)
        write_keyfile(self.path / KEY_FILE, keyfile)
        self._keyfile = keyfile
        self._audit(event, **detail)

    def wipe(self) -> int:
        """Overwrite and remove the whole vault (`core.wipe`), locking it; returns files wiped.

        Its files are overwritten while the database is still open: closed first,
        SQLite would delete the write-ahead log with its pages unwiped. Closing then
        finds a log it cannot read (its header is random) and writes nothing back
        that the old key opens; the second pass overwrites and removes what is left.
        """
        files = len([p for p in self.path.rglob("*") if p.is_file()])
        overwrite_folder(self.path)
        self.lock()
        wipe_folder(self.path)
        return files

    def lock(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        wipe(self._data_key)
        log.info("vault locked")

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock()

    def _read_info(self) -> VaultInfo:
        meta: dict[str, Any] = dict(self.conn.execute("SELECT key, value FROM meta").fetchall())
        try:
            return VaultInfo(
                vault_id=meta["vault_id"],
                name=meta["name"],
                role=meta["role"],
                origin=meta["origin"],
                created_at=meta["created_at"],
                schema_version=schema_version(self.conn),
                demo=bool(meta.get(DEMO_MARK)),
            )
        except KeyError as exc:
            raise VaultDamaged("vault.db is missing its identity; it may be damaged.") from exc

    def start_incarnation(self, carry_after: int | None = None) -> str:
        """Write under a fresh origin from now on; see `new_incarnation`. Joins a transaction.

        With `carry_after`, the old origin's ops after that sequence number move to
        the new origin (same content, new numbers): a vault found to be an old copy
        re-sends its recent work under numbers no peer has seen.
        """
        with self.store.transaction():
            old = self.info.origin
            origin = new_incarnation(self.conn, self._clock, self._random)
            self.store.set_origin(origin)
            if carry_after is not None:
                self.store.carry_ops(old, carry_after)
        self.info = self._read_info()
        log.info("new incarnation started")
        return origin

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
        self.info = self._read_info()


def _failed_unlock(path: Path, clock: Clock) -> None:
    """Count a wrong passphrase or recovery code; at the officer's limit, wipe the vault."""
    count = note_failure(path, clock)
    limit = load_policy(path).after_failures
    if limit and count >= limit:
        wipe_folder(path)
        raise VaultWiped(
            f"{count} failed unlocks in a row: the vault was wiped, as its officer had set."
        )


def new_incarnation(conn: Connection, clock: Clock, random_bytes: RandomBytes = os.urandom) -> str:
    """Give the vault a new origin, so it never reuses a sequence number already sent.

    A restored (or rolled-back) vault's oplog ends where the copy was made; peers
    may hold later operations under the old origin. The old origin stays listed
    in `incarnations`: its operations are still this vault's own.
    """
    origin = random_bytes(8).hex()
    conn.execute("UPDATE meta SET value = ? WHERE key = 'origin'", (origin,))
    conn.execute("INSERT INTO incarnations VALUES (?, ?)", (origin, iso_from_ms(clock.now_ms())))
    return origin


def open_database_new(db_path: Path, data_key: bytearray) -> Connection:
    """Create an empty encrypted database (open_database refuses a missing file)."""
    db_path.touch(mode=0o600, exist_ok=False)
    return open_database(db_path, data_key)
