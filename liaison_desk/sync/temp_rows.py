"""Rows a query joins against, held in a temporary table of this connection (in memory:
`temp_store`), such as each origin's span of ops a bundle or a count covers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from liaison_desk.core.sqlite_types import Connection


def fill(conn: Connection, table: str, columns: str, rows: Sequence[tuple[object, ...]]) -> None:
    """`table` (created with `columns` if new) holding `rows` alone."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} ({columns})")
    conn.execute(f"DELETE FROM {table}")
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        conn.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def fill_spans(conn: Connection, table: str, spans: Mapping[str, tuple[int, int]]) -> None:
    """`table` holding each origin's (after, upto]: join on `o.origin = r.origin AND
    o.seq > r.after AND o.seq <= r.upto`."""
    fill(
        conn, table, "origin TEXT, after INT, upto INT", [(o, a, b) for o, (a, b) in spans.items()]
    )
