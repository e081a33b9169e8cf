"""HQ's review of held records, as the window shows it: each row with when it was written, and
one record's content to read before releasing or discarding it.

The holding itself, the search and the decision are `sync.compromise`'s; this
adds what a reviewer weighs: when the revoked station says it wrote the
record (its own latest stamp on it, by its own clock, which a compromised
station may have set back) beside when HQ held it, and the record's fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.hlc import stamp_ms
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import HeldRecord, held_records
from liaison_desk.sync.errors import PeerError
from liaison_desk.sync.vectors import peer_origins

STATUSES = ("held", "released", "discarded")


@dataclass(frozen=True)
class HeldRow:
    held: HeldRecord
    written: str  # ISO, UTC: the station's latest stamp on the record ("" if none is left)

    @property
    def key(self) -> tuple[str, str]:
        return self.held.kind, self.held.record_id


def held_for_review(
    vault: Vault, text: str | None = None, statuses: tuple[str, ...] = ("held",)
) -> list[HeldRow]:
    """The held records (searched by `text` in their content), newest held first."""
    conn = vault.conn
    origins: dict[str, list[str]] = {}
    rows = []
    for held in held_records(vault, text or None, statuses):
        mine = origins.setdefault(held.station, peer_origins(conn, held.station))
        marks = ",".join("?" * len(mine))
        latest = (
            conn.execute(
                "SELECT max(hlc) FROM oplog WHERE entity = ? AND record_id = ? "
                f"AND origin IN ({marks})",
                (held.kind, held.record_id, *mine),
            ).fetchone()[0]
            if mine
            else None
        )
        rows.append(HeldRow(held, iso_from_ms(stamp_ms(latest)) if latest else ""))
    return rows


def held_content(vault: Vault, kind: str, record_id: str) -> list[tuple[str, str]]:
    """A held record's filled fields as (name, text), in the kind's order."""
    known = BY_NAME.get(kind)
    if known is None:
        raise PeerError("That record is not held for review.")
    try:
        record = vault.store.get(known.cls, record_id)
    except RecordNotFound:
        return []
    return [
        (name.replace("_", " ").capitalize(), text)
        for name in known.fields
        if (text := _text(getattr(record, name)))
    ]


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return f"{len(value):,} bytes"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
