"""A revocation's reason and date of compromise, and the records HQ holds back because of it.

HQ revokes a station with a reason (`revoke_station`), shown wherever the
station's bundles or relay requests are refused, and which HQ signs into its
revocation notice and the relay's roster. Given a date of compromise, what the
station wrote after it cannot be trusted: every op HQ holds from the
station's incarnations stamped at or after that moment, or received by HQ at
or after it (a station whose clock was set back stamps its ops in the past),
is kept back from every bundle HQ writes (`HeldOps`), and the records they
touch are listed for review (`held_records`, searchable). So is every
snapshot HQ logged of such a record (a group joined, a distribution widened,
before or after the revocation): it holds the record whole. An HQ operator
releases one (HQ writes a snapshot of it, which travels as HQ's own change)
or discards it (it stays at HQ, never sent). Ops stamped and received before
the date flow as before.

Stations that may already hold such a record through HQ (it was routed to
them) are told in HQ's next bundles (`flagged`), and flag it for their officer.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.search import search
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync import routes
from liaison_desk.sync.bundle import read_header
from liaison_desk.sync.errors import BundleRefused, PeerError
from liaison_desk.sync.identity import short
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.peers import Peer, get_peer, revoke
from liaison_desk.sync.vectors import peer_origins

log = logging.getLogger("liaison_desk.sync")

FLAGGED = "flagged"  # HQ -> station: held records routed to it, [[kind, id], ...]
MAX_REASON = 300
MAX_FLAGGED = 10_000
_ID_CHARS = 64


@dataclass(frozen=True)
class Revocation:
    reason: str | None
    compromised_since: str | None  # ISO, UTC


@dataclass(frozen=True)
class HeldRecord:
    kind: str
    record_id: str
    station: str
    station_name: str
    title: str
    status: str  # held | released | discarded
    held_at: str


def parse_when(text: str) -> int:
    """A date of compromise as typed (2026-05-28, 2026-05-28T14:00, or with a zone): UTC ms."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a date: write it as 2026-05-28 or 2026-05-28T14:00 (UTC)."
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def revoke_station(
    vault: Vault, fingerprint: str, reason: str, compromised_since_ms: int | None = None
) -> int:
    """Revoke a station with its reason (and date of compromise); returns the records held.

    The GUI's Sync section and `liaison-desk peers revoke` both call this.
    """
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise ValidationError(f"Give the reason for the revocation (at most {MAX_REASON} letters).")
    peer = get_peer(vault.conn, fingerprint)
    if peer is None or peer.role != "station":
        raise PeerError("Only an enrolled station can be revoked.")
    since = iso_from_ms(compromised_since_ms) if compromised_since_ms is not None else None
    with vault.store.transaction():
        if peer.active:
            revoke(vault, fingerprint)
        vault.conn.execute(
            "UPDATE peers SET revoke_reason = ?, compromised_since = ? WHERE fingerprint = ?",
            (reason, since, fingerprint),
        )
        held = _hold(vault, peer, compromised_since_ms) if compromised_since_ms is not None else 0
    log.info("station revoked; %d records held for review", held)
    return held


def held_count(conn: Connection, station: str) -> int:
    row = conn.execute(
        "SELECT count(*) FROM held_records WHERE station = ? AND status = 'held'", (station,)
    ).fetchone()
    return int(row[0])


def revocation_of(conn: Connection, fingerprint: str) -> Revocation:
    row = conn.execute(
        "SELECT revoke_reason, compromised_since FROM peers WHERE fingerprint = ?", (fingerprint,)
    ).fetchone()
    return Revocation(*row) if row else Revocation(None, None)


def reasons(conn: Connection) -> dict[str, str]:
    """The reason given for each revoked station that has one."""
    rows = conn.execute(
        "SELECT fingerprint, revoke_reason FROM peers "
        "WHERE status = 'revoked' AND revoke_reason IS NOT NULL"
    )
    return dict(rows.fetchall())


def _since_prefix(ms: int) -> str:
    """The start of every stamp at or after `ms` (stamps begin with 13 digits of ms)."""
    return f"{ms:013d}"


