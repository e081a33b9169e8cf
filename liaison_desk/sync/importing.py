"""Applying a bundle from a peer: one transaction, whole or not at all.

The bundle is verified before anything is written (`sync.bundle`), then its
ops are merged (`sync.merge`) and the sender's vector recorded as what it
holds of ours. Applying it twice is reported as a replay; any refusal of the
bundle rolls it all back. One op may be refused alone: stamped more than a
day ahead of this computer's clock (`sync.clocks`), or sent by a vault that
had no right to make it (`sync.authority`). The rest of the bundle is applied
and acknowledged; the refused op is kept out of the oplog, so it is never
forwarded, and the refusal is reported (`sync.refusals`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlcipher3

from liaison_desk.core import audit
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Blob
from liaison_desk.core.store import OpRow
from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.core.vault import Vault
from liaison_desk.sync import (
    compromise,
    payload,
    refusals,
    revocations,
    station_audit,
    withdrawal,
)
from liaison_desk.sync.authority import Authority
from liaison_desk.sync.bundle import VerifiedBundle, open_bundle
from liaison_desk.sync.bundle_limit import max_bundle_bytes
from liaison_desk.sync.clocks import check_bundle_time, stamp_limit
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import Progress
from liaison_desk.sync.identity import Identity, PeerIdentity
from liaison_desk.sync.merge import Merger
from liaison_desk.sync.ops import Op
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import BLOB, END, OP, START, malformed
from liaison_desk.sync.peers import Peer, get_peer
from liaison_desk.sync.refusals import (
    CLOCK_AHEAD,
    NOT_AUTHORISED,
    RefusedBundle,
    RefusedOp,
)
from liaison_desk.sync.start_item import StartItem
from liaison_desk.sync.vectors import (
    Vector,
    acks,
    adopt_origins,
    extend_holdings,
    max_seq,
    own_origins,
    record_acks,
    record_returns,
    return_bounds,
    vector,
)

log = logging.getLogger("liaison_desk.sync")


@dataclass(frozen=True)
class ImportResult:
    path: Path
    sender: str
    sender_name: str
    status: str  # applied | replayed
    ops: int = 0
    applied: int = 0
    already_held: int = 0
    conflicts: int = 0
    orphans: int = 0
    new_incarnation: bool = False
    kinds: frozenset[str] = frozenset()
    refused: tuple[RefusedOp, ...] = ()  # ops of this bundle refused here
    refused_by_peer: tuple[RefusedOp, ...] = ()  # ops of ours the sender says it refused
    bundle_refused_by_peer: RefusedBundle | None = None  # a bundle of ours it refused whole


def _lookup(vault: Vault) -> Callable[[str], tuple[PeerIdentity, bool] | None]:
    def find(fingerprint: str) -> tuple[PeerIdentity, bool] | None:
        peer = get_peer(vault.conn, fingerprint)
        return (peer.identity, peer.active) if peer else None

    return find


def import_bundle(vault: Vault, path: Path, progress: Progress | None = None) -> ImportResult:
    """Verify, decrypt and apply one bundle; raise BundleRefused and change nothing if bad.

    A refusal of the sender's making is kept, to be reported back to it (`sync.refusals`).
    """
    conn = vault.conn
    me = load_identity(conn)
    limit = max_bundle_bytes(conn)
    try:
        bundle = open_bundle(path, me, _lookup(vault), limit)
    except BundleRefused as exc:
        if exc.reason == "too-large":
            refusals.note_too_large(vault, me.fingerprint, path, limit)
        if exc.reason == "revoked-sender":
            raise compromise.with_reason(vault.conn, exc, path) from None
        raise
    try:
        return _import(vault, me, bundle, path, progress)
    except BundleRefused as exc:
        if exc.reason in refusals.SENDERS_OWN:
            header = bundle.header
            refused = RefusedBundle(header.origin, header.bundle_seq, exc.reason)
            refusals.note_bundle_refused(vault, header.sender, refused)
        raise


def _import(
    vault: Vault, me: Identity, bundle: VerifiedBundle, path: Path, progress: Progress | None
) -> ImportResult:
    conn = vault.conn
    sender = get_peer(conn, bundle.header.sender)
    assert sender is not None
    if sender.role == me.public.role:
        raise BundleRefused(
            "wrong-role",
            f"Bundles go between HQ and stations; {sender.name} is also {sender.role}.",
        )
    check_bundle_time(bundle.header.created_ms, vault.clock.now_ms(), sender.name)
    with vault.store.transaction():
        prior = conn.execute(
            "SELECT digest FROM bundles_in WHERE sender = ? AND origin = ? AND seq = ?",
            (sender.fingerprint, bundle.header.origin, bundle.header.bundle_seq),
        ).fetchone()
        if prior is not None:
            if prior[0] == bundle.digest:
                return ImportResult(path, sender.fingerprint, sender.name, "replayed")
            raise _diverged(sender, "it reuses a bundle number with different contents")
        try:
            result = _Applier(vault, me, sender, bundle, progress).run()
        except sqlcipher3.IntegrityError:
            # Ops are checked one by one; a record they build may still break a rule of
            # the vault's tables (a required field left empty): the sender's fault.
            raise malformed("a record it builds lacks a required value") from None
        counts = {"refused": len(result.refused)} if result.refused else {}
        if result.refused_by_peer:
            counts["refused_by_peer"] = len(result.refused_by_peer)
        audit.record(
            conn,
            vault.clock,
            "bundle-imported",
            ops=result.ops,
            conflicts=result.conflicts,
            seq=bundle.header.bundle_seq,
            **counts,
        )
    log.info(
        "bundle %d imported: %d ops (%d new), %d conflicts, %d refused",
        bundle.header.bundle_seq,
        result.ops,
        result.applied,
        result.conflicts,
        len(result.refused),
    )
    return result


def _diverged(sender: Peer, why: str) -> BundleRefused:
    return BundleRefused(
        "history-diverged",
        f"Refused: {sender.name}'s history went backwards ({why}). Its vault was probably "
        "copied back from an old file; it will start a new incarnation when it next imports "
        "a bundle from this vault, then send again.",
    )


class _Applier:
    """Applies one verified bundle inside the caller's transaction."""

    def __init__(
        self,
        vault: Vault,
        me: Identity,
        sender: Peer,
        bundle: VerifiedBundle,
        progress: Progress | None,
    ) -> None:
        self.vault = vault
        self.conn = vault.conn
        self.me = me
        self.sender = sender
        self.bundle = bundle
        self.progress = progress
        # Made in `run`, once the sender's origins are claimed: authority reads who owns which.
        self.authority: Authority
        self.merger: Merger
        self.ops = 0
        self.held = 0
        self.reincarnated = False
        self.refused: list[RefusedOp] = []
        self._returns: dict[str, tuple[int, str]] = {}  # at HQ: see `vectors.return_bounds`
        self._log: list[OpRow] = []
        self._held_max: dict[str, int] = {}
        self._vector: Vector | None = None  # holdings as the bundle began (they grow at its end)
        self._now = iso_from_ms(vault.clock.now_ms())
        self._first_n = self.conn.execute("SELECT coalesce(max(n), 0) + 1 FROM oplog").fetchone()[0]
        self._ahead = stamp_limit(
            vault.clock.now_ms(), bundle.header.created_ms, sender.role == "hq"
        )

    def run(self) -> ImportResult:
        header = self.bundle.header
        stream = payload.items(self.bundle.chunks(), header.payload_len)
        first = next(stream, None)
        if first is None or first.kind != START:
            raise malformed("it does not begin with a start item")
        data = first.json()
        start = StartItem.parse(data, header.origin)
        self._claim_origins(start)
        adopt_origins(self.conn, self.me.fingerprint, start.yours, self._now)
        revocations.take(self.vault, start.revocations, self.sender.fingerprint)
        station_audit.take(self.vault, self.me.public.role, data, self.sender.fingerprint)
        compromise.take_flags(self.vault, self.me.public.role, data)
        self._check_own_history(start)
        me = self.me.fingerprint
        hq = me if self.me.public.role == "hq" else self.sender.fingerprint
        self.authority = Authority(self.conn, me, hq, self.sender)
        self.merger = Merger(self.vault.store, self.vault.clock, me == hq, self.authority)
        self.merger.sender_holds(start.origins, start.vector, start.authors_held)
        total = sum(b - a for a, b in start.coverage.values())
        incoming: _IncomingFile | None = None
        end: Any = None
        # The loop runs once per op: the checks are written out here, not called.
        coverage = start.coverage
        # At HQ: the station's own ops, and ours it sends back (HQ restored from a backup).
        if self.me.public.role == "hq":
            self._returns = return_bounds(self.conn, self.sender.fingerprint)
        theirs = (
            None
            if self.me.public.role == "station"
            else frozenset(start.origins) | frozenset(self._returns)
        )
        with self.vault.store.bulk_indexing(), contextlib.ExitStack() as files:
            for item in stream:
                if item.kind == BLOB:
                    if incoming is None:
                        raise malformed("attachment bytes without an attachment")
                    incoming.write(item.body)
                    continue
                if incoming is not None:
                    incoming.finish()
                    incoming = None
                if item.kind == OP:
                    op = Op.from_json(item.json())
                    span = coverage.get(op.origin)
                    if span is None or not span[0] < op.seq <= span[1]:
                        raise malformed("an op outside the bundle's declared coverage")
                    if theirs is not None and op.origin not in theirs:
                        raise BundleRefused(
                            "foreign-origin",
                            f"{self.sender.name} sent changes that are not its own.",
                        )
                    self.ops += 1
                    if self.progress and self.ops % 1000 == 0:
                        self.progress(self.ops, total)
                    if op.entity == "attachment" and op.creates:
                        incoming = files.enter_context(self._receive_file(op))
                    else:
                        self._apply(op)
                elif item.kind == END:
                    end = item.json()
                else:
                    raise malformed("a second start item")
            self.merger.flush()
            if theirs is not None:
                self._resend_whole()
        if not isinstance(end, dict) or end.get("ops") != self.ops:
            raise malformed("the end item does not match the ops received")
        self._record(start)
        if theirs is None and "withdrawn" in end:
            withdrawal.withdraw(self.vault, withdrawal.parse(end["withdrawn"]))
        reported = start.report.take(self.conn, self.sender.fingerprint, self._now)
        bundle_refused = refusals.take_bundle_refused(
            self.conn, self.sender.fingerprint, start.report.bundle, own_origins(self.conn)
        )
        stats = self.merger.stats
        return ImportResult(
            self.bundle.path,
            self.sender.fingerprint,
            self.sender.name,
            "applied",
            ops=self.ops,
            applied=stats.applied,
            already_held=self.held,
            conflicts=stats.conflicts,
            orphans=stats.orphans,
            new_incarnation=self.reincarnated,
            kinds=frozenset(stats.touched),
            refused=tuple(sorted(self.refused, key=lambda r: (r.origin, r.seq))),
            refused_by_peer=tuple(reported),
            bundle_refused_by_peer=bundle_refused,
        )

    def _resend_whole(self) -> None:
        """At HQ: log a snapshot of every record whose distribution a station changed.

        The station's own snapshot holds what it knew. Stations the record now
        reaches may have acknowledged past changes made elsewhere (a deletion at
        HQ, another station's edit) while it did not reach them; HQ holds every
        change, so its snapshot brings them the record as it really stands.
        """
        self._flush_log()
        for entity, record_id in sorted(self.merger.stats.redistributed):
            self.vault.store.log_snapshots(BY_NAME[entity], record_id)

    def _claim_origins(self, start: StartItem) -> None:
        """HQ learns which origins each station writes under; none may take another's."""
        mine = set(own_origins(self.conn))
        for origin in start.origins:
            owner = self.conn.execute(
                "SELECT fingerprint FROM peer_origins WHERE origin = ?", (origin,)
            ).fetchone()
            if origin in mine or (owner and owner[0] != self.sender.fingerprint):
                raise BundleRefused(
                    "foreign-origin", f"{self.sender.name} claims changes that are not its own."
                )
            self.conn.execute(
                "INSERT INTO peer_origins (origin, fingerprint, name) VALUES (?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET name = excluded.name",
                (origin, self.sender.fingerprint, self.sender.name),
            )
        if self.me.public.role == "station":
            for origin, (fingerprint, name) in start.owners.items():
                if origin not in mine:
                    self.conn.execute(
                        "INSERT INTO peer_origins (origin, fingerprint, name) VALUES (?, ?, ?) "
                        "ON CONFLICT (origin) DO UPDATE SET name = excluded.name",
                        (origin, fingerprint, name[:200]),
                    )

    def _check_own_history(self, start: StartItem) -> None:
        """The peer holds more of our current origin than we do, or holds another op
        under a number we hold: we are an old copy (that may have written since).

        Start a new incarnation and carry over every op after what the peer
        acknowledged before the copy was made; the peer then sends back what the
        copy lost, and merges our newer work under numbers it has never seen.
        """
        origin = self.vault.info.origin
        held = max_seq(self.conn, origin)
        if start.vector.get(origin, 0) <= held and self._same_tip(origin, start.tips.get(origin)):
            return
        acked = acks(self.conn, self.sender.fingerprint).get(origin, 0)
        self.vault.start_incarnation(carry_after=acked)
        audit.record(self.conn, self.vault.clock, "new-incarnation", carried_after=acked)
        self.reincarnated = True

    def _same_tip(self, origin: str, tip: tuple[int, str] | None) -> bool:
        """Whether the op the peer holds last of ours is the one we hold under that number."""
        if tip is None:
            return True
        row = self.conn.execute(
            "SELECT hlc FROM oplog WHERE origin = ? AND seq = ?", (origin, tip[0])
        ).fetchone()
        return row is not None and row[0] == tip[1]

    def _holds(self, op: Op) -> tuple[Any, ...] | None:
        """The op with the same origin and number that we hold, if any (`_REFUSED` if we
        refused it when it came before, or, at a station, if HQ passed it over: a refusal
        is final, as an acceptance is)."""
        held = self._held_max.get(op.origin)
        if held is None:
            held = self._held_max[op.origin] = max(
                max_seq(self.conn, op.origin), vector(self.conn).get(op.origin, 0)
            )
        if op.seq > held:
            return None  # beyond anything held: no query needed (the common case)
        self._flush_log()
        row = self.conn.execute(
            "SELECT hlc, record_id FROM oplog WHERE origin = ? AND seq = ?", (op.origin, op.seq)
        ).fetchone()
        if row is None:
            refused = self.conn.execute(
                "SELECT 1 FROM refused_ops WHERE origin = ? AND seq = ?", (op.origin, op.seq)
            ).fetchone()
            if refused:
                return _REFUSED
            if self.me.public.role == "station" and op.seq <= self._holdings(op.origin):
                # A bundle from HQ that covered it did not carry it: not routed here by
                # then (a narrowed record, withdrawn), so an older bundle cannot bring it.
                return _REFUSED
            return None
        return tuple(row)

    def _holdings(self, origin: str) -> int:
        if self._vector is None:
            self._vector = vector(self.conn)
        return self._vector.get(origin, 0)

    def _flush_log(self) -> None:
        """Append the ops applied so far to the oplog, less creations refused since."""
        met = self.merger.take_met()
        if met:
            self._judge_met({(record_id, stamp): origin for record_id, stamp, origin in met})
        self.vault.store.append_ops(self._log)
        self._log.clear()

    def _judge_met(self, met: dict[tuple[str, str], str]) -> None:
        """Creations that met a record already held: refused unless from its creator."""
        kept = []
        for row in self._log:
            held = met.get((row[4], row[2])) if row[6] == "{}" and row[7] is None else None
            reason = held and self.authority.collision(row[0], held)
            if reason:
                self._refuse(RefusedOp(row[0], row[1], row[3], row[4], reason))
                self.merger.stats.applied -= 1
            else:
                kept.append(row)
        self._log = kept

    def _refuse(self, op: RefusedOp) -> None:
        """Keep an op out of the vault, and the refusal in it (to report, here and back)."""
        if refusals.record(self.conn, self.sender.fingerprint, op, self._now):
            self.refused.append(op)
        else:
            self.held += 1

    def _receive_file(self, op: Op) -> _IncomingFile:
        """Apply an attachment's op; its bytes, as they arrive, go straight into its row."""
        size = op.fields.get("size")
        if type(size) is not int or not 0 <= size <= MAX_ATTACHMENT:
            raise malformed("an attachment's size is missing or out of bounds")
        row = self.merger.blob_row if self._apply(op) else None
        target = None
        if row is not None and size:
            target = self.conn.open_blob("attachments", "data", row)
        return _IncomingFile(size, str(op.fields.get("sha256")), target)

    def _apply(self, op: Op) -> bool:
        """Apply an op unless we hold it already (then it must be the same op) or refuse it."""
        held = self._holds(op)
        if held is not None:
            if held is not _REFUSED and held != (op.hlc, op.record_id):
                raise _diverged(self.sender, f"change {op.seq} differs from the one received")
            self.held += 1
            return False
        limit = self._ahead
        returned = self._returns.get(op.origin)
        refused = (
            CLOCK_AHEAD
            if op.hlc > limit
            or (op.base and max(op.base.values()) > limit)
            or (op.clocks is not None and max(op.clocks.values()) > limit)
            else NOT_AUTHORISED
            if returned
            and (op.seq <= returned[0] or op.hlc > returned[1] or not self.authority.may_return(op))
            else self.merger.apply(op)
        )
        if refused:
            self._refuse(RefusedOp(op.origin, op.seq, op.entity, op.record_id, refused))
            return False
        self._log.append(
            (
                op.origin,
                op.seq,
                op.hlc,
                op.entity,
                op.record_id,
                payload.encode_json(op.fields),
                payload.encode_json(op.base) if op.base else "{}",
                payload.encode_json(op.clocks) if op.clocks is not None else None,
            )
        )
        if len(self._log) >= 1000:
            self._flush_log()
        return True

    def _record(self, start: StartItem) -> None:
        self._flush_log()
        record_returns(self.conn, self.sender.fingerprint, start.coverage)
        held = vector(self.conn)
        for origin, (low, high) in start.coverage.items():
            extend_holdings(self.conn, origin, low, high, held.get(origin, 0))
        header = self.bundle.header
        record_acks(
            self.conn, self.sender.fingerprint, start.origins, header.bundle_seq, start.vector
        )
        refusals.bundle_applied(
            self.conn, self.sender.fingerprint, header.origin, header.bundle_seq
        )
        now = iso_from_ms(self.vault.clock.now_ms())
        self.conn.execute(
            "INSERT INTO bundles_in (sender, origin, seq, digest, applied_at, ops, first_n) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self.sender.fingerprint,
                header.origin,
                header.bundle_seq,
                self.bundle.digest,
                now,
                self.ops,
                self._first_n,  # where its ops begin in the oplog: `compromise.HeldOps`
            ),
        )
        self.conn.execute(
            "UPDATE peers SET last_in_at = ? WHERE fingerprint = ?", (now, self.sender.fingerprint)
        )


_REFUSED = ("refused",)  # what `_holds` returns for an op refused when it came before


class _IncomingFile:
    """One attachment's bytes as they arrive: counted, hashed, and written into its row
    (`target`, None if this vault holds the attachment already). Never held whole."""

    def __init__(self, size: int, sha256: str, target: Blob | None) -> None:
        self.size = size
        self.sha256 = sha256
        self.target = target
        self.written = 0
        self.hash = hashlib.sha256()

    def write(self, piece: bytes) -> None:
        if self.written + len(piece) > self.size:
            raise malformed("an attachment is longer than it says")
        self.hash.update(piece)
        if self.target is not None:
            self.target.write(piece)
        self.written += len(piece)

    def finish(self) -> None:
        if self.written != self.size or self.hash.hexdigest() != self.sha256:
            raise malformed("an attachment's bytes do not match its size and checksum")
        self.close()

    def close(self) -> None:
        if self.target is not None:
            self.target.close()
            self.target = None

    def __enter__(self) -> _IncomingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
