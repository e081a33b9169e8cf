"""Schema versions: an older vault is upgraded in one transaction; a newer one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.drafts import drafts, save_draft
from liaison_desk.core.errors import MigrationFailed, SchemaTooNew
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.keyslots import normalize_passphrase, read_keyfile
from liaison_desk.core.records import Contact
from liaison_desk.core.schema import MIGRATIONS, Migration, run_script, schema_version
from liaison_desk.core.vault import DB_FILE, KEY_FILE, Vault, open_database
from tests.conftest import FAST_KDF, PASSPHRASE


def _grow(conn: object) -> None:
    run_script(
        conn,
        """
        ALTER TABLE contacts ADD COLUMN nickname TEXT;
        UPDATE contacts SET nickname = 'Nick ' || full_name;
        CREATE TABLE briefings (id TEXT PRIMARY KEY, body TEXT NOT NULL);
        """,
    )


_OLD_ID = "019b7a00-0000-7000-8000-000000000001"
GROWN = (*MIGRATIONS, Migration("nicknames and briefings", _grow))


def _version_of(vault_dir: Path) -> int:
    keyfile = read_keyfile(vault_dir / KEY_FILE)
    key = keyfile.slot("passphrase").open(normalize_passphrase(PASSPHRASE), keyfile.vault_id)
    conn = open_database(vault_dir / DB_FILE, key)
    try:
        return schema_version(conn)
    finally:
        conn.close()


def test_version_one_vault_migrates_to_today(vault_dir: Path) -> None:
    old, _ = Vault.create(
        vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=MIGRATIONS[:1]
    )
    assert old.info.schema_version == 1
    # A row as version 1 wrote it (today's store writes columns version 1 did not have).
    old.conn.execute(
        "INSERT INTO contacts (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "full_name, notes) VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
        "?, ?, ?, 'UNCLASSIFIED', 'Hélène Girard', 'written by version 1')",
        (_OLD_ID, str(Stamp(1767225600000, 0, old.info.origin)), old.info.origin, "{}"),
    )
    origin = old.info.origin
    old.lock()
    assert _version_of(vault_dir) == 1

    with Vault.unlock(vault_dir, PASSPHRASE) as today:
        assert today.info.schema_version == len(MIGRATIONS) > 1
        contact = today.store.get(Contact, _OLD_ID)
        assert (contact.notes, contact.distribution) == ("written by version 1", "hq")
        save_draft(today, "contact", _OLD_ID, {"rank": "Colonel"})
        assert [d.record_id for d in drafts(today)] == [_OLD_ID]
        # Version 3 gave the vault its identity keys and registered its origin.
        (fingerprint,) = today.conn.execute("SELECT fingerprint FROM identity").fetchone()
        assert len(fingerprint) == 96
        assert today.conn.execute("SELECT origin FROM incarnations").fetchall() == [(origin,)]


def test_vault_migrates_when_schema_grows(vault: Vault, vault_dir: Path) -> None:
    added = vault.store.add(Contact(full_name="Hélène Girard", notes="before upgrade"))
    vault.lock()

    with Vault.unlock(vault_dir, PASSPHRASE, migrations=GROWN) as upgraded:
        assert upgraded.info.schema_version == len(GROWN)
        row = upgraded.conn.execute("SELECT nickname FROM contacts WHERE id = ?", (added.id,))
        assert row.fetchone()[0] == "Nick Hélène Girard"
        assert upgraded.store.get(Contact, added.id).notes == "before upgrade"
        upgraded.conn.execute("INSERT INTO briefings VALUES ('d1', 'x')")
    assert _version_of(vault_dir) == len(GROWN)


def test_failed_migration_leaves_vault_unchanged(vault: Vault, vault_dir: Path) -> None:
    vault.store.add(Contact(full_name="Still Here"))
    vault.lock()

    def broken(conn: object) -> None:
        _grow(conn)
        raise RuntimeError("disk hiccup halfway")

    with pytest.raises(MigrationFailed, match="left unchanged"):
        Vault.unlock(vault_dir, PASSPHRASE, migrations=(*MIGRATIONS, Migration("broken", broken)))
    assert _version_of(vault_dir) == len(MIGRATIONS)
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        columns = [r[1] for r in again.conn.execute("PRAGMA table_info(contacts)")]
        assert "nickname" not in columns
        assert [c.full_name for c in again.store.list(Contact)] == ["Still Here"]


def test_newer_vault_is_refused(vault: Vault, vault_dir: Path) -> None:
    vault.lock()
    Vault.unlock(vault_dir, PASSPHRASE, migrations=GROWN).lock()
    before = {p.name: p.read_bytes() for p in vault_dir.iterdir()}
    with pytest.raises(SchemaTooNew, match="newer version"):
        Vault.unlock(vault_dir, PASSPHRASE)
    assert {p.name: p.read_bytes() for p in vault_dir.iterdir()} == before  # left for the newer
