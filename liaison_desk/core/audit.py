"""The local audit log, inside the vault: who opened it, changed keys, moved data in or out.

Entries hold ids and counts only, never record content. Each carries the hash
of the one before (`core.audit_chain`); a station's security entries travel to
HQ in its bundles (`sync.station_audit`), the others only as links of the chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.audit_chain import entry_hash, tip
from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.sqlite_types import Connection

EVENTS = (
    "vault-created",
    "unlock",
    "unlock-failed",
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
    "wipe-policy-changed",
    "hq-slot-added",
    "recovery-granted",
    "recovery-applied",
    "travel-sealed",
    "travel-restored",
    "held-released",
    "held-discarded",
    "wipe-ordered",
    "station-wiped",
    "wipe-ack-refused",
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
    """Append an entry made earlier, chained to the last (joins the caller's transaction)."""
    detail = json.dumps(made.detail, sort_keys=True)
    if not _chained(conn):
        conn.execute(
            "INSERT INTO audit (at, event, detail) VALUES (?, ?, ?)", (made.at, made.event, detail)
        )
        return
    prev = tip(conn)
    conn.execute(
        "INSERT INTO audit (at, event, detail, prev, hash) VALUES (?, ?, ?, ?, ?)",
        (made.at, made.event, detail, prev, entry_hash(prev, made.at, made.event, detail)),
    )


def _chained(conn: Connection) -> bool:
    """Whether the log has its chain yet: a new vault writes its first entry before the
    later migrations run, the one that chains it among them."""
    return any(row[1] == "hash" for row in conn.execute("PRAGMA table_info(audit)"))


def record(conn: Connection, clock: Clock, event: str, **detail: str | int) -> None:
    """Append an entry (joins the caller's transaction if one is open)."""
    write(conn, entry(clock, event, **detail))


def count(conn: Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM audit").fetchone()[0])


def describe(made: AuditEntry) -> str:
    """An entry's detail as a line of text for people (scripts read the dict itself)."""
    detail = made.detail
    if made.event == "unlock-failed":
        n = detail.get("attempts", 0)
        if n == 1:
            return f"1 failed unlock attempt at {_when(detail.get('first'))}"
        return (
            f"{n} failed unlock attempts since {_when(detail.get('first'))}"
            f" (the last at {_when(detail.get('last'))})"
        )
    return "; ".join(f"{key.replace('_', ' ')}: {_value(value)}" for key, value in detail.items())


def _when(stamp: object) -> str:
    """2026-03-14T09:05:00.000Z as 2026-03-14 09:05 UTC."""
    text = str(stamp or "")
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 else text


def _value(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def entries(conn: Connection, limit: int = 100) -> list[AuditEntry]:
    rows = conn.execute(
        "SELECT at, event, detail FROM audit ORDER BY n DESC LIMIT ?", (limit,)
    ).fetchall()
    return [AuditEntry(at, event, json.loads(detail)) for at, event, detail in rows]
