"""Backup to one encrypted file, restore into a new folder, refuse anything damaged."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.backup import create_backup, restore_backup
from liaison_desk.core.errors import BackupError, VaultExists, WrongPassphrase
from liaison_desk.core.records import Attachment, Contact, Meeting, Participant
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE


@pytest.fixture
def backup_file(vault: Vault, tmp_path: Path) -> Path:
    s = vault.store
    c = s.add(Contact(full_name="Hélène Girard", notes="n" * 5000, marking="SECRET"))
    m = s.add(Meeting(title="Talks", starts_at="2026-03-14T10:00Z"))
    s.add(Participant(meeting_id=m.id, contact_id=c.id))
    s.add(Attachment(owner_id=c.id, name="card.png", mime="image/png", data=bytes(range(256))))
    path = tmp_path / "usb" / "paris.ldbackup"
    path.parent.mkdir()
    create_backup(vault, path)
    return path


def everything(vault: Vault) -> list[object]:
    q = ListQuery(limit=10_000)
    return [vault.store.list(k, q) for k in (Contact, Meeting, Participant, Attachment)]


def test_restore_gives_identical_records(vault: Vault, backup_file: Path, tmp_path: Path) -> None:
    restored = restore_backup(backup_file, tmp_path / "restored", PASSPHRASE)
    assert everything(restored) == everything(vault)
    assert restored.info.vault_id == vault.info.vault_id
    assert "backup-created" in [e.event for e in audit.entries(vault.conn)]
    assert audit.entries(restored.conn)[0].event == "restored"
    restored.lock()


def test_restore_starts_a_new_origin(vault: Vault, backup_file: Path, tmp_path: Path) -> None:
    restored = restore_backup(backup_file, tmp_path / "restored", PASSPHRASE)
    assert restored.info.origin != vault.info.origin
    restored.store.add(Contact(full_name="After restore"))
    row = restored.conn.execute(
        "SELECT origin, seq FROM oplog WHERE origin = ?", (restored.info.origin,)
    ).fetchone()
    assert row == (restored.info.origin, 1)
    restored.lock()


def test_restore_with_recovery_code(created: tuple[Vault, str], tmp_path: Path) -> None:
    vault, code = created
    vault.store.add(Contact(full_name="Hélène Girard", marking="SECRET"))
    path = tmp_path / "b.ldbackup"
    create_backup(vault, path)

    restored = restore_backup(path, tmp_path / "r", code.replace("-", " ").lower(), recovery=True)

    assert everything(restored) == everything(vault)
    assert restored.info.name == "Paris"
    restored.lock()
    with Vault.unlock(tmp_path / "r", PASSPHRASE) as again:  # its passphrase goes with it
        assert [c.full_name for c in again.store.list(Contact)] == ["Hélène Girard"]


def test_wrong_passphrase_restores_nothing(backup_file: Path, tmp_path: Path) -> None:
    with pytest.raises(WrongPassphrase):
        restore_backup(backup_file, tmp_path / "restored", "not the passphrase")
    assert not (tmp_path / "restored").exists()
    assert {p.name for p in tmp_path.iterdir()} == {"vault", "usb"}


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_damaged_backup_is_refused(backup_file: Path, tmp_path: Path, where: str) -> None:
    data = bytearray(backup_file.read_bytes())
    index = {"start": 3, "middle": len(data) // 2, "end": len(data) - 1}[where]
    data[index] ^= 0x01
    backup_file.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        restore_backup(backup_file, tmp_path / "restored", PASSPHRASE)
    assert not (tmp_path / "restored").exists()


def test_truncated_and_foreign_files_are_refused(backup_file: Path, tmp_path: Path) -> None:
    backup_file.write_bytes(backup_file.read_bytes()[:-1000])
    with pytest.raises(BackupError, match=r"damaged|truncated"):
        restore_backup(backup_file, tmp_path / "r", PASSPHRASE)
    foreign = tmp_path / "photo.jpg"
    foreign.write_bytes(b"\xff\xd8\xff" + b"x" * 1000)
    with pytest.raises(BackupError, match="not a Liaison Desk backup"):
        restore_backup(foreign, tmp_path / "r", PASSPHRASE)
    assert not (tmp_path / "r").exists()


def test_never_restores_over_a_vault(vault: Vault, backup_file: Path, vault_dir: Path) -> None:
    vault.store.add(Contact(full_name="Written after the backup"))
    names = [c.full_name for c in vault.store.list(Contact)]
    with pytest.raises(VaultExists, match="not empty; restore into a new folder"):
        restore_backup(backup_file, vault_dir, PASSPHRASE)
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        assert [c.full_name for c in again.store.list(Contact)] == names
