"""Drafts of unsaved edits live in the vault, survive a reopen and go when discarded."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.drafts import discard_draft, drafts, save_draft
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE


def test_draft_survives_reopen_and_is_replaced_then_discarded(
    vault: Vault, vault_dir: Path
) -> None:
    save_draft(vault, "contact", None, {"full_name": "Half typed"})
    save_draft(vault, "contact", None, {"full_name": "Half typed, more"})
    save_draft(vault, "meeting", "m-1", {"notes": "Ambassador said"})
    vault.lock()
    with Vault.unlock(vault_dir, PASSPHRASE) as again:
        found = {d.key: d.fields for d in drafts(again)}
        assert found == {
            "contact:new": {"full_name": "Half typed, more"},
            "meeting:m-1": {"notes": "Ambassador said"},
        }
        discard_draft(again, "contact", None)
        assert [d.key for d in drafts(again)] == ["meeting:m-1"]
