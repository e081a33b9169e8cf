"""What a station may change of the records it holds: the authority rules, at the source.

Every vault checks the ops it receives (`sync.authority`); a station also
refuses, here, the local changes its HQ would refuse, so that its officer
hears why at once and its vault never holds a change no peer will take:

- HQ's protocol library (any protocol reference this station did not write)
  is read-only, and nothing is attached to it;
- a record another vault wrote is neither deleted, brought back nor shared
  differently here (its fields may be edited: it was shared with this station),
  and what belongs to it is not moved off it.

HQ may change anything. The normative rules are in `docs/bundle-format.md` §9.2.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from liaison_desk.core.errors import RecordReadOnly
from liaison_desk.core.kinds import ALL_KINDS, BY_NAME, Kind
from liaison_desk.core.sqlite_types import Connection

# A child kind -> the field naming the record it belongs to (`sync.authority` reads it too):
# the child kinds (a meeting's participants, a contact's points...) and attachments.
PARENT_LINK = {k.name: k.parent[1] for k in ALL_KINDS if k.parent} | {"attachment": "owner_id"}
# The kinds an attachment may belong to.
OWNER_KINDS = ("contact", "meeting", "organization", "followup", "protocol", "gift")
_LIBRARY = "The protocol library is published by HQ; only HQ changes it."


def check_change(conn: Connection, kind: Kind[Any], record_id: str, fields: set[str]) -> None:
    """Refuse a station's change of `fields` (``deleted`` for a deletion or a restore).

    A child record or an attachment goes with the record it belongs to, when held.
    """
    link = PARENT_LINK.get(kind.name)
    if link is not None:
        row = conn.execute(f"SELECT {link} FROM {kind.table} WHERE id = ?", (record_id,))
        found = row.fetchone()
        parent = _parent(conn, kind, found[0] if found else None)
        if parent is not None:
            if "distribution" in fields and not parent:
                raise RecordReadOnly(f"Only the record's author and HQ can share this {kind.name}.")
            if link in fields and not parent:
                raise RecordReadOnly(
                    f"Only the record's author and HQ can move this {kind.name} to another record."
                )
            return
    origin = _origin(conn, kind.table, record_id)
    if origin is None or _mine(conn, origin):
        return
    if kind.name == "protocol":
        raise RecordReadOnly(_LIBRARY)
    if "distribution" in fields:
        raise RecordReadOnly(
            f"Only {_author(conn, origin)}, which wrote this {kind.name}, and HQ can change "
            "who receives it."
        )
    if "deleted" in fields:
        raise RecordReadOnly(
            f"Only {_author(conn, origin)}, which wrote this {kind.name}, and HQ can delete "
            "it or bring it back."
        )


def check_new(conn: Connection, kind: Kind[Any], values: Mapping[str, Any]) -> None:
    """Refuse a child record or an attachment added here to HQ's protocol library."""
    link = PARENT_LINK.get(kind.name)
    if link is not None:
        _parent(conn, kind, values[link])


def _parent(conn: Connection, kind: Kind[Any], parent_id: object) -> bool | None:
    """Whether the record a child belongs to was written here (None: not held here).

    Refuses any change to a child of the protocol library.
    """
    if not isinstance(parent_id, str):
        return None
    tables = (BY_NAME[kind.parent[0]].table,) if kind.parent else _OWNER_TABLES
    for table in tables:
        origin = _origin(conn, table, parent_id)
        if origin is not None:
            mine = _mine(conn, origin)
            if table == "protocol_refs" and not mine:
                raise RecordReadOnly(_LIBRARY)
            return mine
    return None


_OWNER_TABLES = tuple(BY_NAME[n].table for n in OWNER_KINDS)


def _origin(conn: Connection, table: str, record_id: str) -> str | None:
    row = conn.execute(f"SELECT origin FROM {table} WHERE id = ?", (record_id,)).fetchone()
    return str(row[0]) if row else None


def _mine(conn: Connection, origin: str) -> bool:
    row = conn.execute("SELECT 1 FROM incarnations WHERE origin = ?", (origin,)).fetchone()
    return row is not None


def _author(conn: Connection, origin: str) -> str:
    row = conn.execute("SELECT name FROM peer_origins WHERE origin = ?", (origin,)).fetchone()
    return str(row[0]) if row and row[0] else "the vault that wrote it"
