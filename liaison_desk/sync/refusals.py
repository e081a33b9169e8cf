"""Ops refused on arrival, and telling the vault that sent them.

An op a vault refuses (`sync.authority` decides who may change what; a stamp
too far ahead is refused in `sync.importing`) is not applied and never
forwarded, yet it counts as received: the bundle is acknowledged, so its
sender does not send it again. The refusal is kept here, shown to whoever
imported the bundle, and carried back to the vault that sent the op in the
start item of the next bundles for it (`refused`), until that vault
acknowledges it (`refusals_seen`): its officer is told as well. Ids and
counts only: a refusal never holds a field's value.

A whole bundle refused after its signatures verified (or refused as too
large for this vault, from an enrolled peer) is reported the same way: kept
(in `meta`, one per peer: only the newest matters), carried in every bundle
for that peer (`bundle_refused`) until one of its later bundles is applied,
and shown to the peer's officer with what to do (`advice`): nothing it sends
again is read until the cause is put right.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liaison_desk.core.hlc import is_origin
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.user_files import size_text
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle import peek_header
from liaison_desk.sync.bundle_names import name_parts
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.ops import is_count
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.peers import get_peer

NOT_AUTHORISED = "not-authorised"
CLOCK_AHEAD = "clock-ahead"
# Refusals of a whole bundle that its sender can put right (the rest: damage on the way,
# or nothing sent to that vault at all): reported back to it.
SENDERS_OWN = frozenset(
    {"compression-bomb", "malformed-payload", "clock-ahead", "history-diverged", "foreign-origin"}
)
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
    `refusals_seen`: the highest number among the refusals it reported to us;
    `bundle_refused`: its latest bundle we refused whole, until a later one is applied.
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
    kept = _kept(conn, _REFUSED_HERE + peer)
    if kept is not None:
        out["bundle_refused"] = RefusedBundle.parse(
            {k: v for k, v in kept.items() if k != "told"}
        ).to_json()
    return out


@dataclass(frozen=True)
class RefusedBundle:
    """A whole bundle refused: which one (its origin and number), why, and for `too-large`
    its size and the reader's limit in bytes (0 otherwise)."""

    origin: str
    seq: int
    reason: str
    size: int = 0
    limit: int = 0

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"origin": self.origin, "seq": self.seq, "reason": self.reason}
        if self.size or self.limit:
            out |= {"size": self.size, "limit": self.limit}
        return out

    @classmethod
    def parse(cls, data: Any) -> RefusedBundle:
        """From a start item's `bundle_refused`; malformed unless every part is in bounds."""
        if not (
            type(data) is dict
            and set(data) <= {"origin", "seq", "reason", "size", "limit"}
            and is_origin(data.get("origin"))
            and is_count(data.get("seq"))
            and type(data.get("reason")) is str
            and _REASON.fullmatch(data["reason"])
            and is_count(data.get("size", 0))
            and is_count(data.get("limit", 0))
        ):
            raise malformed("the start item's bundle refusal is malformed")
        return cls(
            data["origin"], data["seq"], data["reason"], data.get("size", 0), data.get("limit", 0)
        )


_REFUSED_HERE = "bundle-refused/"  # + the sender's fingerprint: its bundle we refused
_REFUSED_THERE = "refused-by/"  # + the peer's fingerprint: our bundle it refused


def note_bundle_refused(vault: Vault, peer: str, refused: RefusedBundle) -> None:
    """Keep the refusal of `peer`'s bundle, to report in our next bundles for it: the one
    write a refused bundle makes (a row per peer, replaced by the next refusal)."""
    value = json.dumps({**refused.to_json(), "told": False})
    with vault.store.transaction():
        vault.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_REFUSED_HERE + peer, value),
        )


def _kept(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def bundle_applied(conn: Connection, peer: str, origin: str, seq: int) -> None:
    """A bundle of `peer` was applied: a refusal of an earlier one of it is over."""
    kept = _kept(conn, _REFUSED_HERE + peer)
    if kept is not None and (kept["origin"] != origin or kept["seq"] < seq):
        conn.execute("DELETE FROM meta WHERE key = ?", (_REFUSED_HERE + peer,))


def bundle_refusal_untold(conn: Connection, peer: str) -> bool:
    """Whether `peer` is owed a bundle to learn that one of its bundles was refused here."""
    kept = _kept(conn, _REFUSED_HERE + peer)
    return kept is not None and not kept["told"]


def told_bundle_refused(conn: Connection, peer: str) -> None:
    """A bundle carrying the refusal was written for `peer` (later ones carry it too)."""
    kept = _kept(conn, _REFUSED_HERE + peer)
    if kept is not None and not kept["told"]:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = ?",
            (json.dumps({**kept, "told": True}), _REFUSED_HERE + peer),
        )