_NONE = 2**63 - 1  # a seq no op reaches: nothing of an incarnation received since


def _received_since(conn: Connection, station: str, since: str) -> dict[str, int]:
    """Per incarnation of `station`, the first seq of its ops HQ received at or after
    `since` (ISO): ops arrive in seq order, and HQ notes where each bundle's ops begin
    in its oplog (`bundles_in.first_n`; bundles from before that note are judged by
    their stamps alone)."""
    row = conn.execute(
        "SELECT min(first_n) FROM bundles_in WHERE sender = ? AND applied_at >= ?",
        (station, since),
    ).fetchone()
    if row[0] is None:
        return {}
    out: dict[str, int] = {}
    for origin in peer_origins(conn, station):
        first = conn.execute(
            "SELECT seq FROM oplog WHERE n >= ? AND origin = ? ORDER BY n LIMIT 1",
            (row[0], origin),
        ).fetchone()
        if first is not None:
            out[origin] = int(first[0])
    return out


def _hold(vault: Vault, peer: Peer, since_ms: int) -> int:
    conn = vault.conn
    now = iso_from_ms(vault.clock.now_ms())
    received = _received_since(conn, peer.fingerprint, iso_from_ms(since_ms))
    held = 0
    for origin in peer_origins(conn, peer.fingerprint):
        cursor = conn.execute(
            "INSERT OR IGNORE INTO held_records (kind, record_id, station, held_at) "
            "SELECT DISTINCT entity, record_id, ?, ? FROM oplog "
            "WHERE origin = ? AND (hlc >= ? OR seq >= ?)",
            (peer.fingerprint, now, origin, _since_prefix(since_ms), received.get(origin, _NONE)),
        )
        held += cursor.rowcount
    return held


