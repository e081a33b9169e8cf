"""Unsaved edits, kept inside the encrypted vault so a crash or power cut loses nothing.

A draft is local (never synced) and keyed by what is being edited: a record's
kind and id, or the kind alone for a record not yet created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.vault import Vault


@dataclass(frozen=True)
class Draft:
    kind: str
    record_id: str | None
    fields: dict[str, Any]
    saved_at: str

    @property
    def key(self) -> str:
        return draft_key(self.kind, self.record_id)


def draft_key(kind: str, record_id: str | None) -> str:
    return f"{kind}:{record_id or 'new'}"


def save_draft(vault: Vault, kind: str, record_id: str | None, fields: dict[str, Any]) -> None:
    vault.store.conn.execute(
        "INSERT INTO drafts (key, kind, record_id, fields, saved_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at",
        (
            draft_key(kind, record_id),
            kind,
            record_id,
            json.dumps(fields, ensure_ascii=False),
            iso_from_ms(vault.clock.now_ms()),
        ),
    )


def discard_draft(vault: Vault, kind: str, record_id: str | None) -> None:
    vault.store.conn.execute("DELETE FROM drafts WHERE key = ?", (draft_key(kind, record_id),))


def drafts(vault: Vault) -> list[Draft]:
    """Every draft kept, oldest first."""
    rows = vault.store.conn.execute(
        "SELECT kind, record_id, fields, saved_at FROM drafts ORDER BY saved_at"
    ).fetchall()
    return [Draft(kind, rid, json.loads(fields), at) for kind, rid, fields, at in rows]
