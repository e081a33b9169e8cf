"""New records received from peers, written in batches: the store's side of a merge.

A sync merge (`sync.merge`) decides that an op brings a record this vault does
not hold; `NewRecords` writes it. Rows are queued and inserted with one
statement per kind and thousand rows, so a bundle of 100,000 creations costs a
hundred statements, not 100,000. The caller flushes before anything reads the
tables. A row whose id is taken already is skipped (`ON CONFLICT DO NOTHING`):
ids are never reused, so such a row came earlier with the same or newer values,
unless a peer forged it; the skipped rows are listed (`skipped`, with the
origin the held row was created under) for the merge to judge.

Values arrive as ops carry them (lists as lists, clocks as stamp text); the
stamps give the row its times and origin (see `core.hlc`).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.hlc import stamp_ms, stamp_ms_origin
from liaison_desk.core.kinds import Kind
from liaison_desk.core.sqlite_types import Connection

_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
BATCH = 1000


@dataclass(frozen=True, eq=False)  # one per kind (cached): hashed by identity, as a dict key
class _Layout:
    """How a received record of one kind is inserted (worked out once per kind)."""

    sql: str  # inserts the record unless its id is taken; attachments' bytes as zeros
    values: Callable[[Mapping[str, Any]], tuple[Any, ...]]  # the op's fields, in column order
    lists: tuple[tuple[int, str], ...]  # (index in `values`, name) of the list fields


_LAYOUTS: dict[str, _Layout] = {}  # by kind name (hashing a Kind costs more than a lookup)


def _layout(kind: Kind[Any]) -> _Layout:
    layout = _LAYOUTS.get(kind.name)
    if layout is None:
        layout = _LAYOUTS[kind.name] = _new_layout(kind)
    return layout


def _new_layout(kind: Kind[Any]) -> _Layout:
    logged = tuple(f for f in kind.fields if f not in kind.not_in_oplog)
    columns = ["id", "created_at", "updated_at", "hlc", "origin", "clocks", "deleted", *logged]
    places = ["?"] * len(columns)
    # Fields that never travel in ops (an attachment's bytes) start as zeros of the op's
    # `size`: the bytes that follow the op are written into the row as they arrive.
    columns += kind.not_in_oplog
    places += ["zeroblob(?)"] * len(kind.not_in_oplog)
    sql = (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) "
        f"VALUES ({', '.join(places)}) ON CONFLICT (id) DO NOTHING"
    )
    lists = tuple((i, f) for i, f in enumerate(logged) if f in kind.list_fields)
    # itemgetter picks them all in one call (a tuple for two names or more: every kind has).
    return _Layout(sql, operator.itemgetter(*logged), lists)


class NewRecords:
    """Received records queued for insertion (made by `Store.new_records`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._queued: dict[_Layout, list[tuple[Any, ...]]] = {}
        self._tables: dict[_Layout, str] = {}
        # Rows not inserted because their id was taken by a row written otherwise:
        # (record id, the stamp it was to have, origin of the held row).
        self.skipped: list[tuple[str, str, str]] = []

    def add(
        self,
        kind: Kind[Any],
        record_id: str,
        fields: Mapping[str, Any],
        stamp: str,
        clocks: Mapping[str, str] | None,
    ) -> None:
        """Queue a record brought by a creation (`stamp` covers every field) or a snapshot
        (`clocks`: each field's stamp). Raises KeyError naming a required field the op lacks."""
        # This runs for every record a bundle creates: written out, not split into calls.
        layout = _layout(kind)
        try:
            values: tuple[Any, ...] | list[Any] = layout.values(fields)
        except KeyError:  # made before a field was added: the field's default stands
            values = layout.values({**kind.defaults, **fields})
        if layout.lists:
            values = list(values)
            for i, name in layout.lists:  # as kind.encode writes them, without a call for []
                values[i] = kind.encode(name, values[i]) if values[i] else "[]"
        if clocks is None:  # a creation: one stamp for every field
            ms, origin = stamp_ms_origin(stamp)
            created_at = updated_at = iso_from_ms(ms)
            clock_text = f'{{"*":"{stamp}"}}'
        else:
            stamp = max(clocks.values())
            created_ms, origin = stamp_ms_origin(clocks["*"])
            created_at, updated_at = iso_from_ms(created_ms), iso_from_ms(stamp_ms(stamp))
            clock_text = _ENCODER.encode(clocks)
        deleted = 1 if fields.get("deleted") is True else 0
        queue = self._queued.get(layout)
        if queue is None:
            queue = self._queued[layout] = []
            self._tables[layout] = kind.table
        queue.append(
            (record_id, created_at, updated_at, stamp, origin, clock_text, deleted, *values)
        )
        if len(queue) >= BATCH:
            self.flush()

    def add_attachment(
        self,
        kind: Kind[Any],
        record_id: str,
        fields: Mapping[str, Any],
        stamp: str,
        clocks: Mapping[str, str] | None,
    ) -> int | None:
        """Insert an attachment now, its bytes as zeros of its size; the row number to write
        them into, or None if this vault held it already. Never queued: at most one
        attachment's bytes are in flight."""
        self.flush()
        self.add(kind, record_id, fields, stamp, clocks)
        layout = _layout(kind)
        (row,) = self._queued.pop(layout)  # the only row queued: written alone, now
        zeros = (fields["size"],) * len(kind.not_in_oplog)
        cursor = self._conn.execute(layout.sql, (*row, *zeros))
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def flush(self) -> None:
        """Insert everything queued (before anything reads the tables)."""
        for layout, rows in self._queued.items():
            if self._conn.executemany(layout.sql, rows).rowcount != len(rows):
                self._note_skipped(self._tables[layout], rows)
        self._queued.clear()

    def _note_skipped(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Find which of `rows` met a held row (rare: a record received twice, or forged)."""
        for row in rows:
            held = self._conn.execute(
                f"SELECT hlc, origin FROM {table} WHERE id = ?", (row[0],)
            ).fetchone()
            if held is not None and held[0] != row[3]:  # not this very row, written now
                self.skipped.append((row[0], row[3], str(held[1])))
