"""Questions that join records: a contact's meetings and standing, a meeting's people and actions.

Each answers for a whole page of records in one query where a list needs it,
so the GUI's lists, its detail pane and the CLI's `show` commands share them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.kinds import BY_NAME, CONTACT, FOLLOWUP, MEETING, ORGANIZATION, Kind
from liaison_desk.core.occurrences import SERIES_IDS, latest_start
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.station_zone import station_today
from liaison_desk.core.store import ListQuery, Store

ALL = 10_000  # the most of one kind listed as related to a record: every one, in practice

# The fields of each kind that name other records (one id, or a list of them), and their kind.
LINK_FIELDS: Mapping[str, Mapping[str, Kind[Any]]] = {
    "organization": {"parent_id": ORGANIZATION},
    "contact": {"org_id": ORGANIZATION},
    "followup": {"contact_ids": CONTACT, "meeting_id": MEETING},
    "posting": {"org_id": ORGANIZATION},
    "relation": {"other_id": CONTACT},
    "gift": {"contact_ids": CONTACT, "meeting_id": MEETING},
}


@dataclass(frozen=True)
class Attendance:
    participant: Participant
    contact: Contact


@dataclass(frozen=True)
class Standing:
    """Where a relationship stands today.

    `last_contact` is the latest meeting at or before now: a meeting planned
    for later is not contact made. `overdue`: the contact has a cadence and it
    has passed since then (or they were never met).
    """

    last_contact: str | None
    overdue: bool


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def participants(store: Store, meeting_id: str) -> list[Attendance]:
    rows = store.list(Participant, ListQuery(where={"meeting_id": meeting_id}, limit=ALL))
    contacts = {c.id: c for c in _by_ids(store, [p.contact_id for p in rows])}
    return [Attendance(p, contacts[p.contact_id]) for p in rows if p.contact_id in contacts]


def _by_ids(store: Store, ids: list[str]) -> list[Contact]:
    if not ids:
        return []
    cursor = store.conn.execute(
        f"SELECT {CONTACT.columns()} FROM {CONTACT.table} "
        f"WHERE deleted = 0 AND id IN ({_placeholders(ids)})",
        ids,
    )
    return [CONTACT.from_row(row) for row in cursor]


def names_at(store: Store, meeting_ids: Sequence[str]) -> dict[str, str]:
    """The people at each meeting, as one line of names, for a page of meetings (one query)."""
    if not meeting_ids:
        return {}
    rows = store.conn.execute(
        "SELECT p.meeting_id, group_concat(c.full_name, ', ') FROM participants p "
        "JOIN contacts c ON c.id = p.contact_id AND c.deleted = 0 "
        f"WHERE p.deleted = 0 AND p.meeting_id IN ({_placeholders(meeting_ids)}) "
        "GROUP BY p.meeting_id",
        list(meeting_ids),
    ).fetchall()
    return dict(rows)


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


def now_stamp(now_ms: int) -> str:
    """`now_ms` as meetings' starts are stored (to the second), to compare with them."""
    return iso_from_ms(now_ms)[:19] + "Z"


_THEIRS = (
    "FROM participants p JOIN meetings m ON m.id = p.meeting_id AND m.deleted = 0 "
    "AND m.starts_at <= :now "
    "WHERE p.deleted = 0 AND p.contact_id IN (SELECT value FROM json_each(:ids)) "
)


def last_contacts(store: Store, contact_ids: Sequence[str], now_ms: int) -> dict[str, str]:
    """When each contact was last met (ISO UTC), at or before `now_ms`.

    A series is stored once with its first start, so it counts its latest occurrence
    until now instead (`with_series`). Two queries for the whole page: the latest single
    meeting of each, and their series.
    """
    if not contact_ids:
        return {}
    params = {"ids": json.dumps(list(contact_ids)), "now": now_stamp(now_ms)}
    single = store.conn.execute(
        f"SELECT p.contact_id, max(m.starts_at) {_THEIRS} "
        f"AND m.id NOT IN ({SERIES_IDS}) GROUP BY p.contact_id",
        params,
    ).fetchall()
    latest = dict(single)
    return with_series(store, {c: latest.get(c) for c in contact_ids}, now_ms)


