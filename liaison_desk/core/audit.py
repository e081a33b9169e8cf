"""The local audit log, inside the vault: who opened it, changed keys, moved data in or out.

Entries hold ids and counts only, never record content. The log is never synced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.sqlite_types import Connection

EVENTS = (
    "vault-created",
    "unlock",
    "passphrase-changed",
    "recovered",
    "backup-created",
    "restored",
    "import",
    "export",
    "enrolment",
    "peer-revoked",
    "bundle-exported",
    "bundle-imported",
    "conflict-resolved",
    "new-incarnation",
    "record-withdrawn",
)


@dataclass(frozen=True)
class AuditEntry:
    at: str
    event: str
    detail: dict[str, Any]


def entry(clock: Clock, event: str, **detail: str | int) -> AuditEntry:
    """An entry stamped now, to be written now or, if the disk refuses, later (`write`)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event}")
    return AuditEntry(iso_from_ms(clock.now_ms()), event, detail)


def write(conn: Connection, made: AuditEntry) -> None:
    """Append an entry made earlier (joins the caller's transaction if one is open)."""
    conn.execute(
        "INSERT INTO audit (at, event, detail) VALUES (?, ?, ?)",
        (made.at, made.event, json.dumps(made.detail, sort_keys=True)),
    )


def record(conn: Connection, clock: Clock, event: str, **detail: str | int) -> None:
    """Append an entry (joins the caller's transaction if one is open)."""
    write(conn, entry(clock, event, **detail))


def entries(conn: Connection, limit: int = 100) -> list[AuditEntry]:
    rows = conn.execute(
        "SELECT at, event, detail FROM audit ORDER BY n DESC LIMIT ?", (limit,)
    ).fetchall()
    return [AuditEntry(at, event, json.loads(detail)) for at, event, detail in rows]
