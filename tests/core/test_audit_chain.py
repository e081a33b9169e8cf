"""The audit log's hash chain at the station: a removed, reordered or edited entry is named."""

from __future__ import annotations

import itertools
from pathlib import Path

from liaison_desk.core import audit
from liaison_desk.core.audit_chain import (
    GENESIS,
    ChainEntry,
    check,
    check_local,
    entry_hash,
    local_entries,
)
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock


def _six_entries(vault: Vault) -> None:
    for i in range(5):
        vault.audit("export", records=i, format="csv")
    assert [e.n for e in local_entries(vault.conn)] == [1, 2, 3, 4, 5, 6]


def test_an_untouched_log_checks_clean(vault: Vault) -> None:
    _six_entries(vault)
    entries = local_entries(vault.conn)
    assert entries[0].prev == GENESIS
    assert all(b.prev == a.hash for a, b in itertools.pairwise(entries))
    assert check_local(vault.conn) == []


def test_a_removed_entry_is_named(vault: Vault) -> None:
    _six_entries(vault)
    vault.conn.execute("DELETE FROM audit WHERE n = 3")

    (found,) = check_local(vault.conn)
    assert (found.n, found.kind) == (4, "removed")
    assert found.sentence == "Entries were removed: #3."


def test_reordered_entries_are_named(vault: Vault) -> None:
    _six_entries(vault)
    rows = {
        n: row
        for n, *row in vault.conn.execute("SELECT n, at, event, detail, prev, hash FROM audit")
    }
    for n, other in ((3, 4), (4, 3)):  # entries 3 and 4 change places, hashes and all
        vault.conn.execute(
            "UPDATE audit SET at = ?, event = ?, detail = ?, prev = ?, hash = ? WHERE n = ?",
            (*rows[other], n),
        )

    breaks = check_local(vault.conn)
    assert {b.kind for b in breaks} == {"reordered"}
    assert breaks[0].n == 3
    assert "entry #3 (export," in breaks[0].sentence
    assert "should come right after entry #4" in breaks[0].sentence


def test_an_edited_entry_is_named(vault: Vault) -> None:
    _six_entries(vault)
    vault.conn.execute("UPDATE audit SET detail = '{\"records\": 900}' WHERE n = 4")

    (found,) = check_local(vault.conn)
    assert (found.n, found.kind) == (4, "edited")
    assert found.sentence.startswith("Entry #4 (export, ")


def test_an_edited_entry_given_a_new_hash_is_named_by_the_next(vault: Vault) -> None:
    _six_entries(vault)
    prev, at = vault.conn.execute("SELECT prev, at FROM audit WHERE n = 4").fetchone()
    forged = '{"records": 900}'
    vault.conn.execute(
        "UPDATE audit SET detail = ?, hash = ? WHERE n = 4",
        (forged, entry_hash(prev, at, "export", forged)),
    )

    (found,) = check_local(vault.conn)
    assert (found.n, found.kind) == (5, "edited")
    assert "does not follow entry #4 (export, " in found.sentence
    assert "made anew" in found.sentence


def test_links_without_content_are_checked_for_order() -> None:
    a = ChainEntry(1, None, None, None, GENESIS, "a" * 64)
    b = ChainEntry(2, None, None, None, "a" * 64, "b" * 64)
    assert check([a, b]) == []
    assert [x.kind for x in check([b])] == ["removed"]


def test_the_migration_chains_the_entries_written_before_it(vault_dir: Path) -> None:
    before_chain = MIGRATIONS[: [m.apply.__name__ for m in MIGRATIONS].index("_audit_chain")]
    vault, _ = Vault.create(
        vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=before_chain
    )
    for i in range(3):
        audit.record(vault.conn, StepClock(), "export", records=i)
    vault.lock()

    with Vault.unlock(vault_dir, PASSPHRASE) as upgraded:
        entries = local_entries(upgraded.conn)
        assert len(entries) >= 5 and all(e.hash for e in entries)
        assert check_local(upgraded.conn) == []
