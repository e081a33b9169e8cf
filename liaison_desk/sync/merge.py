"""Merging a received op into the records: per-field last-writer-wins, conflicts kept.

Every vault applies the same rule, so all converge whatever order ops arrive
in: a field takes the value with the highest clock stamp (origin breaks ties).
Ops arrive in causal order (a bundle carries every op from the point the
receiver acknowledged, in the sender's log order), so a field edit whose base
clock is not the clock this vault holds was made without seeing this vault's
value: if the two values differ, the loser is kept as a conflict for someone
to resolve. Deleting a record someone else edited concurrently, and editing
a record someone else deleted, are conflicts too; there the deletion stands
on every vault (the merge never undeletes: only a restore, a new edit, does),
and the record's field conflicts close with it.

HQ, where every edit meets, keeps every conflict; a station keeps those that
involve its own edits (its officer has nothing to decide between two others').

Before an op changes anything, `sync.authority` says whether its author had
the right to make it; a refused op changes nothing, and `apply` returns the
reason to the caller, which keeps the op out of the oplog.

This module decides and keeps the conflicts; the store writes the records
(`Store.new_records` for records new here, `Store.write_merged` for fields won).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.hlc import Stamp, stamp_origin
from liaison_desk.core.kinds import CONTACT, CONTACT_POINT, Kind
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.store import Store
from liaison_desk.core.write_rights import PARENT_LINK
from liaison_desk.sync import legacy_ops
from liaison_desk.sync.authority import Authority
from liaison_desk.sync.ops import Op
from liaison_desk.sync.payload import malformed

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
DELETED = "deleted"


def withdrawn_mark(record_id: str) -> str:
    """The meta key a station keeps for a record withdrawn from it (see `_take_back_own`)."""
    return f"withdrawn:{record_id}"


_ORPHANED = "orphaned:"  # meta key prefix: a record ops arrived for before the record did


@dataclass
class MergeStats:
    applied: int = 0
    conflicts: int = 0
    orphans: int = 0  # ops for records this vault does not hold (kept in the log)
    touched: set[str] = field(default_factory=set)  # kinds changed, for the GUI to refresh
    # Records whose distribution this merge changed (kind name, id): HQ sends them out whole.
    redistributed: set[tuple[str, str]] = field(default_factory=set)


def _plain(kind: Kind[Any], name: str, value: Any) -> Any:
    """A column value as an op carries it (lists decoded), for comparing values."""
    if name in kind.list_fields:
        return json.loads(value) if isinstance(value, str) else list(value or ())
    if name == DELETED or name in kind.bool_fields:
        return bool(value)
    return value


class Merger:
    """Decides what each op changes in one vault, inside the caller's transaction.

    `authority` judges who may change what; without one every op is applied (the
    merge law alone, as its own tests drive it).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        every_conflict: bool,
        authority: Authority | None = None,
    ) -> None:
        self._conn = conn = store.conn
        self._authority = authority
        self._every_conflict = every_conflict
        self._mine = {o for (o,) in conn.execute("SELECT origin FROM incarnations")}
        self._store = store
        self._new = store.new_records()
        self._clock = clock
        self._open_conflicts = bool(
            conn.execute("SELECT 1 FROM conflicts WHERE status = 'open' LIMIT 1").fetchone()
        )
        self.stats = MergeStats()
        self._newest = ""
        self.blob_row: int | None = None
        self._held_by: dict[str, dict[str, int]] = {}
        self._orphaned = {
            str(k)[len(_ORPHANED) :]
            for (k,) in conn.execute("SELECT key FROM meta WHERE key LIKE ?", (_ORPHANED + "%",))
        }

    def sender_holds(
        self,
        origins: Iterable[str],
        vector: dict[str, int],
        authors_held: dict[str, dict[str, int]] | None = None,
    ) -> None:
        """What the vault whose bundle is being applied wrote under, and held when it wrote it;
        and, at a station, what HQ last heard each other author it forwards held.

        Only an edit by a vault that by then held both sides of a conflict settles
        the conflict (see `_supersede`).
        """
        self._held_by = dict(authors_held or {})
        self._held_by.update((origin, vector) for origin in origins)

    def apply(self, op: Op) -> str | None:
        """Merge one op, or refuse it: returns the reason (and the op changes nothing).

        A new attachment is inserted as zeros of its size, and `blob_row` names the
        row to write its bytes into (None if this vault already held it or refused it).
        A creation queued here may meet a record already held when the queue is
        written: see `take_met`.
        """
        kind = op.kind
        authority = self._authority
        self.blob_row = None
        if op.clocks is None and not op.base and DELETED not in op.fields:
            # A creation meets no row here: ids are never reused, and a snapshot that
            # brought the record earlier holds these values at the same or newer clocks.
            # So creations are inserted in batches, and one that meets a row is skipped
            # (and judged by the caller: see `take_met`).
            if authority is not None:
                if kind.not_in_oplog:
                    self.flush()  # an attachment's owner may be queued
                refused = authority.creation(op)
                if refused:
                    return refused
            self._create(kind, op)
            if op.record_id in self._orphaned:
                self._adopt_orphans(kind, op.record_id)
            if kind.not_in_oplog and self.blob_row is None and authority is not None:
                refused = self._met_held(kind, op)
                if refused:
                    return refused
        else:
            self.flush()
            row = self._conn.execute(
                f"SELECT {kind.columns()}, {DELETED}, clocks, hlc, origin FROM {kind.table} "
                "WHERE id = ?",
                (op.record_id,),
            ).fetchone()
            if row is not None:
                if authority is not None:
                    link = PARENT_LINK.get(kind.name)
                    parent = row[kind.fields.index(link) + 3] if link else None
                    refused = authority.change(op, row[-1], parent)
                    if refused:
                        return refused
                self._merge(kind, op, row[:-1])
            elif op.creates:
                if authority is not None:
                    refused = authority.creation(op)
                    if refused:
                        return refused
                self._create(kind, op)
                self.flush()
                if op.clocks is not None:
                    self._take_back_own(kind, op.record_id)
                if op.record_id in self._orphaned:
                    self._adopt_orphans(kind, op.record_id)
            else:
                self.stats.orphans += 1
                if op.record_id not in self._orphaned:
                    self._orphaned.add(op.record_id)
                    self._conn.execute(
                        "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')",
                        (_ORPHANED + op.record_id,),
                    )
        if op.hlc > self._newest:  # stamps of fixed width compare as text
            self._newest = op.hlc
        self.stats.applied += 1
        self.stats.touched.add(kind.name)
        return None

    def flush(self) -> None:
        """Write the queued new records (before anything reads the tables).

        Also moves our clock past every stamp applied so far, so that an edit made
        here later sorts after everything this vault has seen.
        """
        self._new.flush()
        if self._newest:
            self._store.observe(Stamp.parse(self._newest))

    def take_met(self) -> list[tuple[str, str, str]]:
        """Creations written since the last call that met a record already held:
        (record id, the creation's stamp, the origin the held record was created under).

        Ids are never reused, so such a creation came from the record's creator
        before (in a snapshot), or is a forgery; the caller, which keeps the ops'
        log, judges which (`Authority.collision`).
        """
        self.flush()
        met, self._new.skipped = self._new.skipped, []
        return met

    def _met_held(self, kind: Kind[Any], op: Op) -> str | None:
        """An attachment's creation met an attachment already held: judged at once."""
        (origin,) = self._conn.execute(
            f"SELECT origin FROM {kind.table} WHERE id = ?", (op.record_id,)
        ).fetchone()
        assert self._authority is not None
        return self._authority.collision(op.origin, origin)

    def _create(self, kind: Kind[Any], op: Op) -> None:
        """A record this vault does not have yet: queued, or an attachment inserted now."""
        fields = op.fields
        old: dict[str, tuple[Any, str]] = {}
        if kind is CONTACT:  # maybe written before a contact had all today's fields
            fields = legacy_ops.with_defaults(fields)
            old = {f: (v, op.clock_of(f)) for f, v in legacy_ops.old_fields(op).items()}
            if old:
                self.flush()
                if self._conn.execute(
                    "SELECT 1 FROM contacts WHERE id = ?", (op.record_id,)
                ).fetchone():
                    old = {}  # held already: skipped below, and judged (`take_met`)
        try:
            if kind.not_in_oplog:  # an attachment, whose bytes follow the op
                self.blob_row = self._new.add_attachment(
                    kind, op.record_id, fields, op.hlc, op.clocks
                )
            else:
                self._new.add(kind, op.record_id, fields, op.hlc, op.clocks)
        except KeyError as exc:
            raise malformed(f"a new {kind.name} lacks its {exc.args[0]}") from None
        if old:
            self._merge_old_fields(op, old, fields["marking"])

    def _merge_old_fields(self, op: Op, old: dict[str, tuple[Any, str]], marking: str) -> None:
        """Set the points a contact's old fields stand for, each as a snapshot at the clock
        its field won at (see `sync.legacy_ops`)."""
        self.flush()
        contact_id = op.record_id
        kind = CONTACT_POINT

        def held(channel: str) -> int:
            row = self._conn.execute(
                "SELECT count(*) FROM contact_points WHERE contact_id = ? AND channel = ?",
                (contact_id, channel),
            ).fetchone()
            return int(row[0])

        for name, (value, stamp) in old.items():
            points = legacy_ops.derived_points(contact_id, name, value, marking, held)
            for point_id, fields in points:
                row = self._conn.execute(
                    f"SELECT {kind.columns()}, {DELETED}, clocks, hlc FROM {kind.table} "
                    "WHERE id = ?",
                    (point_id,),
                ).fetchone()
                if fields is None and row is None:
                    continue
                wanted = {DELETED: True} if fields is None else {**fields, DELETED: False}
                point = Op(op.origin, op.seq, stamp, kind.name, point_id, wanted, {}, {"*": stamp})
                if row is None:
                    self._create(kind, point)
                else:
                    self._merge(kind, point, row)
            self.flush()
        self.stats.touched.add(kind.name)

    def _take_back_own(self, kind: Kind[Any], record_id: str) -> None:
        """A record withdrawn here comes back whole (widened again): what this vault wrote
        of it, which the snapshot may predate, is merged into it again.

        HQ never sends a vault its own ops back, so without this an edit made here
        before the withdrawal, taken by HQ after the snapshot was logged, would be
        missing here for good.
        """
        mark = withdrawn_mark(record_id)
        if not self._conn.execute("DELETE FROM meta WHERE key = ?", (mark,)).rowcount:
            return
        mine = sorted(self._mine)
        self._replay(kind, record_id, f"AND origin IN ({', '.join('?' * len(mine))})", mine)

    def _adopt_orphans(self, kind: Kind[Any], record_id: str) -> None:
        """The record that ops logged here earlier were for has arrived: they are merged in.

        Ops come in causal order, so this happens only when a peer's belief of what
        this vault holds ran ahead of the truth (a vault restored from a backup, the
        first bundle before each side knows the other's incarnations): the creation
        came in a later bundle than an edit of it, which would otherwise be lost here
        for good, being held (logged) and so never sent again.
        """
        self.flush()
        self._orphaned.discard(record_id)
        self._conn.execute("DELETE FROM meta WHERE key = ?", (_ORPHANED + record_id,))
        self._replay(kind, record_id, "", [], judged=True)

    def _replay(
        self, kind: Kind[Any], record_id: str, where: str, params: list[str], judged: bool = False
    ) -> None:
        """Merge the logged ops of a record (those matching `where`) into it, in log order;
        `judged`: each is judged by the authority first, as if it arrived now."""
        rows = self._conn.execute(
            "SELECT origin, seq, hlc, entity, record_id, fields, base, clocks FROM oplog "
            f"WHERE record_id = ? {where} ORDER BY n",
            (record_id, *params),
        ).fetchall()
        for row in rows:
            op = Op.from_row(row)
            held = self._conn.execute(
                f"SELECT {kind.columns()}, {DELETED}, clocks, hlc, origin FROM {kind.table} "
                "WHERE id = ?",
                (record_id,),
            ).fetchone()
            if judged and self._authority is not None:
                link = PARENT_LINK.get(kind.name)
                parent = held[kind.fields.index(link) + 3] if link else None
                if self._authority.change(op, held[-1], parent):
                    continue
            self._merge(kind, op, held[:-1])

    # -- a record both sides hold ----------------------------------------------------------

    def _merge(self, kind: Kind[Any], op: Op, row: tuple[Any, ...]) -> None:
        names = ("id", "created_at", "updated_at", *kind.fields)
        local = dict(zip(names, row[:-3], strict=True))
        deleted_here = bool(row[-3])
        local[DELETED] = deleted_here
        clocks: dict[str, str] = json.loads(row[-2])
        snapshot = op.clocks is not None
        changes: dict[str, Any] = {}

        if not snapshot and DELETED not in op.fields and deleted_here:
            # Its author could not have edited a record they saw deleted: concurrent.
            self._conflict(kind, op, DELETED, True, clocks.get(DELETED, clocks["*"]), False)
        if not snapshot and op.fields.get(DELETED) is True and not deleted_here:
            unseen = [
                f
                for f, stamp in clocks.items()
                if f not in ("*", DELETED) and stamp != op.base.get(f, op.base.get("*"))
            ]
            if unseen:
                self._conflict(kind, op, DELETED, False, max(clocks[f] for f in unseen), True)

        old: dict[str, tuple[Any, str] | None] = {}
        skipped = kind.not_in_oplog
        if kind is CONTACT:
            old = self._old_fields_won(op, clocks)
            skipped = legacy_ops.LEGACY_FIELDS
        for name, value in op.fields.items():
            if name in skipped:
                continue
            theirs = op.clock_of(name)
            mine = clocks.get(name, clocks["*"])
            if theirs == mine:
                continue
            current = _plain(kind, name, local[name])
            concurrent = (
                not snapshot
                and name != DELETED
                and op.base.get(name, clocks["*"]) != mine
                and value != current
            )
            if theirs > mine:
                changes[name] = value
                clocks[name] = theirs
            if concurrent:
                self._conflict(kind, op, name, current, mine, value, theirs)
            elif theirs > mine and self._open_conflicts:
                self._supersede(op, name, theirs)

        if "distribution" in changes:
            self.stats.redistributed.add((kind.name, op.record_id))
        if changes or old:
            self._store.write_merged(kind, op.record_id, changes, clocks)
        if changes.get(DELETED, deleted_here) and self._open_conflicts:
            self._close_with_deletion(op.record_id)
        won = {f: v for f, v in old.items() if v is not None}
        if won:
            self._merge_old_fields(op, won, changes.get("marking", local["marking"]))

    def _old_fields_won(self, op: Op, clocks: dict[str, str]) -> dict[str, tuple[Any, str] | None]:
        """The old fields (`sync.legacy_ops`) an op on a held contact sets at a newer clock
        than held, with that clock; their clocks in `clocks` move on. A snapshot's clocks
        of old fields it does not set move them on too (mapped to None: nothing to set)."""
        out: dict[str, tuple[Any, str] | None] = {}
        for name in sorted(legacy_ops.LEGACY_FIELDS):
            if name in op.fields:
                theirs = op.clock_of(name)
            elif op.clocks is not None and name in op.clocks:
                theirs = op.clocks[name]
            else:
                continue
            if theirs > clocks.get(name, clocks["*"]):
                clocks[name] = theirs
                out[name] = (op.fields[name], theirs) if name in op.fields else None
        return out

    def _conflict(
        self,
        kind: Kind[Any],
        op: Op,
        name: str,
        mine: Any,
        mine_clock: str,
        theirs: Any,
        theirs_clock: str | None = None,
    ) -> None:
        theirs_clock = theirs_clock or op.hlc
        if (
            not self._every_conflict
            and not {stamp_origin(mine_clock), stamp_origin(theirs_clock)} & self._mine
        ):
            return
        if (
            name == DELETED
            and self._conn.execute(
                "SELECT 1 FROM conflicts WHERE record_id = ? AND field = ? AND status = 'open'",
                (op.record_id, DELETED),
            ).fetchone()
        ):
            return  # one deletion conflict per record, however many edits crossed it
        self._conn.execute(
            "INSERT INTO conflicts (entity, record_id, field, local_value, local_clock, "
            "remote_value, remote_clock, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind.name,
                op.record_id,
                name,
                _ENCODER.encode(mine),
                mine_clock,
                _ENCODER.encode(theirs),
                theirs_clock,
                iso_from_ms(self._clock.now_ms()),
            ),
        )
        self._open_conflicts = True
        self.stats.conflicts += 1

    def _close_with_deletion(self, record_id: str) -> None:
        """A deleted record's field conflicts close with the deletion (resolution `deleted`).

        Neither value can be written into a deleted record; both stay in the closed
        conflict, and a restore brings back the one the merge kept.
        """
        self._conn.execute(
            "UPDATE conflicts SET status = 'resolved', resolution = ?, resolved_at = ? "
            "WHERE record_id = ? AND field != ? AND status = 'open'",
            (DELETED, iso_from_ms(self._clock.now_ms()), record_id, DELETED),
        )

    def _supersede(self, op: Op, name: str, stamp: str) -> None:
        """A later edit made with both conflicting values in view settles the conflict.

        A later clock alone does not show that its author saw both values (it may
        have edited on top of the winner, never having received the loser). The
        bundle's vector does, at the time it was written: an edit by the sender
        settles a conflict only if the sender held both sides' ops by then. An
        edit forwarded by HQ from another station is judged by what HQ last heard
        that station held (the start item's `authors_held`), so a resolution made
        at one station closes the conflict at the others too. An edit made before
        its author received the loser may still pass for one made after; its own
        vault then records the conflict itself, as the merge sees it.
        """
        held = self._held_by.get(op.origin)
        if held is None:
            return  # from a vault whose holdings this bundle does not tell
        rows = self._conn.execute(
            "SELECT n, local_clock, remote_clock FROM conflicts WHERE record_id = ? "
            "AND field = ? AND status = 'open' AND local_clock < ? AND remote_clock < ?",
            (op.record_id, name, stamp, stamp),
        ).fetchall()
        settled = [n for n, mine, theirs in rows if _held(self._conn, held, mine, theirs)]
        if settled:
            self._conn.executemany(
                "UPDATE conflicts SET status = 'resolved', resolution = 'superseded', "
                "resolved_at = ? WHERE n = ?",
                [(iso_from_ms(self._clock.now_ms()), n) for n in settled],
            )


def _held(conn: Connection, vector: dict[str, int], *stamps: str) -> bool:
    """Whether a vault holding `vector` held the ops that wrote these stamps."""
    for stamp in stamps:
        origin = stamp_origin(stamp)
        row = conn.execute(
            "SELECT seq FROM oplog WHERE origin = ? AND hlc = ?", (origin, stamp)
        ).fetchone()
        if row is None or row[0] > vector.get(origin, 0):
            return False
    return True