def take_bundle_refused(
    conn: Connection, peer: str, refused: RefusedBundle | None, ours: list[str]
) -> RefusedBundle | None:
    """What `peer`'s start item says of our bundles: kept until its bundles stop saying it.

    A refusal naming a bundle of an origin that is not ours is not about us: left out.
    """
    key = _REFUSED_THERE + peer
    if refused is None or refused.origin not in ours:
        conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        return None
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(refused.to_json())),
    )
    return refused


def refused_by_peers(conn: Connection) -> list[tuple[str, RefusedBundle]]:
    """Each peer's name and its refusal of our latest refused bundle, as last reported."""
    rows = conn.execute(
        "SELECT p.name, m.value FROM meta m JOIN peers p ON m.key = ? || p.fingerprint "
        "ORDER BY p.name",
        (_REFUSED_THERE,),
    ).fetchall()
    return [(str(name), RefusedBundle.parse(json.loads(value))) for name, value in rows]


def note_too_large(vault: Vault, me: str, path: Path, limit: int) -> None:
    """Keep a too-large refusal for the enrolled peer the header names (it is not verified:
    the peer's officer is only told what to ask for)."""
    try:
        header, size = peek_header(path)
    except BundleRefused:
        return
    peer = get_peer(vault.conn, header.sender)
    if header.recipient != me or peer is None or not peer.active:
        return
    refused = RefusedBundle(header.origin, header.bundle_seq, "too-large", size, limit)
    note_bundle_refused(vault, peer.fingerprint, refused)


def note_listed_too_large(vault: Vault, name: str, size: int, limit: int) -> None:
    """Keep the refusal of a bundle left on the relay for its size (by its name, unread) for
    the enrolled peer the name names, as `note_too_large` does for a file."""
    parts = name_parts(name)
    me = load_identity(vault.conn).fingerprint
    if parts is None or parts[1] != me[: len(parts[1])]:
        return
    sender, _, origin, seq = parts
    row = vault.conn.execute(
        "SELECT fingerprint FROM peers WHERE substr(fingerprint, 1, ?) = ? AND status = 'enrolled'",
        (len(sender), sender),
    ).fetchone()
    if row is not None and seq:
        refused = RefusedBundle(origin, seq, "too-large", size, limit)
        note_bundle_refused(vault, str(row[0]), refused)


_ADVICE = {
    "compression-bomb": "{peer} could not read what this vault wrote. Update Liaison Desk here "
    "and at {peer} to the same version; the same changes are sent again.",
    "malformed-payload": "{peer} could not read what this vault wrote. Update Liaison Desk here "
    "and at {peer} to the same version; the same changes are sent again.",
    "clock-ahead": "It was dated more than 24 hours ahead of {peer}'s clock: check the date, "
    "time and time zone of this computer (and ask {peer} to check its own).",
    "history-diverged": "This vault was copied back from an old file: it starts a new "
    "incarnation as it reads {peer}'s bundle, and sends its changes again. Nothing else to do.",
    "foreign-origin": "{peer} holds some of these changes as another vault's: this vault may be "
    "a copy of another station's. Ask {peer}'s officer before syncing again.",
}


def advice(peer: str, refused: RefusedBundle) -> str:
    """What `peer`'s refusal of our bundle means, and what our officer does about it."""
    head = f"{peer} refused this vault's bundle {refused.seq} ({refused.reason})"
    if refused.reason == "too-large":
        return (
            f"{head}: it is {size_text(refused.size)}, more than the "
            f"{size_text(refused.limit)} {peer} reads. Ask {peer}'s officer to raise that limit "
            "(`liaison-desk sync max-bundle` there); until then nothing this vault sends is read."
        )
    action = _ADVICE.get(refused.reason, "Ask {peer}'s officer why.")
    return f"{head}. {action.format(peer=peer)}"


@dataclass(frozen=True)
class Report:
    """The refusals a peer's start item carries (checked), and what it acknowledges of ours."""

    refused: tuple[tuple[int, RefusedOp], ...] = ()
    seen: int = 0
    bundle: RefusedBundle | None = None  # a bundle of ours the peer refused whole

    @classmethod
    def parse(cls, start: Any) -> Report:
        entries = start.get("refused", [])
        seen = start.get("refusals_seen", 0)
        if type(entries) is not list or len(entries) > MAX_REPORTED or not is_count(seen):
            raise malformed("the start item's refusals are malformed")
        bundle = start.get("bundle_refused")
        bundle = None if bundle is None else RefusedBundle.parse(bundle)
        refused = []
        for entry in entries:
            if not (
                type(entry) is list
                and len(entry) == 6
                and is_count(entry[0])
                and is_origin(entry[1])
                and is_count(entry[2])
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
        return cls(tuple(refused), seen, bundle)

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
