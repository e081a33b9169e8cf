"""Reading and writing records, each change logged to the oplog in the same transaction.

Every write stamps the changed fields with a hybrid-logical-clock stamp, keeps
per-field clocks on the row (``clocks``: ``{"*": stamp at creation, field:
stamp of its last change}``) and appends one oplog row carrying the new values
and the clocks they replace. Sync (a later layer) merges from exactly these.

The store is the one writer of record rows and oplog rows: local edits, and
what a sync merge decided to take from a peer (`new_records`, `write_merged`,
`append_ops`), which arrives with its own stamps and is not logged again here.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from liaison_desk.core import audit, routing, search_batch, write_rights
from liaison_desk.core import markings as markings_mod
from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.errors import RecordNotFound, ValidationError
from liaison_desk.core.hlc import HybridClock, Stamp, stamp_ms
from liaison_desk.core.ids import is_uuid, uuid7
from liaison_desk.core.kinds import ALL_KINDS, Kind, R, children_of, kind_of
from liaison_desk.core.list_query import ListQuery as ListQuery  # callers take it with the Store
from liaison_desk.core.list_query import where_clause
from liaison_desk.core.received_records import NewRecords
from liaison_desk.core.records import Attachment
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.validation import validate

log = logging.getLogger("liaison_desk.store")

Progress = Callable[[int], None]
# An oplog row as stored: origin, seq, hlc, entity, record_id, then fields, base and
# clocks as JSON text (clocks None but for a snapshot).
OpRow = tuple[str, int, str, str, str, str, str, str | None]

_INSERT_OP = (
    "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base, clocks) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(value: Any) -> str:
    # One shared encoder: json.dumps() with options builds a new one on every call.
    return _ENCODER.encode(value)


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _children(kind: Kind[Any]) -> list[tuple[Kind[Any], str]]:
    """What travels with a record of `kind`: its files and its child records (a meeting's
    participants, a contact's points...), each with the field that names the record."""
    out: list[tuple[Kind[Any], str]] = [(kind_of(Attachment), "owner_id")]
    out.extend((child, child.parent[1]) for child in children_of(kind.name) if child.parent)
    return out


class Store:
    """The records of one unlocked vault."""

    def __init__(
        self,
        conn: Connection,
        origin: str,
        clock: Clock,
        random_bytes: Callable[[int], bytes] = os.urandom,
        role: str = "station",
    ) -> None:
        self.conn = conn
        self.origin = origin
        self.role = role
        self._clock = clock
        self._random = random_bytes
        self._hlc = HybridClock(clock, origin)
        self._depth = 0
        self._next_seq = 0
        self._bulk = False
        self._unwritten_audit: list[audit.AuditEntry] = []

    # -- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested calls join the outer one.

        Audit entries the disk refused earlier (`audit_later`) go in first, so they
        are written with the first transaction that commits.
        """
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            self._resume_oplog()
            unwritten = len(self._unwritten_audit)
            for entry in self._unwritten_audit[:unwritten]:
                audit.write(self.conn, entry)
            yield
            self.conn.execute("COMMIT")
            del self._unwritten_audit[:unwritten]
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._depth = 0

    def audit_later(self, entry: audit.AuditEntry) -> None:
        """Keep an audit entry a read-only or full disk refused, for the next transaction."""
        self._unwritten_audit.append(entry)
        log.info("audit entry %s kept until the vault can be written", entry.event)

    def observe(self, stamp: Stamp) -> None:
        """Move our clock past a stamp received from a peer (merge calls this)."""
        self._hlc.observe(stamp)

    def now(self) -> Stamp:
        return self._hlc.now()

    def set_origin(self, origin: str) -> None:
        """Write under a new origin from now on (a new incarnation of this vault)."""
        last = self._hlc.now()
        self.origin = origin
        self._hlc = HybridClock(self._clock, origin, last)
        if self._depth:
            self._resume_oplog()

    def _resume_oplog(self) -> None:
        """Continue our sequence and clock from what is committed (another process may write)."""
        row = self.conn.execute(
            "SELECT seq, hlc FROM oplog WHERE origin = ? ORDER BY seq DESC LIMIT 1", (self.origin,)
        ).fetchone()
        self._next_seq = (row[0] + 1) if row else 1
        if row:
            self._hlc.observe(Stamp.parse(row[1]))

    def _append_op(
        self,
        clock: str,
        kind: Kind[Any],
        record_id: str,
        fields: dict[str, Any],
        base: dict[str, Any] | None = None,
        clocks: dict[str, str] | None = None,
    ) -> None:
        self.conn.execute(
            _INSERT_OP,
            (
                self.origin,
                self._next_seq,
                clock,
                kind.name,
                record_id,
                _json(fields),
                _json(base) if base else "{}",
                _json(clocks) if clocks else None,
            ),
        )
        self._next_seq += 1

    def _joined(self, what: str) -> None:
        """The merge's writes are parts of an import: alone, each row would commit by itself."""
        if not self._depth:
            raise RuntimeError(f"Store.{what} called outside a transaction")

    def append_ops(self, rows: Iterable[OpRow]) -> None:
        """Append ops as received from a peer (their origins and numbers are theirs)."""
        self._joined("append_ops")
        self.conn.executemany(_INSERT_OP, rows)

    def carry_ops(self, old_origin: str, after: int) -> int:
        """Move `old_origin`'s ops after number `after` to our origin, renumbered from our
        next number (a new incarnation re-sends its recent work); returns how many moved.

        One INSERT ... SELECT: a restored vault may carry many ops, none held in memory.
        """
        with self.transaction():
            first = self._next_seq
            moved = self.conn.execute(
                "INSERT INTO oplog (origin, seq, hlc, entity, record_id, fields, base, clocks) "
                "SELECT ?, ? + row_number() OVER (ORDER BY seq) - 1, hlc, entity, record_id, "
                "fields, base, clocks FROM oplog WHERE origin = ? AND seq > ? ORDER BY seq",
                (self.origin, first, old_origin, after),
            ).rowcount
            self.conn.execute("DELETE FROM oplog WHERE origin = ? AND seq > ?", (old_origin, after))
            self._next_seq = first + moved
        return moved

    # -- writing what a sync merge decided (inside the import's transaction) --------------

    def new_records(self) -> NewRecords:
        """A batch writer for records received from peers (see `core.received_records`)."""
        self._joined("new_records")
        return NewRecords(self.conn)

    def write_merged(
        self,
        kind: Kind[Any],
        record_id: str,
        changes: Mapping[str, Any],
        clocks: Mapping[str, str],
    ) -> None:
        """Set the fields a merge took from a peer, with every field's clock after it.

        Values are as ops carry them (lists as lists, `deleted` as a boolean); the
        row's `hlc` and `updated_at` follow its newest clock (`changes` may be empty: a
        contact's old fields have clocks and no column, see `sync.legacy_ops`). Nothing is
        logged: the op that brought the change is appended as received (`append_ops`).
        """
        self._joined("write_merged")
        newest = max(clocks.values())
        assignments = "".join(f"{f} = ?, " for f in changes)
        self.conn.execute(
            f"UPDATE {kind.table} SET {assignments}updated_at = ?, hlc = ?, clocks = ? "
            "WHERE id = ?",
            (
                *(int(v) if f == "deleted" else kind.encode(f, v) for f, v in changes.items()),
                iso_from_ms(stamp_ms(newest)),
                newest,
                _json(clocks),
                record_id,
            ),
        )

    def withdraw(self, kind: Kind[Any], record_id: str, keep: Iterable[str]) -> list[str]:
        """Remove a record this vault may no longer see (its distribution narrowed away).

        The child records and files that travel with it go too, and every op held of
        them, except what was written under the origins in `keep` (this vault's own
        work: its log stays dense, and its peers hold it). Returns the ids of the
        records that went: none if the record is not held or is this vault's own.
        """
        self._joined("withdraw")
        own = tuple(keep)
        marks = ", ".join("?" * len(own))
        row = self.conn.execute(
            f"SELECT origin FROM {kind.table} WHERE id = ?", (record_id,)
        ).fetchone()
        if row is None or row[0] in own:
            return []
        gone = [(kind, record_id)]
        for child, link in _children(kind):
            rows = self.conn.execute(
                f"SELECT id FROM {child.table} WHERE {link} = ? AND origin NOT IN ({marks})",
                (record_id, *own),
            ).fetchall()
            gone.extend((child, child_id) for (child_id,) in rows)
        for gone_kind, gone_id in gone:
            self.conn.execute(f"DELETE FROM {gone_kind.table} WHERE id = ?", (gone_id,))
            self.conn.execute(
                f"DELETE FROM oplog WHERE record_id = ? AND origin NOT IN ({marks})",
                (gone_id, *own),
            )
        return [gone_id for _, gone_id in gone]

    # -- writing ----------------------------------------------------------------------------

    def markings(self) -> tuple[str, ...]:
        return markings_mod.get_markings(self.conn)

    def exists(self, kind: Kind[Any], record_id: str) -> bool:
        row = self.conn.execute(
            f"SELECT 1 FROM {kind.table} WHERE id = ? AND deleted = 0", (record_id,)
        ).fetchone()
        return row is not None

    def add(self, record: R) -> R:
        """Store a new record; returns it with its id and timestamps."""
        return self.add_many([record])[0]

    def add_many(self, records: Iterable[R], progress: Progress | None = None) -> list[R]:
        """Store new records in one transaction: all of them or none."""
        out: list[R] = []
        with self.transaction(), self._bulk_indexing() as first_rows:
            markings = self.markings()
            for record in records:
                kind = kind_of(type(record))
                if kind.indexed and kind not in first_rows:
                    first_rows[kind] = search_batch.last_row(self.conn, kind)
                out.append(self._insert(record, markings))
                if progress and len(out) % 1000 == 0:
                    progress(len(out))
        log.info("added %d records", len(out))
        return out

    @contextmanager
    def bulk_indexing(self) -> Iterator[None]:
        """Index every row inserted inside the block once, at its end (sync's merge uses this).

        Rows inserted and then updated inside the block were indexed by the update
        trigger already; they are replaced, not indexed twice.
        """
        with self._bulk_indexing(replace=True) as first_rows:
            for kind in ALL_KINDS:
                if kind.indexed:
                    first_rows[kind] = search_batch.last_row(self.conn, kind)
            yield

    @contextmanager
    def _bulk_indexing(self, replace: bool = False) -> Iterator[dict[Kind[Any], int]]:
        """Index new rows in one statement per table at the end (see schema_sql.search_source).

        Yields a map the caller fills with each table's last row number before its
        first insert; rows after it are indexed on the way out.
        """
        if self._bulk:
            yield {}  # an outer add_many indexes everything
            return
        first_rows: dict[Kind[Any], int] = {}
        self._bulk = True
        self.conn.execute("INSERT INTO meta (key, value) VALUES ('bulk-indexing', '1')")
        try:
            yield first_rows
            search_batch.index_new_rows(self.conn, first_rows, replace)
            search_batch.index_stale(self.conn, first_rows)
            self.conn.execute("DELETE FROM meta WHERE key = 'bulk-indexing'")
        finally:
            self._bulk = False

    def _insert(self, record: R, markings: Sequence[str]) -> R:
        kind = kind_of(type(record))
        if record.id and not is_uuid(record.id):
            raise ValidationError(f"{record.id!r} is not a record id.")
        if record.id and self._row_exists(kind, record.id):
            raise ValidationError(f"A {kind.name} with id {record.id} already exists.")
        stamp = self._hlc.now()
        clock = str(stamp)
        now = iso_from_ms(stamp.ms)
        record_id = record.id or uuid7(stamp.ms, self._random)
        values = {f: getattr(record, f) for f in kind.fields}
        if not values["distribution"]:
            values["distribution"] = routing.default_for(self.role, kind.name)
        if isinstance(record, Attachment):
            values["sha256"] = hashlib.sha256(record.data).hexdigest()
            values["size"] = len(record.data)
        values = validate(kind, record_id, values, markings, self.exists, self._country_of)
        if self.role != "hq":
            write_rights.check_new(self.conn, kind, values)
        self.conn.execute(
            kind.insert_sql,
            (
                record_id,
                now,
                now,
                clock,
                self.origin,
                f'{{"*":"{clock}"}}',  # the creation clock covers every field
                *(kind.encode(f, v) for f, v in values.items()),
            ),
        )
        logged = {f: _jsonable(v) for f, v in values.items() if f not in kind.not_in_oplog}
        self._append_op(clock, kind, record_id, logged)
        return kind.cls(id=record_id, created_at=now, updated_at=now, **values)

    def _country_of(self, contact_id: str) -> str | None:
        row = self.conn.execute("SELECT country FROM contacts WHERE id = ?", (contact_id,))
        found = row.fetchone()
        return found[0] if found else None

    def _row_exists(self, kind: Kind[Any], record_id: str) -> bool:
        """Any row, tombstones included: an id is never reused."""
        sql = f"SELECT 1 FROM {kind.table} WHERE id = ?"
        return self.conn.execute(sql, (record_id,)).fetchone() is not None

    def update(
        self, cls: type[R], record_id: str, changes: Mapping[str, Any], force: bool = False
    ) -> R:
        """Change some fields; only fields whose value really changes are logged.

        `force` logs the given fields even if unchanged: resolving a conflict in
        favour of the value already shown still has to reach the peers.
        """
        kind = kind_of(cls)
        unknown = set(changes) - set(kind.fields)
        if unknown:
            raise ValidationError(f"A {kind.name} has no field {sorted(unknown)[0]}.")
        frozen = set(changes) & kind.immutable
        if frozen:
            raise ValidationError(f"The {sorted(frozen)[0]} of a {kind.name} cannot be changed.")
        with self.transaction():
            current, clocks = self._load(kind, record_id)
            before = {f: getattr(current, f) for f in kind.fields}
            kept = {v for f, v in before.items() if f not in changes}
            kept.update(i for f in kind.list_fields for i in before[f])  # ids a list still names

            def exists(ref_kind: Kind[Any], ref_id: str) -> bool:
                # A reference left as it was stays valid even if its target was deleted since.
                return ref_id in kept or self.exists(ref_kind, ref_id)

            wanted = before | dict(changes)
            wanted["distribution"] = wanted["distribution"] or before["distribution"]
            values = validate(kind, record_id, wanted, self.markings(), exists, self._country_of)
            changed = [f for f in kind.fields if values[f] != before[f] or (force and f in changes)]
            if not changed:
                return current
            if self.role != "hq":
                write_rights.check_change(self.conn, kind, record_id, set(changed))
            stamp = self._hlc.now()
            clock = str(stamp)
            updated_at = iso_from_ms(stamp.ms)
            base = {f: clocks.get(f, clocks["*"]) for f in changed}
            clocks.update(dict.fromkeys(changed, clock))
            assignments = ", ".join(f"{f} = ?" for f in changed)
            self.conn.execute(
                f"UPDATE {kind.table} SET {assignments}, updated_at = ?, hlc = ?, clocks = ? "
                "WHERE id = ?",
                (
                    *(kind.encode(f, values[f]) for f in changed),
                    updated_at,
                    clock,
                    _json(clocks),
                    record_id,
                ),
            )
            self._append_op(
                clock, kind, record_id, {f: _jsonable(values[f]) for f in changed}, base
            )
            if "distribution" in changed:
                self.log_snapshots(kind, record_id)
        return kind.cls(
            id=record_id, created_at=current.created_at, updated_at=updated_at, **values
        )

    def log_snapshots(self, kind: Kind[Any], record_id: str) -> None:
        """Log the whole record, and the child records and files that travel with it.

        A new distribution can reach a station that has acknowledged past this
        record's earlier changes; the snapshot (every field with its own clock)
        gives it the record whole. Stations that already hold it change nothing.
        """
        self._log_snapshot(kind, record_id)
        for child, link in _children(kind):
            rows = self.conn.execute(
                f"SELECT id FROM {child.table} WHERE {link} = ?", (record_id,)
            ).fetchall()
            for (child_id,) in rows:
                self._log_snapshot(child, child_id)

    def _log_snapshot(self, kind: Kind[Any], record_id: str) -> None:
        row = self.conn.execute(
            f"SELECT {kind.columns()}, deleted, clocks FROM {kind.table} WHERE id = ?",
            (record_id,),
        ).fetchone()
        record = kind.from_row(row[:-2])
        fields = {
            f: _jsonable(getattr(record, f)) for f in kind.fields if f not in kind.not_in_oplog
        }
        fields["deleted"] = bool(row[-2])
        self._append_op(str(self._hlc.now()), kind, record_id, fields, None, json.loads(row[-1]))

    def delete(self, cls: type[Any], record_id: str, force: bool = False) -> None:
        """Leave a tombstone: the record disappears from lists and search, sync learns of it.

        The op's base holds every field clock the deleter saw, so a peer can tell an
        edit made without knowing of the deletion (a conflict) from one it overrides.
        `force` re-asserts the deletion of a record already deleted (a conflict's choice).
        """
        self._set_deleted(kind_of(cls), record_id, True, include_deleted=force)

    def restore(self, cls: type[Any], record_id: str) -> None:
        """Bring back a deleted record (a deletion conflict resolved in favour of the edit)."""
        self._set_deleted(kind_of(cls), record_id, False, include_deleted=True)

    def _set_deleted(
        self, kind: Kind[Any], record_id: str, deleted: bool, include_deleted: bool
    ) -> None:
        with self.transaction():
            _, clocks = self._load(kind, record_id, include_deleted=include_deleted)
            if self.role != "hq":
                write_rights.check_change(self.conn, kind, record_id, {"deleted"})
            stamp = self._hlc.now()
            before = clocks.get("deleted", clocks["*"])
            base = dict(clocks, deleted=before) if deleted else {"deleted": before}
            clock = str(stamp)
            clocks["deleted"] = clock
            self.conn.execute(
                f"UPDATE {kind.table} SET deleted = ?, updated_at = ?, hlc = ?, clocks = ? "
                "WHERE id = ?",
                (int(deleted), iso_from_ms(stamp.ms), clock, _json(clocks), record_id),
            )
            self._append_op(clock, kind, record_id, {"deleted": deleted}, base)

    # -- reading ----------------------------------------------------------------------------

    def _load(
        self, kind: Kind[R], record_id: str, include_deleted: bool = False
    ) -> tuple[R, dict[str, str]]:
        live = "" if include_deleted else " AND deleted = 0"
        row = self.conn.execute(
            f"SELECT {kind.columns()}, clocks FROM {kind.table} WHERE id = ?{live}",
            (record_id,),
        ).fetchone()
        if row is None:
            raise RecordNotFound(f"There is no {kind.name} with id {record_id}.")
        return kind.from_row(row[:-1]), json.loads(row[-1])

    def get(self, cls: type[R], record_id: str) -> R:
        return self._load(kind_of(cls), record_id)[0]

    def list(self, cls: type[R], query: ListQuery = ListQuery()) -> list[R]:
        kind = kind_of(cls)
        order = query.order_by or kind.default_order
        if order not in kind.fields and order not in ("n", "created_at", "updated_at"):
            raise ValidationError(f"A {kind.name} list cannot be sorted by {order}.")
        collate = " COLLATE NOCASE" if order in ("name", "full_name", "title") else ""
        direction = " DESC" if query.descending else ""
        where, params = where_clause(kind, query)
        cursor = self.conn.execute(
            f"SELECT {kind.columns()} FROM {kind.table} WHERE {where} "
            f"ORDER BY {order}{collate}{direction}, id{direction} LIMIT ? OFFSET ?",
            (*params, query.limit, query.offset),
        )
        return [kind.from_row(row) for row in cursor]

    def count(self, cls: type[Any], query: ListQuery = ListQuery()) -> int:
        kind = kind_of(cls)
        where, params = where_clause(kind, query)
        return int(
            self.conn.execute(
                f"SELECT count(*) FROM {kind.table} WHERE {where}", params
            ).fetchone()[0]
        )
