"""Conflicts awaiting review: two values for one field, neither made knowing the other.

The merge already chose a winner (the later clock), so every vault agrees; a
conflict keeps the loser so nothing is lost. Resolving writes the chosen value
as a new edit, which every peer then takes (it was made seeing both), and
which settles the same conflict wherever else it was recorded.

A deletion conflict (a record deleted while someone edited it unseen) always
shows the deletion standing: the merge never brings a deleted record back,
whatever the clocks say. The edit is kept on the deleted record, and
`restore_record` brings it back, as a new edit every peer takes. A field
conflict on a record deleted since is closed with the deletion (resolution
`deleted`): there is no record left to write either value into.

Resolving a conflict on a gift goes through `core.gifts.update_gift`, so the
entry's declaration is worked out again from the values kept and travels with
them (the merge itself never works it out: see `core.gifts`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core import audit, gifts
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.contact_details import set_legacy
from liaison_desk.core.errors import RecordReadOnly
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.kinds import BY_NAME, GIFT
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import ConflictError
from liaison_desk.sync.merge import DELETED

CHOICES = ("mine", "theirs", "merged")


@dataclass(frozen=True)
class Side:
    value: Any
    clock: str
    author: str  # the vault that wrote it ("this vault" for our own incarnations)

    @property
    def changed_at(self) -> str:
        return iso_from_ms(Stamp.parse(self.clock).ms)


@dataclass(frozen=True)
class Conflict:
    n: int
    entity: str
    record_id: str
    title: str
    field: str
    mine: Side
    theirs: Side
    detected_at: str
    status: str
    resolution: str | None

    @property
    def winner(self) -> str:
        """Which side the record shows until someone decides: mine or theirs.

        For a field, the later clock. For a deletion, the deletion: the merge never
        undeletes (only a restore, a new edit, does), so the record stays deleted on
        every vault whichever side is newer.
        """
        if self.is_deletion:
            return "mine" if self.mine.value else "theirs"
        return "theirs" if self.theirs.clock > self.mine.clock else "mine"

    @property
    def closed_by_deletion(self) -> bool:
        """A field conflict closed because its record was deleted (nothing was written)."""
        return self.resolution == DELETED

    @property
    def edit_side(self) -> str:
        """In a deletion conflict, the side that edited the record: mine or theirs."""
        return "theirs" if self.mine.value else "mine"

    @property
    def is_deletion(self) -> bool:
        return self.field == DELETED


def _authors(conn: Connection) -> dict[str, str]:
    names = dict(conn.execute("SELECT origin, name FROM peer_origins").fetchall())
    for (origin,) in conn.execute("SELECT origin FROM incarnations"):
        names[origin] = "this vault"
    return names


def _title(conn: Connection, entity: str, record_id: str) -> str:
    """The record's title; a child record's after its record's ("Hélène Girard: +33 6…"),
    so the officer knows whose phone it is."""
    kind = BY_NAME[entity]
    link = kind.parent[1] if kind.parent else "NULL"
    row = conn.execute(
        f"SELECT {kind.title_field}, {link} FROM {kind.table} WHERE id = ?", (record_id,)
    ).fetchone()
    title = str(row[0]) if row and row[0] else record_id
    if kind.parent is None or row is None or row[1] is None:
        return title
    return f"{_title(conn, kind.parent[0], row[1])}: {title if row[0] else kind.name}"


def _conflict(conn: Connection, row: tuple[Any, ...], authors: dict[str, str]) -> Conflict:
    n, entity, record_id, field, mine, mine_clock, theirs, theirs_clock = row[:8]

    def side(value: str, clock: str) -> Side:
        origin = Stamp.parse(clock).origin
        return Side(json.loads(value), clock, authors.get(origin, f"origin {origin}"))

    return Conflict(
        n,
        entity,
        record_id,
        _title(conn, entity, record_id),
        field,
        side(mine, mine_clock),
        side(theirs, theirs_clock),
        row[8],
        row[9],
        row[10],
    )


_COLUMNS = (
    "n, entity, record_id, field, local_value, local_clock, remote_value, remote_clock, "
    "detected_at, status, resolution"
)


def list_conflicts(vault: Vault, include_resolved: bool = False) -> list[Conflict]:
    conn = vault.conn
    where = "" if include_resolved else "WHERE status = 'open'"
    rows = conn.execute(f"SELECT {_COLUMNS} FROM conflicts {where} ORDER BY n").fetchall()
    authors = _authors(conn)
    return [_conflict(conn, row, authors) for row in rows]


def open_count(vault: Vault) -> int:
    return int(
        vault.conn.execute("SELECT count(*) FROM conflicts WHERE status = 'open'").fetchone()[0]
    )


def get_conflict(vault: Vault, n: int) -> Conflict:
    conn = vault.conn
    row = conn.execute(f"SELECT {_COLUMNS} FROM conflicts WHERE n = ?", (n,)).fetchone()
    if row is None:
        raise ConflictError(f"There is no conflict number {n}.")
    return _conflict(conn, row, _authors(conn))


def resolve(vault: Vault, n: int, choice: str, merged: str | None = None) -> Conflict:
    """Keep mine, keep theirs, or a merged text; the result is written as a new edit.

    A field conflict on a record deleted since is closed with the deletion instead
    (resolution `deleted`, nothing written): the deletion stands, and a restore
    (of the deletion conflict, or by the record's creator) brings the record back.
    """
    conflict = get_conflict(vault, n)
    if conflict.status != "open":
        raise ConflictError(f"Conflict {n} is already resolved.")
    if choice not in CHOICES:
        raise ConflictError(f"Choose one of: {', '.join(CHOICES)}.")
    if choice == "merged":
        if merged is None:
            raise ConflictError("Give the merged text.")
        if conflict.is_deletion or not isinstance(conflict.mine.value, str | None):
            raise ConflictError("Only text fields can take a merged value.")
    kind = BY_NAME[conflict.entity]
    value = {"mine": conflict.mine.value, "theirs": conflict.theirs.value}.get(choice, merged)
    with vault.store.transaction():
        if not conflict.is_deletion and not vault.store.exists(kind, conflict.record_id):
            choice = DELETED
        elif conflict.is_deletion:
            _settle_deletion(vault, kind.table, conflict, bool(value))
        else:
            if kind.list_fields and conflict.field in kind.list_fields:
                value = tuple(value or ())
            if conflict.field not in kind.fields:  # a contact's phones... before schema 6
                set_legacy(vault.store, conflict.record_id, conflict.field, value)
            elif kind is GIFT:
                gifts.update_gift(
                    vault.store, conflict.record_id, {conflict.field: value}, force=True
                )
            else:
                vault.store.update(
                    kind.cls, conflict.record_id, {conflict.field: value}, force=True
                )
        vault.conn.execute(
            "UPDATE conflicts SET status = 'resolved', resolution = ?, resolved_at = ? WHERE n = ?",
            (choice, iso_from_ms(vault.clock.now_ms()), n),
        )
        audit.record(vault.conn, vault.clock, "conflict-resolved", conflict=n, choice=choice)
    return get_conflict(vault, n)


def restore_record(vault: Vault, n: int) -> Conflict:
    """Bring back, with its edits, the record a deletion conflict shows deleted.

    The deletion stands until someone decides otherwise; this is that decision,
    written as a new edit of the record's tombstone that every peer takes.
    """
    conflict = get_conflict(vault, n)
    if not conflict.is_deletion:
        raise ConflictError(f"Conflict {n} is about a field, not a deletion: keep a value.")
    return resolve(vault, n, conflict.edit_side)


def _settle_deletion(vault: Vault, table: str, conflict: Conflict, deleted: bool) -> None:
    """Keep the record deleted, or bring it back, as a new edit of its tombstone.

    A station may not delete or restore a record another vault wrote: there, the
    deletion its author made stands, and keeping it is settled without an edit.
    """
    kind = BY_NAME[conflict.entity]
    try:
        if deleted:
            vault.store.delete(kind.cls, conflict.record_id, force=True)
        else:
            vault.store.restore(kind.cls, conflict.record_id)
    except RecordReadOnly as exc:
        if not deleted:
            raise ConflictError(f"{exc.message} Keep the deletion, or ask them.") from None