class HeldOps:
    """Which ops HQ keeps back from its bundles: a revoked station's, stamped or received at
    or after its date of compromise; and HQ's snapshots of a record held or discarded.

    A station approved again after its revocation (a laptop found) keeps its date of
    compromise: its ops from then on still never leave HQ for a record an operator has not
    released, while its ops on any other record flow again."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            "SELECT fingerprint, compromised_since, status = 'revoked' FROM peers "
            "WHERE compromised_since IS NOT NULL"
        ).fetchall()
        self._since: dict[str, tuple[str, int, bool]] = {}
        for station, since, revoked in rows:
            prefix = _since_prefix(parse_when(since))
            received = _received_since(conn, station, since)
            for origin in peer_origins(conn, station):
                self._since[origin] = (prefix, received.get(origin, _NONE), bool(revoked))
        self._records = set(
            conn.execute(
                "SELECT kind, record_id FROM held_records WHERE status IN ('held', 'discarded')"
            ).fetchall()
        )

    def __bool__(self) -> bool:
        return bool(self._since or self._records)

    def holds(self, row: tuple[Any, ...]) -> bool:
        """Whether an oplog row (origin, seq, hlc, entity, record id, fields, base, clocks)
        is held back."""
        cut = self._since.get(row[0])
        if (
            cut is not None
            and (row[2] >= cut[0] or row[1] >= cut[1])
            and (cut[2] or (row[3], row[4]) in self._records)
        ):
            return True
        return row[7] is not None and (row[3], row[4]) in self._records


def held_records(
    vault: Vault, text: str | None = None, statuses: tuple[str, ...] = ("held",)
) -> list[HeldRecord]:
    """The records held for review, newest first; `text` searches their content."""
    conn = vault.conn
    rows = conn.execute(
        "SELECT h.kind, h.record_id, h.station, coalesce(p.name, ''), h.status, h.held_at "
        "FROM held_records h LEFT JOIN peers p ON p.fingerprint = h.station "
        f"WHERE h.status IN ({','.join('?' * len(statuses))}) ORDER BY h.held_at DESC, h.kind",
        statuses,
    ).fetchall()
    if text:
        found = {(hit.kind, hit.id) for hit in search(vault.store, text, limit=MAX_FLAGGED)}
        rows = [r for r in rows if (r[0], r[1]) in found]
    return [
        HeldRecord(kind, rid, station, name, _title(conn, kind, rid), status, at)
        for kind, rid, station, name, status, at in rows
    ]


def _title(conn: Connection, kind: str, record_id: str) -> str:
    known = BY_NAME.get(kind)
    if known is None:
        return ""
    row = conn.execute(
        f"SELECT {known.title_field} FROM {known.table} WHERE id = ?", (record_id,)
    ).fetchone()
    return str(row[0]) if row and row[0] is not None else ""


def decide(vault: Vault, kind: str, record_id: str, release: bool) -> None:
    """Release a held record (HQ sends it on, as a snapshot of its own) or discard it."""
    row = vault.conn.execute(
        "SELECT station FROM held_records WHERE kind = ? AND record_id = ? AND status = 'held'",
        (kind, record_id),
    ).fetchone()
    if row is None:
        raise PeerError("That record is not held for review.")
    with vault.store.transaction():
        vault.conn.execute(
            "UPDATE held_records SET status = ?, decided_at = ? WHERE kind = ? AND record_id = ?",
            (
                "released" if release else "discarded",
                iso_from_ms(vault.clock.now_ms()),
                kind,
                record_id,
            ),
        )
        if release and vault.store.exists(BY_NAME[kind], record_id):
            vault.store.log_snapshots(BY_NAME[kind], record_id)
        vault.audit(
            "held-released" if release else "held-discarded", station=short(row[0]), kind=kind
        )


def flags_for_start(vault: Vault, role: str, peer: Peer) -> dict[str, Any]:
    """At HQ: the held records routed to `peer` (it may hold them through HQ already)."""
    if role != "hq":
        return {}
    rows = vault.conn.execute(
        "SELECT kind, record_id FROM held_records WHERE status IN ('held', 'discarded') "
        "AND station != ? ORDER BY held_at LIMIT ?",
        (peer.fingerprint, MAX_FLAGGED),
    ).fetchall()
    router = routes.Router(vault.conn, peer)
    flagged = [[k, r] for k, r in rows if router.routed(k, r)]
    return {FLAGGED: flagged} if flagged else {}


def take_flags(vault: Vault, role: str, data: dict[str, Any]) -> int:
    """At a station: flag the records HQ names that it holds (inside the import's transaction)."""
    listed = data.get(FLAGGED, [])
    if role == "hq" or not listed:
        return 0
    if not isinstance(listed, list) or len(listed) > MAX_FLAGGED:
        raise malformed("its flagged records are not a short list")
    now = iso_from_ms(vault.clock.now_ms())
    flagged = 0
    for item in listed:
        if not (
            isinstance(item, list)
            and len(item) == 2
            and item[0] in BY_NAME
            and isinstance(item[1], str)
            and 0 < len(item[1]) <= _ID_CHARS
        ):
            raise malformed("a flagged record is damaged")
        if vault.store.exists(BY_NAME[item[0]], item[1]):
            flagged += vault.conn.execute(
                "INSERT OR IGNORE INTO flagged_records VALUES (?, ?, ?)", (item[0], item[1], now)
            ).rowcount
    return flagged


def flagged_records(conn: Connection) -> list[tuple[str, str, str]]:
    """(kind, record id, when flagged) of the records HQ flagged here."""
    rows = conn.execute("SELECT kind, record_id, flagged_at FROM flagged_records ORDER BY 3")
    return [(k, r, at) for k, r, at in rows]


def is_flagged(conn: Connection, kind: str, record_id: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM flagged_records WHERE kind = ? AND record_id = ?", (kind, record_id)
    ).fetchone()
    return row is not None


def with_reason(conn: Connection, refused: BundleRefused, path: Path) -> BundleRefused:
    """A revoked sender's refusal, naming the station and HQ's reason where the header
    (read, not trusted beyond naming) points to one."""
    try:
        with open(path, "rb") as f:
            sender = read_header(f, os.fstat(f.fileno()).st_size).sender
    except (BundleRefused, OSError):
        return refused
    peer = get_peer(conn, sender)
    reason = revocation_of(conn, sender).reason if peer is not None else None
    if peer is None or reason is None:
        return refused
    return BundleRefused(
        refused.reason, f"This bundle comes from {peer.name}, revoked by HQ: {reason}."
    )
