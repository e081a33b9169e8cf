"""Questions that join records: a contact's meetings, a meeting's people and actions."""

from __future__ import annotations

from dataclasses import dataclass

from liaison_desk.core.kinds import CONTACT, MEETING
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.store import ListQuery, Store


@dataclass(frozen=True)
class Attendance:
    participant: Participant
    contact: Contact


def participants(store: Store, meeting_id: str) -> list[Attendance]:
    rows = store.list(Participant, ListQuery(where={"meeting_id": meeting_id}, limit=10_000))
    contacts = {c.id: c for c in _by_ids(store, [p.contact_id for p in rows])}
    return [Attendance(p, contacts[p.contact_id]) for p in rows if p.contact_id in contacts]


def _by_ids(store: Store, ids: list[str]) -> list[Contact]:
    if not ids:
        return []
    cursor = store.conn.execute(
        f"SELECT {CONTACT.columns()} FROM {CONTACT.table} "
        f"WHERE deleted = 0 AND id IN ({', '.join('?' * len(ids))})",
        ids,
    )
    return [CONTACT.from_row(row) for row in cursor]


def meetings_of(store: Store, contact_id: str, limit: int = 200) -> list[Meeting]:
    """The contact's meetings, most recent first: the timeline of the relationship."""
    cursor = store.conn.execute(
        f"SELECT {MEETING.columns('m')} FROM {MEETING.table} m "
        "JOIN participants p ON p.meeting_id = m.id AND p.deleted = 0 "
        "WHERE p.contact_id = ? AND m.deleted = 0 "
        "GROUP BY m.id ORDER BY m.starts_at DESC LIMIT ?",
        (contact_id, limit),
    )
    return [MEETING.from_row(row) for row in cursor]


def last_contact(store: Store, contact_id: str) -> str | None:
    """When we last met this person (derived from meetings, never stored)."""
    row = store.conn.execute(
        "SELECT max(m.starts_at) FROM participants p "
        "JOIN meetings m ON m.id = p.meeting_id AND m.deleted = 0 "
        "WHERE p.contact_id = ? AND p.deleted = 0",
        (contact_id,),
    ).fetchone()
    return row[0] if row else None


def open_followups(
    store: Store, *, contact_id: str | None = None, meeting_id: str | None = None
) -> list[FollowUp]:
    where: dict[str, object] = {"status": "open"}
    if contact_id:
        where["contact_id"] = contact_id
    if meeting_id:
        where["meeting_id"] = meeting_id
    return store.list(FollowUp, ListQuery(where=where, order_by="due_date", limit=10_000))
