"""Records as earlier versions of the schema wrote them: rows, clocks and ops, exactly.

Today's store writes today's columns; a vault made with the migrations up to an
earlier version holds what that version's store wrote, which these helpers spell
out, so an upgrade (or a sync with an upgraded peer) meets what an officer's
vault holds.
"""

from __future__ import annotations

import json
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.ids import uuid7
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.vault import Vault

BEFORE_CONTACT_POINTS = MIGRATIONS[:5]  # the last version where a contact held its phones


def _next_seq(vault: Vault) -> int:
    (seq,) = vault.conn.execute(
        "SELECT coalesce(max(seq), 0) FROM oplog WHERE origin = ?", (vault.info.origin,)
    ).fetchone()
    return int(seq) + 1


def write_v5_contact(
    vault: Vault,
    full_name: str,
    *,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    address: str | None = None,
    later_phones: tuple[str, ...] | None = None,
    country: str | None = None,
    marking: str = "UNCLASSIFIED",
) -> str:
    """A contact as versions 1 to 5 wrote it: its row and its creation op; with
    `later_phones`, then an edit of its phones (a later op, the field's own clock)."""
    conn, origin = vault.conn, vault.info.origin
    made_ms = vault.clock.now_ms()
    made = str(Stamp(made_ms, 0, origin))
    record_id = uuid7(made_ms)
    fields: dict[str, Any] = {
        "marking": marking,
        "tags": [],
        "distribution": "hq",
        "full_name": full_name,
        "rank": None,
        "position": None,
        "org_id": None,
        "country": country,
        "languages": [],
        "phones": list(phones),
        "emails": list(emails),
        "address": address,
        "how_met": None,
        "trust_notes": None,
        "notes": None,
        "cadence_days": None,
        "photo_id": None,
    }
    ops: list[tuple[str, dict[str, Any], dict[str, str]]] = [(made, fields, {})]
    clocks = {"*": made}
    stored = dict(fields)
    if later_phones is not None:
        edited = str(Stamp(vault.clock.now_ms(), 0, origin))
        ops.append((edited, {"phones": list(later_phones)}, {"phones": made}))
        clocks["phones"] = edited
        stored["phones"] = list(later_phones)
    newest = max(clocks.values())
    columns = list(stored)
    conn.execute(
        f"INSERT INTO contacts (id, created_at, updated_at, hlc, origin, clocks, "
        f"{', '.join(columns)}) VALUES (?, ?, ?, ?, ?, ?, {', '.join('?' * len(columns))})",
        (
            record_id,
            iso_from_ms(made_ms),
            iso_from_ms(Stamp.parse(newest).ms),
            newest,
            origin,
            json.dumps(clocks),
            *(json.dumps(v) if isinstance(v, list) else v for v in stored.values()),
        ),
    )
    seq = _next_seq(vault)
    for n, (stamp, op_fields, base) in enumerate(ops):
        conn.execute(
            "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base) "
            "VALUES (?, ?, ?, 'contact', ?, ?, ?)",
            (origin, seq + n, stamp, record_id, json.dumps(op_fields), json.dumps(base)),
        )
    return record_id