def with_series(store: Store, single: Mapping[str, str | None], now_ms: int) -> dict[str, str]:
    """When each contact of `single` was last met: their last single meeting (series left
    out; None if none) or the latest occurrence until now of a series they take part in
    (`latest_start`), whichever is later. Only the series among their meetings are
    expanded, each once however many of them it has."""
    last = {contact_id: start for contact_id, start in single.items() if start is not None}
    params = {"ids": json.dumps(list(single)), "now": now_stamp(now_ms)}
    series: dict[str, str | None] = {}
    for contact_id, *columns in store.conn.execute(
        f"SELECT p.contact_id, {MEETING.columns('m')} {_THEIRS} AND m.id IN ({SERIES_IDS})", params
    ):
        meeting: Meeting = MEETING.from_row(columns)
        if meeting.id not in series:
            series[meeting.id] = latest_start(meeting, params["now"])
        latest = series[meeting.id]
        if latest is not None and latest > last.get(contact_id, ""):
            last[contact_id] = latest
    return last


def is_overdue(last: str | None, cadence_days: int | None, today: date) -> bool:
    """Due for contact: a cadence is set and it has passed since the last meeting (or ever)."""
    if cadence_days is None:
        return False
    if last is None:
        return True
    return date.fromisoformat(last[:10]) + timedelta(days=cadence_days) < today


def standings(store: Store, clock: Clock, contacts: Sequence[Contact]) -> dict[str, Standing]:
    """The standing of each contact of a page, as of the vault's clock (one query)."""
    today = station_today(store, clock)
    last = last_contacts(store, [c.id for c in contacts], clock.now_ms())
    return {
        c.id: Standing(last.get(c.id), is_overdue(last.get(c.id), c.cadence_days, today))
        for c in contacts
    }


def standing(store: Store, clock: Clock, contact: Contact) -> Standing:
    return standings(store, clock, [contact])[contact.id]


def titles(store: Store, kind: Kind[Any], ids: Iterable[str | None]) -> dict[str, str]:
    """The title of each live record named in `ids` (for lines naming a related record)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    rows = store.conn.execute(
        f"SELECT id, {kind.title_field} FROM {kind.table} "
        f"WHERE deleted = 0 AND id IN ({_placeholders(wanted)})",
        wanted,
    ).fetchall()
    return dict(rows)


def linked_titles(
    store: Store, kind: Kind[Any], values: Iterable[Mapping[str, Any]]
) -> dict[str, str]:
    """The titles of the records named by the link fields of `values` (records' or drafts')."""
    wanted: dict[str, list[str]] = {}
    for fields in values:
        for name, target in LINK_FIELDS.get(kind.name, {}).items():
            value = fields.get(name)
            named = [value] if isinstance(value, str) else value or ()
            wanted.setdefault(target.name, []).extend(i for i in named if isinstance(i, str))
    out: dict[str, str] = {}
    for target_name, ids in wanted.items():
        out |= titles(store, BY_NAME[target_name], ids)
    return out


def open_followups(store: Store, contact_id: str, limit: int = ALL) -> list[FollowUp]:
    """What is still owed to or about a contact, soonest due first (no date last).

    Those that name the contact, and those of a meeting the contact took part in
    that name no one (made before follow-ups named people, or left so on purpose):
    they concern everyone who was there. One that names others is theirs alone.
    """
    cursor = store.conn.execute(
        f"SELECT {FOLLOWUP.columns('f')} FROM {FOLLOWUP.table} f "
        "WHERE f.deleted = 0 AND f.status = 'open' AND ("
        " EXISTS (SELECT 1 FROM json_each(f.contact_ids) WHERE value = ?)"
        " OR (f.contact_ids = '[]' AND f.meeting_id IN ("
        "  SELECT p.meeting_id FROM participants p WHERE p.contact_id = ? AND p.deleted = 0))"
        ") ORDER BY f.due_date IS NULL, f.due_date, f.id LIMIT ?",
        (contact_id, contact_id, limit),
    )
    return [FOLLOWUP.from_row(row) for row in cursor]
