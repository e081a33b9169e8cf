"""Wiping a vault: afterwards its folder opens with nothing, and no page opens with the old key.

The files are held open across the wipe, as a forensic reader of the disk would
find their blocks: the wipe overwrites in place, so what the held descriptors read
is what the disk now holds where the vault was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError, VaultNotFound, VaultWiped, WrongPassphrase
from liaison_desk.core.keyslots import read_keyfile
from liaison_desk.core.records import Contact
from liaison_desk.core.unlock_failures import pending_failures
from liaison_desk.core.vault import Vault
from liaison_desk.core.wipe import wipe_folder
from liaison_desk.core.wipe_policy import WipePolicy, load_policy, set_policy
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.sqlcipher_pages import pages_opened


def _fill(vault: Vault) -> None:
    """Some records, so the database and its log hold many pages."""
    for i in range(40):
        vault.store.add(Contact(full_name=f"Colonel Number {i}", notes="x" * 2000))


def _held(folder: Path) -> dict[str, int]:
    """A descriptor on every file of the vault, kept open across the wipe."""
    return {
        str(p.relative_to(folder)): os.open(p, os.O_RDONLY)
        for p in folder.rglob("*")
        if p.is_file()
    }


def _read(fd: int) -> bytes:
    return os.pread(fd, os.fstat(fd).st_size, 0)


def test_a_wiped_vault_opens_with_nothing_and_no_page_opens_with_the_old_key(
    created: tuple[Vault, str], vault_dir: Path
) -> None:
    vault, code = created
    _fill(vault)
    data_key = bytes(vault._data_key)
    spool = vault_dir / "spool" / "out"
    spool.mkdir(parents=True)
    (spool / "bundle.ldbundle").write_bytes(os.urandom(5000))
    database = (vault_dir / "vault.db").read_bytes()
    salt = database[:16]
    highest = len(database) // 4096 + 64
    held = _held(vault_dir)
    try:
        assert {"keys.json", "vault.db", "vault.db-wal", "spool/out/bundle.ldbundle"} <= set(held)
        before = {name: _read(fd) for name, fd in held.items()}
        # The check reads the live vault: every database page, and the log's frames, open.
        assert pages_opened(before["vault.db"], data_key, salt, highest) == len(database) // 4096
        assert pages_opened(before["vault.db-wal"], data_key, salt, highest) > 0
        slots = read_keyfile(vault_dir / "keys.json").slots

        wiped = vault.wipe()

        assert vault.locked
        assert wiped == len(held)
        assert list(vault_dir.iterdir()) == []
        after = {name: _read(fd) for name, fd in held.items()}
    finally:
        for fd in held.values():
            os.close(fd)
    for name, data in after.items():
        assert len(data) == len(before[name])
        assert data != before[name], name
        assert pages_opened(data, data_key, salt, highest) == 0, name
    for slot in slots:  # no wrapped copy of the data key is left in keys.json's blocks
        assert slot.wrapped not in after["keys.json"]
    with pytest.raises(VaultNotFound):
        Vault.unlock(vault_dir, PASSPHRASE)
    with pytest.raises(VaultNotFound):
        Vault.recover(vault_dir, code, "a brand new passphrase for the field")


def test_wiping_goes_past_a_link_without_following_it(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"not the vault's")
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / "keys.json").write_bytes(b"{}")
    (folder / "link").symlink_to(outside)

    assert wipe_folder(folder) == 2

    assert list(folder.iterdir()) == []
    assert outside.read_bytes() == b"not the vault's"


# -- wipe after failed unlocks ----------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != "unlock-failures.json"
    }


@pytest.mark.parametrize("limit", [5, 10])
def test_n_minus_one_failures_leave_the_vault_n_wipe_it(
    vault: Vault, vault_dir: Path, limit: int
) -> None:
    set_policy(vault, WipePolicy(after_failures=limit))
    vault.lock()
    kept = _files(vault_dir)
    clock = StepClock()

    for _ in range(limit - 1):  # each attempt reads the count from disk: as after a restart
        with pytest.raises(WrongPassphrase):
            Vault.unlock(vault_dir, "a wrong guess at the keyboard", clock=clock)
    assert _files(vault_dir) == kept
    failures = pending_failures(vault_dir)
    assert failures is not None and failures.count == limit - 1

    with pytest.raises(VaultWiped, match=f"{limit} failed unlocks"):
        Vault.unlock(vault_dir, "a wrong guess at the keyboard", clock=clock)
    assert list(vault_dir.iterdir()) == []


def test_a_good_unlock_resets_the_count(vault: Vault, vault_dir: Path) -> None:
    set_policy(vault, WipePolicy(after_failures=5))
    vault.lock()
    clock = StepClock()
    for _round in range(3):
        for _ in range(4):
            with pytest.raises(WrongPassphrase):
                Vault.unlock(vault_dir, "a wrong guess at the keyboard", clock=clock)
        Vault.unlock(vault_dir, PASSPHRASE, clock=clock).lock()
        assert pending_failures(vault_dir) is None
    assert load_policy(vault_dir).after_failures == 5


def test_a_wrong_recovery_code_counts_as_a_failed_unlock(vault: Vault, vault_dir: Path) -> None:
    set_policy(vault, WipePolicy(after_failures=5))
    vault.lock()
    for _ in range(4):
        with pytest.raises(WrongPassphrase):
            Vault.unlock(vault_dir, "a wrong guess at the keyboard")
    with pytest.raises(VaultWiped):
        Vault.recover(vault_dir, "0000-0000-0000-0000-0000-0000-0000-0000", "new passphrase x")
    assert not (vault_dir / "keys.json").exists()


def test_off_by_default_and_the_count_alone_wipes_nothing(vault_dir: Path) -> None:
    vault, _code = Vault.create(vault_dir, PASSPHRASE, name="Rome", kdf=FAST_KDF)
    vault.lock()
    assert load_policy(vault_dir) == WipePolicy(panic_wipe=False, after_failures=0)
    for _ in range(21):
        with pytest.raises(WrongPassphrase):
            Vault.unlock(vault_dir, "a wrong guess at the keyboard")
    Vault.unlock(vault_dir, PASSPHRASE).lock()


def test_only_5_10_20_or_never() -> None:
    with pytest.raises(ValidationError):
        WipePolicy(after_failures=3)
