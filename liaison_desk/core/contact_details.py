"""A contact's repeatable details (points, postings, relations): read together, saved together.

The GUI editor, the CLI and the importers read and write a contact's phones,
emails, addresses, handles, postings and relations through here. A save
compares each item with what is stored and writes only the fields that
changed, each under its own clock: two officers editing two different phones
of one contact both keep their edit, and two edits of the same phone's number
are a conflict (the sync merge is per field, like every record's).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT_POINT, POSTING, RELATION, Kind
from liaison_desk.core.legacy_points import LEGACY_CHANNELS, derived_id, legacy_values
from liaison_desk.core.records import (
    CONTACT_CHANNELS,
    Contact,
    ContactPoint,
    ContactRelation,
    Posting,
)
from liaison_desk.core.store import Store

C = TypeVar("C", ContactPoint, Posting, ContactRelation)

_CHANNEL_ORDER = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(CONTACT_CHANNELS))
# How each kind's items are listed: the order a reader expects.
_ORDER = {
    CONTACT_POINT.name: f"CASE channel {_CHANNEL_ORDER} ELSE 9 END, pref IS NULL, pref, n",
    POSTING.name: "starts_on IS NULL, starts_on, n",  # a career reads in order
    RELATION.name: "n",
}
_NOUN = {CONTACT_POINT.name: "contact point", POSTING.name: "posting", RELATION.name: "relation"}
# Fields an item never sets by itself: its contact, and what the core derives.
_NOT_GIVEN = frozenset({"contact_id", "e164"})


@dataclass(frozen=True)
class ContactDetails:
    """Everything repeatable about one contact."""

    points: tuple[ContactPoint, ...] = ()
    postings: tuple[Posting, ...] = ()
    relations: tuple[ContactRelation, ...] = ()


def details_of(store: Store, contact_id: str) -> ContactDetails:
    """A contact's live details, ordered for display."""
    return details_for(store, [contact_id]).get(contact_id, ContactDetails())


def details_for(store: Store, contact_ids: Iterable[str]) -> dict[str, ContactDetails]:
    """The details of many contacts (for exports and lists), in one query per kind.

    Contacts without any detail are left out.
    """
    ids = json.dumps(list(dict.fromkeys(contact_ids)))
    found: dict[str, dict[str, list[Any]]] = {}
    for kind in (CONTACT_POINT, POSTING, RELATION):
        rows = store.conn.execute(
            f"SELECT {kind.columns()} FROM {kind.table} WHERE deleted = 0 "
            f"AND contact_id IN (SELECT value FROM json_each(?)) ORDER BY {_ORDER[kind.name]}",
            (ids,),
        )
        for row in rows:
            item = kind.from_row(row)
            found.setdefault(item.contact_id, {}).setdefault(kind.name, []).append(item)
    return {
        contact_id: ContactDetails(
            tuple(items.get(CONTACT_POINT.name, ())),
            tuple(items.get(POSTING.name, ())),
            tuple(items.get(RELATION.name, ())),
        )
        for contact_id, items in found.items()
    }


def address_text(point: ContactPoint) -> str:
    """An address as one text: its free-form value, or its parts line by line."""
    if point.value:
        return point.value
    town = " ".join(p for p in (point.postcode, point.locality) if p)
    parts = (point.po_box, point.extended, point.street, town, point.region, point.country)
    return "\n".join(p for p in parts if p)


# SQL for a contact's live emails, as a JSON list (format with the contact id's column).
EMAILS_SQL = (
    "(SELECT json_group_array(p.value) FROM contact_points p WHERE p.contact_id = {contact_id} "
    "AND p.channel = 'email' AND p.deleted = 0)"
)
FIRST_EMAIL_SQL = (
    "(SELECT p.value FROM contact_points p WHERE p.contact_id = {contact_id} "
    "AND p.channel = 'email' AND p.deleted = 0 ORDER BY p.pref IS NULL, p.pref, p.n LIMIT 1)"
)


def add_contact(store: Store, contact: Contact, details: ContactDetails) -> Contact:
    """A new contact with its details, in one transaction."""
    with store.transaction():
        record = store.add(contact)
        save_details(store, record.id, details)
    return record


def save_details(store: Store, contact_id: str, details: ContactDetails) -> None:
    """Make the contact's details these, in one transaction.

    Items with the id of a stored item of the contact are updated field by field
    (only what changed); items without an id are added (their contact id may be
    empty; their marking, if empty, is the contact's); stored items not given are
    deleted.
    """
    with store.transaction():
        contact = store.get(Contact, contact_id)
        _save(store, contact, CONTACT_POINT, details.points)
        _save(store, contact, POSTING, details.postings)
        _save(store, contact, RELATION, details.relations)


def _save(store: Store, contact: Contact, kind: Kind[C], items: Sequence[C]) -> None:
    noun = _NOUN[kind.name]
    stored = {item.id: item for item in _live(store, kind, contact.id)}
    given = {item.id for item in items if item.id}
    for gone in stored.keys() - given:
        store.delete(kind.cls, gone)
    for item in items:
        if item.contact_id not in ("", contact.id):
            raise ValidationError(f"This {noun} belongs to another contact.")
        if not item.id:
            marking = item.marking or contact.marking
            store.add(dataclasses.replace(item, contact_id=contact.id, marking=marking))
            continue
        current = stored.get(item.id)
        if current is None:
            raise ValidationError(f"The {noun} {item.id} is not one of this contact's.")
        changes = {
            f: getattr(item, f)
            for f in kind.fields
            if f not in _NOT_GIVEN
            and not (f in ("marking", "distribution") and not getattr(item, f))
            and getattr(item, f) != getattr(current, f)
        }
        if changes:
            store.update(kind.cls, item.id, changes)


def _live(store: Store, kind: Kind[C], contact_id: str) -> list[C]:
    rows = store.conn.execute(
        f"SELECT {kind.columns()} FROM {kind.table} WHERE contact_id = ? AND deleted = 0",
        (contact_id,),
    )
    return [kind.from_row(row) for row in rows]


def set_legacy(store: Store, contact_id: str, field: str, value: Any) -> None:
    """Write a value of an old field (`phones`, `emails`, `address`: a conflict from before
    schema 6 resolved now) into the points it stands for (`core.legacy_points`)."""
    channel = LEGACY_CHANNELS[field]
    values = legacy_values(field, value)
    with store.transaction():
        contact = store.get(Contact, contact_id)
        count = store.conn.execute(
            "SELECT count(*) FROM contact_points WHERE contact_id = ? AND channel = ?",
            (contact_id, channel),
        ).fetchone()[0]
        for index in range(max(len(values), int(count))):
            point_id = derived_id(contact_id, channel, index)
            row = store.conn.execute(
                "SELECT deleted FROM contact_points WHERE id = ?", (point_id,)
            ).fetchone()
            if index >= len(values):
                if row is not None and not row[0]:
                    store.delete(ContactPoint, point_id)
                continue
            if row is None:
                store.add(
                    ContactPoint(
                        id=point_id,
                        contact_id=contact_id,
                        channel=channel,
                        value=values[index],
                        marking=contact.marking,
                    )
                )
                continue
            if row[0]:
                store.restore(ContactPoint, point_id)
            store.update(ContactPoint, point_id, {"value": values[index]})
