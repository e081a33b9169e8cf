"""The trash: records deleted in this vault (here or by a peer), newest first, and restoring one.

A deleted record is a tombstone with all its fields and links still in place,
so the trash is a view over tombstones, and restoring is the store's restore:
a new edit every peer takes. Child records are not listed (a meeting's
participants; a contact's points, postings and relations): they stay in place,
hidden with their record, and come back with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.hlc import stamp_ms
from liaison_desk.core.kinds import (
    ATTACHMENT,
    BY_NAME,
    CONTACT,
    FOLLOWUP,
    GIFT,
    MEETING,
    ORGANIZATION,
    PROTOCOL,
    Kind,
)
from liaison_desk.core.store import Store

TRASH_KINDS: tuple[Kind[Any], ...] = (
    CONTACT,
    ORGANIZATION,
    MEETING,
    FOLLOWUP,
    PROTOCOL,
    GIFT,
    ATTACHMENT,
)


@dataclass(frozen=True)
class TrashItem:
    kind: str
    record_id: str
    title: str
    deleted_at: str  # ISO UTC, when the deletion was made


def _union(extra_where: str = "") -> str:
    return " UNION ALL ".join(
        f"SELECT '{k.name}', id, {k.title_field}, coalesce(json_extract(clocks, '$.deleted'), hlc) "
        f"FROM {k.table} WHERE deleted = 1{extra_where}"
        for k in TRASH_KINDS
    )


def _item(row: tuple[str, str, str, str]) -> TrashItem:
    kind, record_id, title, clock = row
    return TrashItem(kind, record_id, title or kind, iso_from_ms(stamp_ms(clock)))


def trash(store: Store, limit: int = 500, offset: int = 0) -> list[TrashItem]:
    """A page of the deleted records, most recently deleted first."""
    rows = store.conn.execute(
        f"SELECT * FROM ({_union()}) ORDER BY 4 DESC, 2 LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    return [_item(row) for row in rows]


def trash_count(store: Store) -> int:
    return int(store.conn.execute(f"SELECT count(*) FROM ({_union()})").fetchone()[0])


def deleted_record(store: Store, record_id: str) -> TrashItem:
    """The deleted record with this id, whatever its kind."""
    row = store.conn.execute(
        f"SELECT * FROM ({_union(' AND id = ?')})", [record_id] * len(TRASH_KINDS)
    ).fetchone()
    if row is None:
        raise RecordNotFound(f"There is no deleted record with id {record_id} in the trash.")
    return _item(row)


def restore_from_trash(store: Store, record_id: str) -> TrashItem:
    """Bring a deleted record back with its links, as a new edit that syncs."""
    item = deleted_record(store, record_id)
    store.restore(BY_NAME[item.kind].cls, record_id)
    return item
