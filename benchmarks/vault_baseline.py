"""vault.py's baseline: stdlib sqlite3 holding byte-for-byte the rows the vault holds.

Its schema is read from the vault's own (sqlite_master), so it follows every migration; its
pragmas are the vault's minus the key; after each batch the rows the vault stored, and their
FTS5 rows, are copied across (outside the timed part). What it leaves out (encryption,
validation, HLC stamps, the oplog, the search triggers) is the cost vault.py measures.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

BASELINE_TABLES = ("contacts", "meetings")
_PARTIAL = re.compile(r"\s+WHERE\s.*$", re.DOTALL)

PLAIN_SEARCH = (
    "SELECT kind, record_id, title, snippet(search, -1, '[', ']', '…', 12), marking "
    "FROM search WHERE search MATCH ? ORDER BY rank LIMIT 20"
)
PLAIN_LIST = "SELECT * FROM contacts ORDER BY full_name COLLATE NOCASE, id LIMIT ? OFFSET ?"


def plain_schema(src: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """The baseline's schema, read from the vault's: statements and their parameters.

    The record tables and their indexes as the vault's migrations left them (indexes made
    whole, see vault.py's docstring), the search table and its settings (the bm25 weights).
    Not the views, triggers and oplog that keep the vault's index current: their cost is
    what is measured.
    """
    marks = ", ".join("?" * len(BASELINE_TABLES))
    schema = [
        (_PARTIAL.sub("", sql) if kind == "index" else sql, ())
        for kind, sql in src.execute(
            f"SELECT type, sql FROM sqlite_master WHERE tbl_name IN ({marks}) "
            "AND type IN ('table', 'index') AND sql IS NOT NULL "
            "ORDER BY type = 'index', rowid",
            BASELINE_TABLES,
        )
    ]
    search = src.execute("SELECT sql FROM sqlite_master WHERE name = 'search'").fetchone()[0]
    schema.append((search, ()))
    schema += [
        ("INSERT INTO search (search, rank) VALUES (?, ?)", (key, value))
        for key, value in src.execute("SELECT k, v FROM search_config WHERE k != 'version'")
    ]
    return schema


def open_plain(path: Path, cache_size: int) -> sqlite3.Connection:
    """Same pragmas as liaison_desk.core.vault.open_database, minus the key."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(f"PRAGMA cache_size = {cache_size}")
    return conn


def copy_batch(
    src: Any, table: str, after_n: int
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows (and their FTS5 rows) the vault stored after row `after_n`, exactly.

    The search rows are found through the vault's own view of what each record indexes
    (`<table>_search`: its search rowids and kind), not a copy of its numbering.
    """
    rows = src.execute(f"SELECT * FROM {table} WHERE n > ? ORDER BY n", (after_n,)).fetchall()
    if not rows:
        return [], []
    first, last, kind = src.execute(
        f"SELECT min(search_rowid), max(search_rowid), min(kind) FROM {table}_search WHERE n > ?",
        (after_n,),
    ).fetchone()
    fts = src.execute(
        "SELECT rowid, kind, record_id, marking, title, body, names FROM search "
        "WHERE rowid BETWEEN ? AND ? AND kind = ? ORDER BY rowid",
        (first, last, kind),
    ).fetchall()
    return rows, fts


def plain_insert(
    conn: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]], fts: list[tuple[Any, ...]]
) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.executemany(
        "INSERT INTO search (rowid, kind, record_id, marking, title, body, names) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        fts,
    )
    conn.execute("COMMIT")
