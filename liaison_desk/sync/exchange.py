"""Writing the next bundle for a peer (applying one is `sync.importing`).

A station sends HQ every op it authored that HQ has not acknowledged; HQ sends
each station the ops of records routed to it (see `core.routing`) that the
station has not acknowledged. Every bundle also carries the sender's vector,
which acknowledges what it holds; and, from HQ, the records a station must
withdraw because their distribution narrowed away from it (`sync.withdrawal`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.atomic import fsync_dir, storage_error
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync import (
    behind,
    compromise,
    payload,
    pending,
    refusals,
    revocations,
    routes,
    station_audit,
    temp_rows,
)
from liaison_desk.sync.bundle import write_bundle
from liaison_desk.sync.bundle_names import bundle_name
from liaison_desk.sync.errors import PeerError
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.ops import OPLOG_COLUMNS, Op
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import BLOB, BLOB_PIECE, END, OP, START, json_item
from liaison_desk.sync.peers import Peer, get_peer
from liaison_desk.sync.vectors import (
    Vector,
    acks,
    claims_for,
    dense,
    own_origins,
    peer_origins,
    returnable,
    tips,
    vector,
)

log = logging.getLogger("liaison_desk.sync")

Progress = Callable[[int, int], None]  # ops done, ops in all
_ORIGINS_SENT = "origins-sent:"  # meta key prefix: incarnations our last bundle to a peer listed


@dataclass(frozen=True)
class ExportResult:
    path: Path
    peer: str
    peer_name: str
    bundle_seq: int
    ops: int
    attachments: int
    size: int


# -- exporting ------------------------------------------------------------------------------------


def _active_peer(vault: Vault, fingerprint: str) -> Peer:
    peer = get_peer(vault.conn, fingerprint)
    if peer is None:
        raise PeerError("That peer is not enrolled.")
    if not peer.active:
        raise PeerError(f"{peer.name} is revoked; nothing is sent to it.")
    return peer


@dataclass
class _Plan:
    """What a bundle for one peer will carry, fixed inside one read transaction."""

    coverage: dict[str, tuple[int, int]]
    start: dict[str, Any]
    total: int
    attachments: int = 0
    ops: int = 0
    withdrawn: dict[str, str] = field(default_factory=dict)  # record id -> kind, for the peer


def _coverage(
    conn: Connection, role: str, peer: Peer, held: Vector, mine: list[str]
) -> dict[str, tuple[int, int]]:
    """The ops a bundle for `peer` covers, per origin: (after, up to) what it acknowledged.

    `held` is our vector and `mine` our incarnations (the same for every peer: a caller
    asking for many peers reads them once).
    """
    acked = acks(conn, peer.fingerprint)
    # A station sends its own ops, and gives HQ restored from a backup back those of HQ's
    # that reached it; HQ sends what it holds.
    sendable = mine + returnable(conn, peer.fingerprint) if role == "station" else list(held)
    top = _tops(conn, sendable, held, mine)
    return {o: (acked.get(o, 0), top[o]) for o in sendable if top[o] > acked.get(o, 0)}


def _tops(conn: Connection, sendable: list[str], held: Vector, mine: list[str]) -> Vector:
    """How far we can send each origin: what we hold of it.

    Of our own past incarnations, what peers sent back may hold a gap (a restore): we cover
    only up to it, or the peer would count the missing op as passed over, and never get it.
    """
    return {o: dense(conn, o) if o in mine[:-1] else held.get(o, 0) for o in sendable}


def _plan(vault: Vault, me: Identity, peer: Peer, fanout: Fanout) -> _Plan:
    conn = vault.conn
    held = vector(conn)
    mine = own_origins(conn)
    coverage = _coverage(conn, me.public.role, peer, held, mine)
    names = routes.origin_names(conn, me, list(coverage))
    start = {
        "origins": mine,
        "yours": peer_origins(conn, peer.fingerprint),
        "vector": {o: s for o, s in (held | claims_for(conn, peer.fingerprint)).items() if s},
        "coverage": {o: list(r) for o, r in coverage.items()},
        "owners": names,
        "tips": {o: list(t) for o, t in tips(conn, peer.fingerprint).items()},
        **refusals.for_start(conn, peer.fingerprint),
    }
    if me.public.role == "hq":
        others = [o for o in coverage if o not in mine]
        forwarded = routes.authors_held(conn, others, peer, lambda fp: fanout.acks_of(conn, fp))
        if forwarded:
            start["authors_held"] = forwarded
    total = sum(b - a for a, b in coverage.values())
    return _Plan(coverage, start, total)


_IN_RANGE = "JOIN export_range r ON o.origin = r.origin AND o.seq > r.after AND o.seq <= r.upto"


# Only an op that sets a distribution can tell a peer to withdraw a record: its JSON holds
# this (a quote inside a value is escaped), and so may a value; `Router.withdrawn` decides.
_SETS_DISTRIBUTION = '"distribution"'


def _for_peer(
    conn: Connection,
    coverage: dict[str, tuple[int, int]],
    router: routes.Router | None,
    progress: Progress | None = None,
) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """The covered ops the peer gets, in log order, as oplog rows (`OPLOG_COLUMNS`), each
    with False; with True, an op that narrows away a record the peer held
    (`Router.withdrawn`: the record is named, the op not sent). At a station, every op.

    Deciding needs only an op's record: an op is decoded only when it may withdraw one.
    At a busy HQ most covered ops are other stations' and go nowhere.
    """
    if not coverage:
        return
    temp_rows.fill_spans(conn, "export_range", coverage)
    total = sum(b - a for a, b in coverage.values())
    cursor = conn.execute(f"SELECT {OPLOG_COLUMNS} FROM oplog o {_IN_RANGE} ORDER BY o.n")
    for done, row in enumerate(cursor, 1):
        if progress and done % 1000 == 0:
            progress(done, total)
        if router is None or router.routed(row[3], row[4]):
            yield row, False
        elif (
            _SETS_DISTRIBUTION in row[5]
            and router.reached(row[3], row[4])
            and router.withdrawn(Op.from_row(row))
        ):
            yield row, True


def _fit_files(vault: Vault, me: Identity, peer: Peer, plan: _Plan, fanout: Fanout) -> None:
    """End the bundle before the attachment that would take it past `payload.MAX_FILES`.

    A reader refuses a bundle declaring more attachment bytes than that as a
    compression bomb, so the rest waits for the next bundle, written once this
    one is acknowledged: each origin's range stops short of its first op past
    the cut (oplog order), so every range still holds every op it claims.
    """
    conn = vault.conn
    temp_rows.fill_spans(conn, "export_range", plan.coverage)
    router = routes.Router(conn, peer, fanout.facts) if me.public.role == "hq" else None
    rows = conn.execute(
        f"SELECT o.n, {OPLOG_COLUMNS} FROM oplog o {_IN_RANGE} "
        "WHERE o.entity = 'attachment' ORDER BY o.n"
    ).fetchall()
    files = 0
    cut = None
    for n, *row in rows:
        op = Op.from_row(tuple(row))
        if not op.creates or (router is not None and not router.routed(op.entity, op.record_id)):
            continue
        size = payload.declared_size(op.to_json()) or 0
        if files and files + size > payload.MAX_FILES:
            cut = n
            break
        files += size
    if cut is None:
        return
    after_cut = dict(
        conn.execute(
            f"SELECT o.origin, min(o.seq) FROM oplog o {_IN_RANGE} "
            "WHERE o.n >= ? GROUP BY o.origin",
            (cut,),
        ).fetchall()
    )
    coverage = {}
    for origin, (low, high) in plan.coverage.items():
        upto = min(high, after_cut[origin] - 1) if origin in after_cut else high
        if upto > low:
            coverage[origin] = (low, upto)
    plan.coverage = coverage
    plan.start["coverage"] = {o: list(r) for o, r in coverage.items()}
    plan.total = sum(b - a for a, b in coverage.values())
    log.info("bundle cut at %d bytes of attachments; the rest follows", files)


def _items(
    vault: Vault,
    me: Identity,
    peer: Peer,
    plan: _Plan,
    progress: Progress | None,
    fanout: Fanout,
) -> Iterator[bytes]:
    conn = vault.conn
    if me.public.role == "hq":
        held = compromise.HeldOps(conn)
        ops = fanout.ops_for(conn, peer.fingerprint, plan.coverage, progress)
    else:
        held = None
        ops = _for_peer(conn, plan.coverage, None, progress)
    yield json_item(START, plan.start)
    for row, withdrawn in ops:
        if held and held.holds(row):  # a revoked station's, after its compromise
            continue
        if withdrawn:
            plan.withdrawn[row[4]] = row[3]
            continue
        op = Op.from_row(row)
        plan.ops += 1
        yield json_item(OP, op.to_json())
        if op.entity == "attachment" and op.creates:
            (row,) = conn.execute(
                "SELECT n FROM attachments WHERE id = ?", (op.record_id,)
            ).fetchone()
            plan.attachments += 1
            # Read in pieces: an attachment is never held whole.
            blob = conn.open_blob("attachments", "data", row, readonly=True)
            try:
                while piece := blob.read(BLOB_PIECE):
                    yield payload.item(BLOB, piece)
            finally:
                blob.close()
    end: dict[str, Any] = {"ops": plan.ops, "attachments": plan.attachments}
    if plan.withdrawn:
        end["withdrawn"] = [[kind, record_id] for record_id, kind in plan.withdrawn.items()]
    yield json_item(END, end)
    if progress:
        progress(plan.total, plan.total)


def _next_bundle_seq(vault: Vault, peer: Peer, ops: int) -> int:
    """Claim the next number in its own transaction, so two exports never share one."""
    conn = vault.conn
    with vault.store.transaction():
        origin = vault.info.origin
        row = conn.execute(
            "SELECT max(seq) FROM bundles_out WHERE peer = ? AND origin = ?",
            (peer.fingerprint, origin),
        ).fetchone()
        seq = int(row[0] or 0) + 1
        conn.execute(
            "INSERT INTO bundles_out (peer, origin, seq, created_at, ops, bytes) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            (peer.fingerprint, origin, seq, iso_from_ms(vault.clock.now_ms()), ops),
        )
    return seq


def export_bundle(
    vault: Vault,
    peer_fingerprint: str,
    dest_dir: Path,
    progress: Progress | None = None,
    random_bytes: Callable[[int], bytes] = os.urandom,
    fanout: Fanout | None = None,
) -> ExportResult:
    """Write the next bundle for a peer into `dest_dir` (atomically: temp name, fsync, rename).

    `fanout`, given the same to each bundle of one sync, reads and routes each op once for
    all the peers (see `sync.fanout`).
    """
    fanout = fanout or Fanout()
    conn = vault.conn
    me = load_identity(conn)
    peer = _active_peer(vault, peer_fingerprint)
    if me.public.role == "hq":
        routes.welcome_to_groups(vault, peer)
    notice = revocations.for_start(vault, me)
    seq = _next_bundle_seq(vault, peer, 0)
    origin = vault.info.origin
    path = dest_dir / bundle_name(me.fingerprint, peer.fingerprint, origin, seq)
    tmp = dest_dir / f".{path.name}.part"
    conn.execute("BEGIN")  # one consistent snapshot of the oplog for the whole bundle
    try:
        fanout.check(conn)
        plan = _plan(vault, me, peer, fanout)
        _fit_files(vault, me, peer, plan, fanout)
        plan.start.update(notice)
        plan.start.update(station_audit.for_start(vault, me.public.role, peer.fingerprint))
        plan.start.update(compromise.flags_for_start(vault, me.public.role, peer))
        with open(tmp, "w+b", opener=_private) as out:
            size = write_bundle(
                out,
                me,
                peer.identity,
                seq,
                origin,
                vault.clock.now_ms(),
                payload.compressed(_items(vault, me, peer, plan, progress, fanout)),
                random_bytes,
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        fsync_dir(dest_dir)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, path) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        conn.execute("COMMIT")
    with vault.store.transaction():
        conn.execute(
            "UPDATE bundles_out SET ops = ?, bytes = ? WHERE peer = ? AND origin = ? AND seq = ?",
            (plan.ops, size, peer.fingerprint, origin, seq),
        )
        conn.execute(
            "UPDATE peers SET last_out_at = ? WHERE fingerprint = ?",
            (iso_from_ms(vault.clock.now_ms()), peer.fingerprint),
        )
        if "bundle_refused" in plan.start:
            refusals.told_bundle_refused(conn, peer.fingerprint)
        listed = [plan.start["origins"], plan.start["yours"]]
        vault.set_meta(_ORIGINS_SENT + peer.fingerprint, json.dumps(listed))
        audit.record(conn, vault.clock, "bundle-exported", ops=plan.ops, bytes=size, seq=seq)
    log.info("bundle %d exported: %d ops, %d bytes", seq, plan.ops, size)
    return ExportResult(path, peer.fingerprint, peer.name, seq, plan.ops, plan.attachments, size)


def _origins_sent(vault: Vault, peer: Peer) -> list[list[str]] | None:
    """The incarnations, ours and the peer's, that our last bundle to `peer` listed."""
    row = vault.conn.execute(
        "SELECT value FROM meta WHERE key = ?", (_ORIGINS_SENT + peer.fingerprint,)
    ).fetchone()
    return list(json.loads(row[0])) if row else None


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def needs_bundle(vault: Vault, peer: Peer) -> bool:
    """Whether a bundle for `peer` is owed (see `Owed.owes`)."""
    with owed_reader(vault) as owed:
        return owed.owes(peer)


