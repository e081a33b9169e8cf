"""Migration 12: the search index gains a `names` column, the Latin shadow of every name.

A contact's names (full, structured, nicknames, aliases) and an organization's name
are indexed a second time in Latin letters and as consonant keys (`core.name_shadow`,
called from SQL as `name_shadow()`), so "Petrov" finds "Петров" and "Mohammed" finds
"محمد". FTS5 cannot add a column to a table, so the index is built again: every
record's row, from the views that say what each kind indexes. The other kinds'
views and triggers are unchanged (their rows' `names` stay empty).

`refresh` builds the names again at open when the rules or the library's tables
changed since the index was built (`name_shadow.SCHEME`, kept in `meta`).
"""

from __future__ import annotations

import logging

from liaison_desk.core.errors import StorageError
from liaison_desk.core.name_shadow import SCHEME
from liaison_desk.core.schema_contacts import _CONTACT_BODY
from liaison_desk.core.schema_sql import run_script, words
from liaison_desk.core.sqlite_types import Connection

log = logging.getLogger("liaison_desk.schema")

_BULK = "EXISTS (SELECT 1 FROM meta WHERE key = 'bulk-indexing')"
_COLUMNS = "rowid, kind, record_id, marking, title, body, names"
_VIEW_COLUMNS = "search_rowid, kind, record_id, marking, title, body, names"
_CONTACT_NAMES = (
    "name_shadow(concat_ws(' ', full_name, given_name, additional_names, family_name, "
    f"{words('nicknames')}, {words('aliases')}))"
)
# The tables whose search view has names (`search_batch` indexes them with it).
NAMED_TABLES = ("organizations", "contacts")

_TABLE = """
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5 (
    kind UNINDEXED, record_id UNINDEXED, marking UNINDEXED, title, body, names,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO search (search, rank) VALUES ('rank', 'bm25(0, 0, 0, 10.0, 1.0, 5.0)');
"""


def _named_source(table: str, code: int, kind: str, title: str, body: str, names: str) -> str:
    """`schema_sql.search_source` with the names column: the view, and triggers filling it."""
    from_view = f"SELECT {_VIEW_COLUMNS} FROM {table}_search"
    return f"""
DROP VIEW {table}_search;
DROP TRIGGER {table}_search_insert;
DROP TRIGGER {table}_search_update;
CREATE VIEW {table}_search AS
    SELECT n, n * 8 + {code} AS search_rowid, '{kind}' AS kind, id AS record_id, marking,
           {title} AS title, concat_ws(' ', {body}) AS body, {names} AS names
    FROM {table} WHERE deleted = 0;
CREATE TRIGGER {table}_search_insert AFTER INSERT ON {table}
WHEN new.deleted = 0 AND NOT {_BULK} BEGIN
    INSERT INTO search ({_COLUMNS}) {from_view} WHERE n = new.n;
END;
CREATE TRIGGER {table}_search_update AFTER UPDATE ON {table} BEGIN
    DELETE FROM search WHERE rowid = old.n * 8 + {code};
    INSERT INTO search ({_COLUMNS}) {from_view} WHERE n = new.n;
END;
"""


def _reindex(ref: str) -> str:
    """As migration 6's: the contact `ref` names indexed again, at once or at the bulk end."""
    contact = f"(SELECT n FROM contacts WHERE id = {ref})"
    return f"""
    INSERT OR IGNORE INTO search_stale (kind, n)
        SELECT 'contact', n FROM contacts WHERE id = {ref} AND {_BULK};
    DELETE FROM search WHERE rowid = {contact} * 8 + 2 AND NOT {_BULK};
    INSERT INTO search ({_COLUMNS})
        SELECT {_VIEW_COLUMNS} FROM contacts_search WHERE n = {contact} AND NOT {_BULK};"""


def _child_triggers(table: str) -> str:
    """A contact's point, posting or relation changed: the contact's row, names included."""
    events = (
        ("insert", "AFTER INSERT", "", "new"),
        ("update", "AFTER UPDATE", "", "new"),
        ("moved", "AFTER UPDATE OF contact_id", "WHEN old.contact_id != new.contact_id ", "old"),
        ("delete", "AFTER DELETE", "", "old"),
    )
    return "".join(
        f"DROP TRIGGER {table}_search_{event};\n"
        f"CREATE TRIGGER {table}_search_{event} {when} ON {table}\n"
        f"{condition}BEGIN{_reindex(f'{row}.contact_id')}\nEND;\n"
        for event, when, condition, row in events
    )


_SOURCES = (
    _named_source(
        "organizations",
        1,
        "organization",
        "name",
        f"kind, country, notes, {words('tags')}",
        "name_shadow(name)",
    )
    + _named_source("contacts", 2, "contact", "full_name", _CONTACT_BODY, _CONTACT_NAMES)
    + "".join(_child_triggers(t) for t in ("contact_points", "postings", "contact_relations"))
)


def names_index(conn: Connection) -> None:
    run_script(conn, _TABLE + _SOURCES)
    # Every kind's view, read from the schema: a kind indexed by a migration merged
    # before this one comes back too.
    views = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE '%\\_search' ESCAPE '\\'"
    ).fetchall()
    for (view,) in views:
        table = view.removesuffix("_search")
        names = ", names" if table in NAMED_TABLES else ""
        conn.execute(
            f"INSERT INTO search (rowid, kind, record_id, marking, title, body{names}) "
            f"SELECT search_rowid, kind, record_id, marking, title, body{names} "
            f"FROM {table}_search"
        )
    _note_scheme(conn)


def _note_scheme(conn: Connection) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('name-shadow', ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (SCHEME,),
    )


def refresh(conn: Connection) -> None:
    """Build the names again when this version shadows them otherwise than the index holds.

    Only contacts' and organizations' rows are rewritten, in one transaction; a vault
    that cannot be written keeps its names as they are (found as before).
    """
    row = conn.execute("SELECT value FROM meta WHERE key = 'name-shadow'").fetchone()
    if row is None or row[0] == SCHEME:
        return  # no names column yet (migrations held back), or built by these rules
    try:
        conn.execute("BEGIN IMMEDIATE")
        for table in NAMED_TABLES:
            conn.execute(
                f"DELETE FROM search WHERE rowid IN (SELECT search_rowid FROM {table}_search)"
            )
            conn.execute(
                f"INSERT INTO search ({_COLUMNS}) SELECT {_VIEW_COLUMNS} FROM {table}_search"
            )
        _note_scheme(conn)
        conn.execute("COMMIT")
    except StorageError:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        log.warning("names not indexed again: the vault cannot be written")
        return
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    log.info("names indexed again for shadow scheme change")
