"""Ops refused on arrival, and telling the vault that sent them.

An op a vault refuses (`sync.authority` decides who may change what; a stamp
too far ahead is refused in `sync.importing`) is not applied and never
forwarded, yet it counts as received: the bundle is acknowledged, so its
sender does not send it again. The refusal is kept here, shown to whoever
imported the bundle, and carried back to the vault that sent the op in the
start item of the next bundles for it (`refused`), until that vault
acknowledges it (`refusals_seen`): its officer is told as well. Ids and
counts only: a refusal never holds a field's value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.hlc import is_origin
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync.ops import MAX_SEQ
from liaison_desk.sync.payload import malformed

NOT_AUTHORISED = "not-authorised"
CLOCK_AHEAD = "clock-ahead"
MAX_REPORTED = 1000  # refusals carried by one bundle; the rest follow in the next ones
_REASON = re.compile(r"[a-z][a-z-]{0,39}")  # codes a newer version may add are kept too


@dataclass(frozen=True)
class RefusedOp:
    """One refused op, by its ids: whose change it was, to which record, and why."""

    origin: str
    seq: int
    entity: str
    record_id: str
    reason: str


def record(conn: Connection, peer: str, op: RefusedOp, at: str) -> bool:
    """Keep the refusal of an op from `peer`'s bundle; False if it was refused before."""
    cursor = conn.execute(
        "INSERT INTO refused_ops (peer, origin, seq, entity, record_id, reason, refused_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (origin, seq) DO NOTHING",
        (peer, op.origin, op.seq, op.entity, op.record_id, op.reason, at),
    )
    return cursor.rowcount == 1


def for_start(conn: Connection, peer: str) -> dict[str, Any]:
    """What a bundle for `peer` says about refusals (nothing, most of the time).

    `refused`: the ops of its bundles we refused and it has not acknowledged,
    oldest first, as ``[n, origin, seq, kind, record id, reason]``;
    `refusals_seen`: the highest number among the refusals it reported to us.
    """
    out: dict[str, Any] = {}
    rows = conn.execute(
        "SELECT n, origin, seq, entity, record_id, reason FROM refused_ops "
        "WHERE peer = ? AND n > (SELECT refusals_acked FROM peers WHERE fingerprint = ?) "
        "ORDER BY n LIMIT ?",
        (peer, peer, MAX_REPORTED),
    ).fetchall()
    if rows:
        out["refused"] = [list(row) for row in rows]
    (seen,) = conn.execute(
        "SELECT coalesce(max(n), 0) FROM refusals_reported WHERE peer = ?", (peer,)
    ).fetchone()
    if seen:
        out["refusals_seen"] = int(seen)
    return out


@dataclass(frozen=True)
class Report:
    """The refusals a peer's start item carries (checked), and what it acknowledges of ours."""

    refused: tuple[tuple[int, RefusedOp], ...] = ()
    seen: int = 0

    @classmethod
    def parse(cls, start: Any) -> Report:
        entries = start.get("refused", [])
        seen = start.get("refusals_seen", 0)
        if type(entries) is not list or len(entries) > MAX_REPORTED or not _count(seen):
            raise malformed("the start item's refusals are malformed")
        refused = []
        for entry in entries:
            if not (
                type(entry) is list
                and len(entry) == 6
                and _count(entry[0])
                and is_origin(entry[1])
                and _count(entry[2])
                and entry[3] in BY_NAME
                and type(entry[4]) is str
                and 0 < len(entry[4]) <= 64
                and entry[4].isascii()
                and type(entry[5]) is str
                and _REASON.fullmatch(entry[5])
            ):
                raise malformed("the start item's refusals are malformed")
            n, origin, seq, entity, record_id, reason = entry
            refused.append((n, RefusedOp(origin, seq, entity, record_id, reason)))
        return cls(tuple(refused), seen)

    def take(self, conn: Connection, peer: str, at: str) -> list[RefusedOp]:
        """Keep what `peer` reports refusing; return the refusals new to us."""
        new = []
        for n, op in self.refused:
            cursor = conn.execute(
                "INSERT INTO refusals_reported "
                "(peer, n, origin, seq, entity, record_id, reason, reported_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (peer, n) DO NOTHING",
                (peer, n, op.origin, op.seq, op.entity, op.record_id, op.reason, at),
            )
            if cursor.rowcount == 1:
                new.append(op)
        if self.seen:
            conn.execute(
                "UPDATE peers SET refusals_acked = max(refusals_acked, ?) WHERE fingerprint = ?",
                (self.seen, peer),
            )
        return new


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value < MAX_SEQ


WHY = {
    NOT_AUTHORISED: "its author had no right to make that change",
    CLOCK_AHEAD: "it is stamped more than 24 hours ahead of the receiving computer's clock",
}


def describe(op: RefusedOp) -> str:
    """One line naming a refused op by its ids, and why (never a field's value)."""
    why = WHY.get(op.reason, "refused")
    return f"{op.entity} {op.record_id} (change {op.seq} of {op.origin}): {op.reason}, {why}"


def summary(ops: tuple[RefusedOp, ...] | list[RefusedOp]) -> str:
    """Counts by reason: "2 not-authorised, 1 clock-ahead"."""
    counts: dict[str, int] = {}
    for op in ops:
        counts[op.reason] = counts.get(op.reason, 0) + 1
    return ", ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