def pending_ops(vault: Vault, peer: Peer) -> int:
    """How many ops the next bundle for `peer` would carry (see `Owed.pending`)."""
    with owed_reader(vault) as owed:
        return owed.pending([peer])[peer.fingerprint]


@contextmanager
def owed_reader(vault: Vault) -> Iterator[Owed]:
    """What peers are owed, read in one snapshot of the vault (not inside a transaction)."""
    vault.conn.execute("BEGIN")
    try:
        yield Owed(vault)
    finally:
        vault.conn.execute("COMMIT")


class Owed:
    """What each peer is owed, with what every peer shares (our vector, our incarnations,
    our role) read once: HQ asks it of 200 stations at every auto-sync check."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._conn = vault.conn
        self._role = vault.info.role
        self._held = vector(self._conn)
        self._mine = own_origins(self._conn)
        self._facts = routes.RecordFacts()  # each record read once for every peer
        self._behind: set[str] | None = None
        self._top: Vector | None = None

    def _hq_top(self) -> Vector:
        """How far HQ can send each origin: the same for every station, read once."""
        if self._top is None:
            self._top = _tops(self._conn, list(self._held), self._held, self._mine)
        return self._top

    def _hq_spans(self, stations: set[str]) -> pending.Spans:
        """`_coverage` at HQ for `stations`, turned around: per origin, each
        station's (after, up to). Right after HQ sent, 200 stations x 200 origins are
        behind, but most stations acknowledged the same of each origin: the acknowledgements
        are read grouped by (origin, number), one row per group, in one query."""
        top = self._hq_top()
        spans: pending.Spans = {}
        listed: dict[str, set[str]] = {}
        for origin, seq, peers in self._conn.execute(
            "SELECT origin, seq, group_concat(peer, ' ') FROM acks GROUP BY origin, seq"
        ).fetchall():
            these = stations.intersection(peers.split(" "))
            listed.setdefault(origin, set()).update(these)
            upto = top.get(origin, 0)
            if these and upto > seq:
                spans.setdefault(origin, {}).update(dict.fromkeys(these, (seq, upto)))
        for origin, upto in top.items():
            unlisted = stations.difference(listed.get(origin, ()))
            if unlisted and upto > 0:
                spans.setdefault(origin, {}).update(dict.fromkeys(unlisted, (0, upto)))
        return spans

    def _ops(self, peer: Peer) -> Iterator[tuple[tuple[Any, ...], bool]]:
        coverage = _coverage(self._conn, self._role, peer, self._held, self._mine)
        if not coverage:
            return iter(())
        router = routes.Router(self._conn, peer, self._facts) if self._role == "hq" else None
        return _for_peer(self._conn, coverage, router)

    def _short(self, peer: Peer) -> bool:
        """Whether `peer` may lack an op we hold. HQ decides it for all its stations at once
        (`sync.behind`): most have acknowledged everything, and are not read one by one."""
        if self._role != "hq":
            return True
        if self._behind is None:
            status = dict(self._conn.execute("SELECT fingerprint, status FROM peers").fetchall())
            active = {fp for fp, s in status.items() if s == "enrolled"}
            self._behind = behind.behind(self._conn, self._hq_top(), active, set(status) - active)
        return peer.fingerprint in self._behind

    def pending(self, peers: list[Peer]) -> dict[str, int]:
        """How many ops the next bundle for each of `peers` would carry (what it has not
        acknowledged; at HQ, less what it holds back from a compromised station), counting
        each record it would tell the peer to withdraw as one. HQ routes each op once for
        all of them (`sync.pending`)."""
        if self._role == "hq":
            # The spans say who falls short: `sync.behind` is not asked as well.
            active = {p.fingerprint for p in peers if p.active}
            return dict.fromkeys((p.fingerprint for p in peers), 0) | pending.counts(
                self._conn, self._hq_spans(active), self._facts
            )
        coverages = {
            p.fingerprint: _coverage(self._conn, self._role, p, self._held, self._mine)
            for p in peers
        }
        return {
            fp: sum(1 for _ in _for_peer(self._conn, coverage, None))
            for fp, coverage in coverages.items()
        }

    def owes(self, peer: Peer) -> bool:
        """Whether a bundle for `peer` is owed: changes it lacks, or news of what we now hold.

        A peer whose changes reached us since our last bundle is owed the
        acknowledgement, or it would send them again; one whose bundle we refused
        whole is owed the news of it (`sync.refusals`). A bundle that carried no
        changes (itself only an acknowledgement) calls for no answer, so two
        vaults syncing often do not trade empty bundles forever. One is owed too when
        the incarnations it would list, ours or the peer's, differ from those the last
        one listed: a vault restored from a backup, or told of an incarnation of its
        own (`vectors.adopt_origins`), or whose peer now writes under a new one. Until
        both sides know every incarnation of the other, acknowledgements are not
        taken (`vectors.record_acks`) and a peer may believe it holds what a lost copy
        held. The first op found that the peer lacks answers: the rest are not routed.
        """
        conn = self._conn
        if (
            peer.last_out_at is None
            or refusals.bundle_refusal_untold(conn, peer.fingerprint)
            or (self._short(peer) and next(self._ops(peer), None) is not None)
        ):
            return True
        listed = [self._mine, peer_origins(conn, peer.fingerprint)]
        if _origins_sent(self._vault, peer) != listed:
            return True
        row = conn.execute(
            "SELECT 1 FROM bundles_in WHERE sender = ? AND ops > 0 AND applied_at >= ? LIMIT 1",
            (peer.fingerprint, peer.last_out_at),
        ).fetchone()
        return row is not None
