"""A vault on a read-only or full disk: read as usual, writes refused naming the disk's state.

Each test puts a real vault on a small tmpfs, mounted read-only or filled to
its last byte. Reading used to fail with "vault.db is damaged or does not
belong to these keys": the unlock's audit entry could not be written, and
before that SQLite could not make the -shm file WAL mode reads through.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import StorageError
from liaison_desk.core.records import Contact
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.search import search
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.hostile_files import fill, mounted, remount_read_only

READ_ONLY = "The disk holding the vault is read-only; nothing was saved."
FULL = "The disk holding the vault is full; nothing was saved. Free some space and try again."


def _names(vault: Vault) -> list[str]:
    return [c.full_name for c in vault.store.list(Contact, ListQuery(order_by="full_name"))]


def _unlocks(vault: Vault) -> int:
    return sum(e.event == "unlock" for e in audit.entries(vault.conn))


def test_a_vault_on_a_read_only_disk_is_read_and_refuses_writes(
    vault: Vault, vault_dir: Path, tmp_path: Path
) -> None:
    vault.store.add(Contact(full_name="Hélène Girard"))
    vault.lock()
    with mounted(tmp_path / "usb", "size=4m") as usb:
        shutil.copytree(vault_dir, usb / "vault")
        remount_read_only(usb)
        with Vault.unlock(usb / "vault", PASSPHRASE) as opened:
            assert _names(opened) == ["Hélène Girard"]
            assert [hit.title for hit in search(opened.store, "Girard")] == ["Hélène Girard"]
            with pytest.raises(StorageError) as refused:
                opened.store.add(Contact(full_name="Col. Dubois"))
            assert refused.value.message == READ_ONLY


def test_a_vault_from_an_earlier_version_on_a_read_only_disk_says_it_needs_one_writable_open(
    vault_dir: Path, tmp_path: Path
) -> None:
    """Its upgrade is a write: the sentence says so, not "nothing was saved" alone."""
    Vault.create(vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=MIGRATIONS[:-1])[
        0
    ].lock()
    with mounted(tmp_path / "usb", "size=4m") as usb:
        shutil.copytree(vault_dir, usb / "vault")
        remount_read_only(usb)
        with pytest.raises(StorageError) as refused:
            Vault.unlock(usb / "vault", PASSPHRASE)
    assert refused.value.message == (
        "This vault was written by an earlier version of Liaison Desk and is upgraded the first "
        f"time this version opens it, which cannot be done here: {READ_ONLY} Open it once from "
        "a disk that can be written to."
    )


def test_a_vault_on_a_full_disk_is_read_and_refuses_writes(
    vault: Vault, vault_dir: Path, tmp_path: Path
) -> None:
    vault.store.add(Contact(full_name="Hélène Girard"))
    vault.lock()
    with mounted(tmp_path / "disk", "size=2m") as disk:
        shutil.copytree(vault_dir, disk / "vault")
        fill(disk)
        with Vault.unlock(disk / "vault", PASSPHRASE) as opened:
            assert _names(opened) == ["Hélène Girard"]
            with pytest.raises(StorageError) as refused:
                opened.store.add(Contact(full_name="Col. Dubois"))
            assert refused.value.message == FULL


def test_the_unlock_refused_by_a_full_disk_is_audited_with_the_next_write(
    vault_dir: Path, tmp_path: Path
) -> None:
    """Another window holds the vault open (its -shm stays); the disk fills; this one reads."""
    clock = StepClock()
    with mounted(tmp_path / "disk", "size=2m") as disk:
        home = disk / "vault"
        Vault.create(home, PASSPHRASE, name="Paris", kdf=FAST_KDF, clock=clock)[0].lock()
        with Vault.unlock(home, PASSPHRASE, clock=clock) as window:
            window.store.add(Contact(full_name="Hélène Girard"))
            window.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next write needs space
            fill(disk)
            with Vault.unlock(home, PASSPHRASE, clock=clock) as cli:
                unlocked_at = clock.ms
                assert _names(cli) == ["Hélène Girard"]
                assert _unlocks(window) == 1  # the second is not written yet
                with pytest.raises(StorageError) as refused:
                    cli.store.add(Contact(full_name="Col. Dubois"))
                assert refused.value.message.startswith("The disk is full")
                assert _unlocks(window) == 1
                (disk / "filler").unlink()
                cli.store.add(Contact(full_name="Col. Dubois"))
                assert _unlocks(window) == 2
                kept = audit.entries(cli.conn, limit=1)[0]
    assert kept.event == "unlock"
    assert kept.at <= iso_from_ms(unlocked_at)  # stamped when it happened, not when written


def test_a_read_only_disk_holding_unmerged_changes_says_so(
    vault: Vault, vault_dir: Path, tmp_path: Path
) -> None:
    """A copy taken while the vault was open: its last change is only in vault.db-wal."""
    vault.store.add(Contact(full_name="Hélène Girard"))
    with mounted(tmp_path / "usb", "size=4m") as usb:
        for name in ("keys.json", "vault.db", "vault.db-wal"):
            (usb / "copy").mkdir(exist_ok=True)
            shutil.copy(vault_dir / name, usb / "copy" / name)
        shutil.copytree(usb / "copy", usb / "with-index")
        shutil.copy(vault_dir / "vault.db-shm", usb / "with-index" / "vault.db-shm")
        vault.lock()
        remount_read_only(usb)
        with pytest.raises(StorageError) as refused:
            Vault.unlock(usb / "copy", PASSPHRASE)
        assert refused.value.message.startswith(
            "The disk holding the vault is read-only, and the last changes made are still in "
            "vault.db-wal"
        )
        with Vault.unlock(usb / "with-index", PASSPHRASE) as opened:  # SQLite reads it as is
            assert _names(opened) == ["Hélène Girard"]
