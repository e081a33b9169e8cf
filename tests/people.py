"""Contacts with their phones, emails and address, as tests write and read them."""

from __future__ import annotations

from typing import Any

from liaison_desk.core.contact_details import ContactDetails, add_contact, details_of
from liaison_desk.core.records import Contact, ContactPoint
from liaison_desk.core.store import Store


def details(
    phones: tuple[str, ...] = (), emails: tuple[str, ...] = (), address: str | None = None
) -> ContactDetails:
    """Untyped points, as a contact held them before schema 6."""
    points = [ContactPoint(contact_id="", channel="phone", value=p) for p in phones]
    points += [ContactPoint(contact_id="", channel="email", value=e) for e in emails]
    if address:
        points.append(ContactPoint(contact_id="", channel="address", value=address))
    return ContactDetails(points=tuple(points))


def add_person(
    store: Store,
    full_name: str,
    *,
    phones: tuple[str, ...] = (),
    emails: tuple[str, ...] = (),
    address: str | None = None,
    **fields: Any,
) -> Contact:
    """A new contact with these points."""
    return add_contact(
        store, Contact(full_name=full_name, **fields), details(phones, emails, address)
    )


def values(store: Store, contact_id: str, channel: str) -> tuple[str | None, ...]:
    """The values of a contact's points of one channel, in display order."""
    return tuple(p.value for p in details_of(store, contact_id).points if p.channel == channel)
