"""The search index written once at the end of a bulk write (`Store.add_many`, a sync's merge).

Indexing row by row through triggers costs a statement per record; a bulk write
instead notes each table's last row before it inserts, and indexes everything
after it in one statement per table on the way out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liaison_desk.core.kinds import BY_NAME, Kind
from liaison_desk.core.schema_names import NAMED_TABLES
from liaison_desk.core.sqlite_types import Connection


def _columns(rowid: str, kind: Kind[Any]) -> str:
    """The index's columns a kind fills: with the names' shadow for contacts and organizations."""
    names = ", names" if kind.table in NAMED_TABLES else ""
    return f"{rowid}, kind, record_id, marking, title, body{names}"


def last_row(conn: Connection, kind: Kind[Any]) -> int:
    return int(conn.execute(f"SELECT coalesce(max(n), 0) FROM {kind.table}").fetchone()[0])


def index_new_rows(conn: Connection, first_rows: Mapping[Kind[Any], int], replace: bool) -> None:
    """Index the rows each table gained after `first_rows[kind]`.

    With `replace`, rows inserted and then updated inside the block, which the
    update trigger indexed already, are replaced rather than indexed twice.
    """
    for kind, after in first_rows.items():
        if replace:
            last = last_row(conn, kind)
            if last == after:
                continue  # no new row of this kind
            # Search rowids are n * 8 + a code per table: a range scan finds the
            # few new rows an update trigger indexed already. Bounded above too:
            # rows of other tables lie past it, as many as the vault holds.
            conn.execute(
                "DELETE FROM search WHERE rowid IN (SELECT rowid FROM search "
                "WHERE rowid > ? AND rowid <= ? AND kind = ?)",
                (after * 8 + 7, last * 8 + 7, kind.name),
            )
        conn.execute(
            f"INSERT INTO search ({_columns('rowid', kind)}) "
            f"SELECT {_columns('search_rowid', kind)} FROM {kind.table}_search WHERE n > ?",
            (after,),
        )


def index_stale(conn: Connection, first_rows: Mapping[Kind[Any], int]) -> None:
    """Index again the records whose child records the block changed (a contact's
    search row holds its phones...), but for those the block inserted: indexed already."""
    stale = conn.execute("SELECT DISTINCT kind FROM search_stale").fetchall()
    for (name,) in stale:
        kind = BY_NAME[name]
        rows = (
            f"SELECT n FROM search_stale WHERE kind = '{name}'"
            f"{' AND n <= ?' if kind in first_rows else ''}"
        )
        params = (first_rows[kind],) if kind in first_rows else ()
        conn.execute(
            f"DELETE FROM search WHERE rowid IN (SELECT search_rowid FROM {kind.table}_search "
            f"WHERE n IN ({rows}))",
            params,
        )
        conn.execute(
            f"INSERT INTO search ({_columns('rowid', kind)}) "
            f"SELECT {_columns('search_rowid', kind)} FROM {kind.table}_search "
            f"WHERE n IN ({rows})",
            params,
        )
    if stale:
        conn.execute("DELETE FROM search_stale")
