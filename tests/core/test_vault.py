"""The vault as an officer meets it: create, unlock, lock, change keys, never leak."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from liaison_desk.core.backup import create_backup
from liaison_desk.core.errors import (
    KeySlotsDamaged,
    ValidationError,
    VaultDamaged,
    VaultExists,
    VaultLocked,
    VaultNotFound,
    WrongPassphrase,
)
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact, Meeting
from liaison_desk.core.unlock_failures import FAILURES_FILE
from liaison_desk.core.vault import DB_FILE, KEY_FILE, Vault
from tests.conftest import FAST_KDF, PASSPHRASE

MARKER = "ZEBRA-MARKER-7731"


def snapshot(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_no_plaintext_reaches_any_file(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    for i in range(50):
        vault.store.add(Contact(full_name=f"{MARKER} {i}", notes=f"notes {MARKER} " * 20))
    vault.store.add(Meeting(title=MARKER, starts_at="2026-03-14T10:30Z", notes=MARKER * 100))
    backup = tmp_path / "b.ldbackup"
    create_backup(vault, backup)
    files = [p for p in vault_dir.iterdir() if p.is_file()] + [backup]
    assert {p.name for p in files} >= {DB_FILE, KEY_FILE, f"{DB_FILE}-wal", "b.ldbackup"}
    for path in files:
        data = path.read_bytes()
        assert MARKER.encode() not in data, path.name
        assert b"SQLite format 3" not in data, path.name
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p not in files]


def test_unlock_with_right_passphrase_sees_records(vault: Vault, vault_dir: Path) -> None:
    added = vault.store.add(Contact(full_name="Hélène Girard"))
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        assert again.store.get(Contact, added.id).full_name == "Hélène Girard"
        assert again.info.name == "Paris"
        assert again.info.role == "station"


def test_wrong_passphrase_leaves_vault_byte_identical(vault: Vault, vault_dir: Path) -> None:
    vault.store.add(Contact(full_name="Someone"))
    vault.lock()
    before = snapshot(vault_dir)
    with pytest.raises(WrongPassphrase, match="passphrase is wrong"):
        Vault.unlock(vault_dir, "not the passphrase at all")
    after = snapshot(vault_dir)
    # Only the count of failed attempts is new (see tests/core/test_unlock_failures.py).
    assert after.pop(FAILURES_FILE)
    assert after == before


def test_locked_vault_refuses_use(vault: Vault) -> None:
    vault.lock()
    assert vault.locked
    with pytest.raises(VaultLocked):
        vault.store.list(Contact)


def test_corrupted_keys_json_is_refused_and_not_overwritten(vault: Vault, vault_dir: Path) -> None:
    vault.lock()
    keys = vault_dir / KEY_FILE
    keys.write_bytes(keys.read_bytes()[:100])
    before = snapshot(vault_dir)
    with pytest.raises(KeySlotsDamaged, match="damaged"):
        Vault.unlock(vault_dir, PASSPHRASE)
    assert snapshot(vault_dir) == before


def test_missing_vault_and_existing_vault(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound):
        Vault.unlock(tmp_path / "nowhere", PASSPHRASE)
    before = snapshot(vault_dir)
    with pytest.raises(VaultExists):
        Vault.create(vault_dir, PASSPHRASE, name="Again", kdf=FAST_KDF)
    assert snapshot(vault_dir) == before


def test_foreign_database_is_refused(vault: Vault, vault_dir: Path, tmp_path: Path) -> None:
    vault.lock()
    other, _ = Vault.create(tmp_path / "other", PASSPHRASE, name="Other", kdf=FAST_KDF)
    other.lock()
    (vault_dir / DB_FILE).write_bytes((tmp_path / "other" / DB_FILE).read_bytes())
    (vault_dir / f"{DB_FILE}-wal").unlink(missing_ok=True)
    with pytest.raises(VaultDamaged):
        Vault.unlock(vault_dir, PASSPHRASE)


def test_weak_passphrase_refused_at_creation(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="at least 12"):
        Vault.create(tmp_path / "v", "short", name="X", kdf=FAST_KDF)
    assert not (tmp_path / "v").exists()


def test_passphrase_change(created: tuple[Vault, str], vault_dir: Path) -> None:
    vault, code = created
    added = vault.store.add(Contact(full_name="Kept Intact"))
    db_before = (vault_dir / DB_FILE).read_bytes()
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("wrong current passphrase", "a brand new passphrase")
    vault.change_passphrase(PASSPHRASE, "a brand new passphrase")
    vault.lock()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, PASSPHRASE)
    with Vault.unlock(vault_dir, "a brand new passphrase") as again:
        assert again.store.get(Contact, added.id).full_name == "Kept Intact"
    with Vault.recover(vault_dir, code, "third passphrase here") as recovered:
        assert recovered.store.get(Contact, added.id).full_name == "Kept Intact"
    # The change rewrapped the key; the database pages were never re-encrypted.
    assert (vault_dir / DB_FILE).read_bytes()[:4096] == db_before[:4096]


def test_recovery_code_forgives_case_and_dashes(
    created: tuple[Vault, str], vault_dir: Path
) -> None:
    vault, code = created
    vault.lock()
    sloppy = code.replace("-", " ").lower()
    Vault.recover(vault_dir, sloppy, "new passphrase after loss").lock()
    with Vault.unlock(vault_dir, "new passphrase after loss") as again:
        assert again.info.name == "Paris"
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, PASSPHRASE)  # the forgotten one opens nothing any more
    with pytest.raises(WrongPassphrase, match="recovery code"):
        Vault.recover(vault_dir, "0000-0000-0000-0000-0000-0000-0000-0000", "whatever passphrase x")


def test_lowered_kdf_parameters_no_longer_unwrap(vault: Vault, vault_dir: Path) -> None:
    vault.change_passphrase(PASSPHRASE, PASSPHRASE, KdfParams(128 * 1024, 1, 4))
    vault.lock()
    keys = vault_dir / KEY_FILE
    raw = json.loads(keys.read_text())
    slot = next(s for s in raw["slots"] if s["kind"] == "passphrase")
    slot["kdf"]["memory_kib"] = 64 * 1024  # still above the floor, but not what was sealed
    keys.write_text(json.dumps(raw))
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, PASSPHRASE)
    slot["kdf"]["memory_kib"] = 8 * 1024  # below the floor: refused before any work
    keys.write_text(json.dumps(raw))
    with pytest.raises(KeySlotsDamaged, match="64 MiB"):
        Vault.unlock(vault_dir, PASSPHRASE)


def test_slots_below_floor_refused_at_creation(tmp_path: Path) -> None:
    weak = KdfParams(memory_kib=32 * 1024, iterations=1, lanes=4)
    with pytest.raises(KeySlotsDamaged, match="64 MiB"):
        Vault.create(tmp_path / "v", PASSPHRASE, name="X", kdf=weak)
    assert not (tmp_path / "v").exists()


def test_vault_files_are_private(vault: Vault, vault_dir: Path) -> None:
    assert vault_dir.stat().st_mode & 0o077 == 0
    for name in (DB_FILE, KEY_FILE):
        assert (vault_dir / name).stat().st_mode & 0o077 == 0, name


def test_audit_log_records_keys_and_unlocks(created: tuple[Vault, str], vault_dir: Path) -> None:
    from liaison_desk.core import audit

    vault, code = created
    vault.change_passphrase(PASSPHRASE, "another good passphrase")
    vault.lock()
    Vault.recover(vault_dir, code, "yet another passphrase").lock()
    with Vault.unlock(vault_dir, "yet another passphrase") as again:
        events = [e.event for e in audit.entries(again.conn)]
    assert events == ["unlock", "recovered", "passphrase-changed", "vault-created"]
