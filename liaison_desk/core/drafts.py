"""Unsaved edits, kept inside the encrypted vault so a crash or power cut loses nothing.

A draft is local (never synced) and keyed by what is being edited: a record's
kind and id, or the kind alone for a record not yet created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.sqlite_types import Connection


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


def save_draft(
    conn: Connection, clock: Clock, kind: str, record_id: str | None, fields: dict[str, Any]
) -> None:
    conn.execute(
        "INSERT INTO drafts (key, kind, record_id, fields, saved_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at",
        (
            draft_key(kind, record_id),
            kind,
            record_id,
            json.dumps(fields, ensure_ascii=False),
            iso_from_ms(clock.now_ms()),
        ),
    )


def discard_draft(conn: Connection, kind: str, record_id: str | None) -> None:
    conn.execute("DELETE FROM drafts WHERE key = ?", (draft_key(kind, record_id),))


def drafts(conn: Connection) -> list[Draft]:
    rows = conn.execute(
        "SELECT kind, record_id, fields, saved_at FROM drafts ORDER BY saved_at"
    ).fetchall()
    return [Draft(kind, rid, json.loads(fields), at) for kind, rid, fields, at in rows]
