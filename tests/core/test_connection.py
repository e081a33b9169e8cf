"""Every statement's SQLite failure is sorted by blame: the environment's faults become a
sentence (at execute or at fetch), our bugs propagate unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlcipher3

from liaison_desk.core.errors import LiaisonError, StorageError, VaultDamaged
from liaison_desk.core.records import Contact, Organization
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE
from tests.damaged_vault import SENTENCE, make_damaged_vault


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("damaged") / "vault"
    make_damaged_vault(folder)
    return folder


def test_a_damaged_vault_opens_and_its_damaged_pages_read_as_a_sentence(damaged: Path) -> None:
    with Vault.unlock(damaged, PASSPHRASE) as vault:
        assert [o.name for o in vault.store.list(Organization)] == ["Ministry of Defence"]
        with pytest.raises(VaultDamaged) as listing:
            vault.store.list(Contact)
        with pytest.raises(VaultDamaged) as counting:
            vault.store.count(Contact)
        with pytest.raises(VaultDamaged) as searching:
            vault.conn.execute(
                "SELECT snippet(search, -1, '[', ']', '…', 8) FROM search "
                "WHERE search MATCH 'reception' ORDER BY rank"
            ).fetchall()
        for caught in (listing, counting, searching):
            assert caught.value.message == SENTENCE
            assert isinstance(caught.value.__cause__, sqlcipher3.DatabaseError)


def test_a_damaged_page_met_while_fetching_is_a_sentence_too(damaged: Path) -> None:
    rows = []
    with Vault.unlock(damaged, PASSPHRASE) as vault:
        cursor = vault.conn.execute("SELECT full_name FROM contacts ORDER BY n")
        with pytest.raises(VaultDamaged, match="restore it from a backup"):
            rows.extend(cursor)  # the first pages are whole: the damage is met mid-way
    assert len(rows) > 100


def test_our_own_mistakes_are_not_dressed_as_the_environment_s(vault: Vault) -> None:
    with pytest.raises(sqlcipher3.OperationalError, match="no such table"):
        vault.conn.execute("SELECT * FROM no_such_table")
    contact = vault.store.add(Contact(full_name="Anna"))
    with pytest.raises(sqlcipher3.IntegrityError):
        vault.conn.execute("UPDATE contacts SET full_name = NULL WHERE id = ?", (contact.id,))
    with pytest.raises(sqlcipher3.ProgrammingError):
        vault.conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", [("only-one",)])


def test_a_read_only_vault_refuses_a_write_with_a_sentence(vault: Vault) -> None:
    vault.conn.execute("PRAGMA query_only = ON")  # the effect of read-only media, in one pragma
    try:
        with pytest.raises(LiaisonError) as caught:
            vault.store.add(Contact(full_name="Nobody"))
    finally:
        vault.conn.execute("PRAGMA query_only = OFF")
    assert isinstance(caught.value, StorageError)
    assert caught.value.message == "The vault's folder is read-only; nothing was saved."
    assert vault.store.count(Contact) == 0
