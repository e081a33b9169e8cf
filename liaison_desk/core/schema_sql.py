"""The SQL building blocks the migrations share: statements run one by one, the columns
every synced record table has, and a table's search index."""

from __future__ import annotations

import sqlcipher3

from liaison_desk.core.sqlite_types import Connection


def run_script(conn: Connection, script: str) -> None:
    """Execute statements one by one, so they join the caller's open transaction.

    (sqlite3's executescript() would COMMIT first and break the all-or-nothing upgrade.)
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlcipher3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError("migration script ends in an incomplete statement")


SYNC_COLUMNS = """
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    hlc TEXT NOT NULL,
    origin TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    clocks TEXT NOT NULL,
    marking TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]'"""


def search_source(table: str, code: int, kind: str, title: str, body: str) -> str:
    """Index one table: a view says what each live record contributes, triggers keep it current.

    The search rowid is derived from the record's row number, so an edit replaces
    exactly one index row. Bulk inserts set the `bulk-indexing` meta row inside
    their transaction and index all their rows from the view in one statement:
    FTS5 flushes its buffer at every trigger, which made row-by-row indexing 3x slower.
    """
    columns = "rowid, kind, record_id, marking, title, body"
    from_view = f"SELECT search_rowid, kind, record_id, marking, title, body FROM {table}_search"
    return f"""
CREATE VIEW {table}_search AS
    SELECT n, n * 8 + {code} AS search_rowid, '{kind}' AS kind, id AS record_id, marking,
           {title} AS title, concat_ws(' ', {body}) AS body
    FROM {table} WHERE deleted = 0;
CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table}
WHEN new.deleted = 0 AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk-indexing') BEGIN
    INSERT INTO search ({columns}) {from_view} WHERE n = new.n;
END;
CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} BEGIN
    DELETE FROM search WHERE rowid = old.n * 8 + {code};
    INSERT INTO search ({columns}) {from_view} WHERE n = new.n;
END;
CREATE TRIGGER {table}_search_delete AFTER DELETE ON {table} BEGIN
    DELETE FROM search WHERE rowid = old.n * 8 + {code};
END;
"""


def words(column: str) -> str:
    """A JSON list of strings as plain words for the index, so snippets show no brackets.

    Plain replace() rather than json_each(): it is several times cheaper per row, and
    the tokenizer treats any quote or backslash left behind as a separator anyway.
    """
    unquoted = f"replace(replace({column}, '\",\"', ' '), '[\"', '')"
    return f"replace(replace({unquoted}, '\"]', ''), '[]', '')"
