"""Schema versions: an older vault is upgraded in one transaction; a newer one is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.drafts import drafts, save_draft
from liaison_desk.core.errors import MigrationFailed, SchemaTooNew
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.keyslots import normalize_passphrase, read_keyfile
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import Contact, FollowUp
from liaison_desk.core.schema import MIGRATIONS, Migration, run_script, schema_version
from liaison_desk.core.vault import DB_FILE, KEY_FILE, Vault, open_database
from liaison_desk.sync.ops import Op
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.core.old_vaults import write_v5_contact


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


BEFORE_CONTACT_IDS = MIGRATIONS[:4]  # the last version where a follow-up had one contact_id


def write_v4_followup(vault: Vault, contact_id: str) -> str:
    """A follow-up as version 4 wrote it: made with no contact, then given `contact_id`.

    Row, clocks and both ops are written as that version's store did, so the
    upgrade meets exactly what an officer's vault holds.
    """
    origin, conn = vault.info.origin, vault.conn
    made_ms, named_ms = vault.clock.now_ms(), vault.clock.now_ms()
    made, named = (str(Stamp(ms, 0, origin)) for ms in (made_ms, named_ms))
    record_id = "019b7a00-0000-7000-8000-0000000000f1"
    (seq,) = conn.execute(
        "SELECT coalesce(max(seq), 0) FROM oplog WHERE origin = ?", (origin,)
    ).fetchone()
    (marking,) = conn.execute("SELECT marking FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    conn.execute(
        "INSERT INTO followups (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "action, status, contact_id, distribution) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'Send the agenda', 'open', ?, 'hq')",
        (
            record_id,
            iso_from_ms(made_ms),
            iso_from_ms(named_ms),
            named,
            origin,
            json.dumps({"*": made, "contact_id": named}),
            marking,
            contact_id,
        ),
    )
    created = {
        "marking": marking,
        "tags": [],
        "distribution": "hq",
        "action": "Send the agenda",
        "status": "open",
        "owner": None,
        "due_date": None,
        "meeting_id": None,
        "contact_id": None,
        "notes": None,
    }
    ops = [
        (seq + 1, made, created, {}),
        (seq + 2, named, {"contact_id": contact_id}, {"contact_id": made}),
    ]
    for n, stamp, fields, base in ops:
        conn.execute(
            "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base) "
            "VALUES (?, ?, ?, 'followup', ?, ?, ?)",
            (origin, n, stamp, record_id, json.dumps(fields), json.dumps(base)),
        )
    return record_id


def test_version_four_follow_ups_keep_their_contact_as_a_list(vault_dir: Path) -> None:
    old, _ = Vault.create(
        vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=BEFORE_CONTACT_IDS
    )
    person_id = write_v5_contact(old, "Hélène Girard")
    named = write_v4_followup(old, person_id)
    nobody = "019b7a00-0000-7000-8000-0000000000f2"
    old.conn.execute(
        "INSERT INTO followups (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "action, status) SELECT ?, created_at, updated_at, hlc, origin, clocks, marking, "
        "'Book the hall', 'open' FROM followups WHERE id = ?",
        (nobody, named),
    )
    old.conn.execute(
        "INSERT INTO drafts VALUES ('followup:x', 'followup', ?, ?, '2026-01-01T00:00:00Z')",
        (named, json.dumps({"action": "Send the agenda today", "contact_id": person_id})),
    )
    old.conn.execute(
        "INSERT INTO conflicts (entity, record_id, field, local_value, local_clock, "
        "remote_value, remote_clock, detected_at) VALUES ('followup', ?, 'contact_id', "
        "?, 'l', 'null', 'r', '2026-01-01T00:00:00Z')",
        (named, json.dumps(person_id)),
    )
    old.lock()
    assert _version_of(vault_dir) == 4

    with Vault.unlock(vault_dir, PASSPHRASE) as today:
        assert today.store.get(FollowUp, named).contact_ids == (person_id,)
        assert today.store.get(FollowUp, nobody).contact_ids == ()
        columns = [r[1] for r in today.conn.execute("PRAGMA table_info(followups)")]
        assert "contact_id" not in columns
        (clocks,) = today.conn.execute(
            "SELECT clocks FROM followups WHERE id = ?", (named,)
        ).fetchone()
        assert set(json.loads(clocks)) == {"*", "contact_ids"}
        rows = today.conn.execute(
            "SELECT origin, seq, hlc, entity, record_id, fields, base, clocks FROM oplog "
            "WHERE entity = 'followup' ORDER BY seq"
        ).fetchall()
        made, renamed = (Op.from_json(Op.from_row(row).to_json()) for row in rows)
        assert made.fields["contact_ids"] == [] and "contact_id" not in made.fields
        assert renamed.fields == {"contact_ids": [person_id]}
        assert set(renamed.base) == {"contact_ids"}
        (draft,) = drafts(today)
        assert draft.fields == {"action": "Send the agenda today", "contact_ids": [person_id]}
        conflict = today.conn.execute(
            "SELECT field, local_value, remote_value FROM conflicts"
        ).fetchone()
        assert (conflict[0], json.loads(conflict[1]), json.loads(conflict[2])) == (
            "contact_ids",
            [person_id],
            [],
        )
        page = record_detail(today.store, today.clock, CONTACT, person_id)
        assert [f.id for f in page.followups] == [named]
