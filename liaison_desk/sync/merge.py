"""Merging a received op into the records: per-field last-writer-wins, conflicts kept.

Every vault applies the same rule, so all converge whatever order ops arrive
in: a field takes the value with the highest clock stamp (origin breaks ties).
Ops arrive in causal order (a bundle carries every op from the point the
receiver acknowledged, in the sender's log order), so a field edit whose base
clock is not the clock this vault holds was made without seeing this vault's
value: if the two values differ, the loser is kept as a conflict for someone
to resolve. Deleting a record someone else edited concurrently, and editing
a record someone else deleted, are conflicts too.

HQ, where every edit meets, keeps every conflict; a station keeps those that
involve its own edits (its officer has nothing to decide between two others').
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.kinds import Kind
from liaison_desk.core.schema import Connection
from liaison_desk.core.store import Store
from liaison_desk.sync.ops import Op
from liaison_desk.sync.payload import malformed

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
DELETED = "deleted"


@dataclass
class MergeStats:
    applied: int = 0
    conflicts: int = 0
    orphans: int = 0  # ops for records this vault does not hold (kept in the log)
    created: int = 0
    touched: set[str] = field(default_factory=set)  # kinds changed, for the GUI to refresh


def _plain(kind: Kind[Any], name: str, value: Any) -> Any:
    """A column value as an op carries it (lists decoded), for comparing values."""
    if name in kind.list_fields:
        return json.loads(value) if isinstance(value, str) else list(value or ())
    if name == DELETED:
        return bool(value)
    return value


@functools.cache
def _insert_sql(kind: Kind[Any]) -> str:
    fields = [f for f in kind.fields if f not in kind.not_in_oplog] + list(kind.not_in_oplog)
    columns = ["id", "created_at", "updated_at", "hlc", "origin", "clocks", DELETED, *fields]
    return (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' * len(columns))}) ON CONFLICT (id) DO NOTHING"
    )


class Merger:
    """Applies ops to one vault inside the caller's transaction."""

    def __init__(self, conn: Connection, store: Store, clock: Clock, every_conflict: bool) -> None:
        self._conn = conn
        self._every_conflict = every_conflict
        self._mine = {o for (o,) in conn.execute("SELECT origin FROM incarnations")}
        self._store = store
        self._clock = clock
        self._open_conflicts = bool(
            conn.execute("SELECT 1 FROM conflicts WHERE status = 'open' LIMIT 1").fetchone()
        )
        self.stats = MergeStats()
        self._queued: dict[str, list[tuple[Any, ...]]] = {}

    def apply(self, op: Op, data: bytes | None = None) -> None:
        kind = op.kind
        if op.clocks is None and op.creates:
            # A creation meets no row here: ids are never reused, and a snapshot that
            # brought the record earlier holds these values at the same or newer clocks.
            # So creations are inserted in batches, and one that meets a row is skipped.
            self._queue_create(kind, op, data)
        else:
            self.flush()
            row = self._conn.execute(
                f"SELECT {kind.columns()}, {DELETED}, clocks, hlc FROM {kind.table} WHERE id = ?",
                (op.record_id,),
            ).fetchone()
            if row is not None:
                self._merge(kind, op, row)
            elif op.creates:
                self._queue_create(kind, op, data)
                self.flush()
            else:
                self.stats.orphans += 1
        self._store.observe(Stamp.parse(op.hlc))
        self.stats.applied += 1
        self.stats.touched.add(kind.name)

    def flush(self) -> None:
        """Insert the queued new records (before anything reads the tables)."""
        for sql, rows in self._queued.items():
            self._conn.executemany(sql, rows)
        self._queued.clear()

    # -- a record this vault does not have yet ---------------------------------------------

    def _queue_create(self, kind: Kind[Any], op: Op, data: bytes | None) -> None:
        if kind.name == "attachment" and data is None:
            raise malformed("an attachment arrives without its bytes")
        missing = [f for f in kind.fields if f not in op.fields and f not in kind.not_in_oplog]
        if missing:
            raise malformed(f"a new {kind.name} lacks its {missing[0]}")
        clocks = dict(op.clocks) if op.clocks is not None else {"*": op.hlc}
        newest = Stamp.parse(max(clocks.values()))
        created = Stamp.parse(clocks["*"])
        values = [kind.encode(f, op.fields[f]) for f in kind.fields if f not in kind.not_in_oplog]
        if data is not None:
            values.append(data)
        self._queued.setdefault(_insert_sql(kind), []).append(
            (
                op.record_id,
                iso_from_ms(created.ms),
                iso_from_ms(newest.ms),
                str(newest),
                created.origin,
                f'{{"*":"{op.hlc}"}}' if op.clocks is None else _ENCODER.encode(clocks),
                int(bool(op.fields.get(DELETED, False))),
                *values,
            )
        )
        if len(self._queued[_insert_sql(kind)]) >= 1000:
            self.flush()
        self.stats.created += 1

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

        for name, value in op.fields.items():
            if name in kind.not_in_oplog:
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
                self._supersede(op.record_id, name, theirs)

        if changes:
            newest = max(clocks.values())
            assignments = ", ".join(f"{f} = ?" for f in changes)
            self._conn.execute(
                f"UPDATE {kind.table} SET {assignments}, updated_at = ?, hlc = ?, clocks = ? "
                "WHERE id = ?",
                (
                    *(int(v) if f == DELETED else kind.encode(f, v) for f, v in changes.items()),
                    iso_from_ms(Stamp.parse(newest).ms),
                    newest,
                    _ENCODER.encode(clocks),
                    op.record_id,
                ),
            )

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
            and not {
                Stamp.parse(mine_clock).origin,
                Stamp.parse(theirs_clock).origin,
            }
            & self._mine
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

    def _supersede(self, record_id: str, name: str, stamp: str) -> None:
        """A later edit made with both conflicting values in view settles the conflict."""
        self._conn.execute(
            "UPDATE conflicts SET status = 'resolved', resolution = 'superseded', "
            "resolved_at = ? WHERE record_id = ? AND field = ? AND status = 'open' "
            "AND local_clock < ? AND remote_clock < ?",
            (iso_from_ms(self._clock.now_ms()), record_id, name, stamp, stamp),
        )
