"""What a record is linked to, said before it is deleted so the officer knows what it touches.

A deletion leaves a tombstone and every link in place (participants, follow-ups,
files, contacts of an organization, a contact's relations and postings): the
lists simply stop showing the record.
Restoring it (undo, or the trash) therefore brings it back with its links.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.kinds import (
    ATTACHMENT,
    CONTACT,
    FOLLOWUP,
    GIFT,
    MEETING,
    ORGANIZATION,
    Kind,
)
from liaison_desk.core.store import Store

SHOWN = 5  # titles named per group; the count says how many more


@dataclass(frozen=True)
class LinkGroup:
    """Live records of one kind linked to the record: how many, and the first few titles."""

    label: str  # plural noun: "meetings", "follow-ups", …
    count: int
    titles: tuple[str, ...]

    @property
    def noun(self) -> str:
        """The label, in the singular for one record."""
        return _ONE[self.label] if self.count == 1 else self.label


@dataclass(frozen=True)
class RecordLinks:
    """A record's title and what it is linked to."""

    kind: str
    record_id: str
    title: str
    groups: tuple[LinkGroup, ...]


_GIFTS_OF_CONTACT = (
    "SELECT g.id FROM gifts g WHERE EXISTS (SELECT 1 FROM json_each(g.contact_ids) WHERE value = ?)"
)
# For each kind: (label, linked kind, SQL selecting the linked rows' ids, given the record id).
_QUERIES: dict[str, Sequence[tuple[str, Kind[Any], str]]] = {
    "contact": (
        (
            "meetings",
            MEETING,
            "SELECT meeting_id FROM participants WHERE contact_id = ? AND deleted = 0",
        ),
        (
            "follow-ups",
            FOLLOWUP,
            "SELECT f.id FROM followups f WHERE EXISTS "
            "(SELECT 1 FROM json_each(f.contact_ids) WHERE value = ?)",
        ),
        (
            "related contacts",
            CONTACT,
            "SELECT contact_id FROM contact_relations WHERE other_id = ? AND deleted = 0",
        ),
        ("gifts", GIFT, _GIFTS_OF_CONTACT),
    ),
    "organization": (
        ("contacts", CONTACT, "SELECT id FROM contacts WHERE org_id = ?"),
        (
            "contacts posted there",
            CONTACT,
            "SELECT contact_id FROM postings WHERE org_id = ? AND deleted = 0",
        ),
        (
            "organizations under it",
            ORGANIZATION,
            "SELECT id FROM organizations WHERE parent_id = ?",
        ),
    ),
    "meeting": (
        (
            "participants",
            CONTACT,
            "SELECT contact_id FROM participants WHERE meeting_id = ? AND deleted = 0",
        ),
        ("follow-ups", FOLLOWUP, "SELECT id FROM followups WHERE meeting_id = ?"),
        ("gifts", GIFT, "SELECT id FROM gifts WHERE meeting_id = ?"),
    ),
}
_ONE = {
    "meetings": "meeting",
    "follow-ups": "follow-up",
    "contacts": "contact",
    "related contacts": "related contact",
    "contacts posted there": "contact posted there",
    "organizations under it": "organization under it",
    "participants": "participant",
    "files": "file",
    "gifts": "gift",
}
_FILES = ("files", ATTACHMENT, "SELECT id FROM attachments WHERE owner_id = ?")


def record_links(store: Store, kind: Kind[Any], record_id: str) -> RecordLinks:
    """The record's title and its live links, group by group (empty groups left out)."""
    record = store.get(kind.cls, record_id)  # RecordNotFound if gone already
    groups = []
    for label, linked, ids_sql in (*_QUERIES.get(kind.name, ()), _FILES):
        total, titles = _linked(store, linked, ids_sql, record_id)
        if total:
            groups.append(LinkGroup(label, total, titles))
    return RecordLinks(kind.name, record_id, str(getattr(record, kind.title_field)), tuple(groups))


def _linked(
    store: Store, kind: Kind[Any], ids_sql: str, record_id: str
) -> tuple[int, tuple[str, ...]]:
    where = f"FROM {kind.table} WHERE deleted = 0 AND id IN ({ids_sql})"
    total = int(store.conn.execute(f"SELECT count(*) {where}", (record_id,)).fetchone()[0])
    rows = store.conn.execute(
        f"SELECT {kind.title_field} {where} ORDER BY {kind.default_order} LIMIT ?",
        (record_id, SHOWN),
    ).fetchall()
    return total, tuple(str(title) for (title,) in rows)
