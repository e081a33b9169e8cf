"""Contacts out of the vault as vCards: every contact a list query matches, whole.

A contact's card carries its details (points, postings, relations, read a page
of contacts at a time) and its UID: the one it came with, else its id, so a
round trip through Outlook or a phone finds the same contact again. A relation
to another contact names that contact's UID the same way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from liaison_desk.core.contact_details import ContactDetails, details_for
from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.listing import PAGE, all_matching
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.interop.vcard import Card, Photo
from liaison_desk.core.interop.vcard_fields import Job, Point, Relative
from liaison_desk.core.interop.vcard_writer import VERSIONS, write_card
from liaison_desk.core.records import Attachment, Contact, ContactPoint
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.interop")

Progress = Callable[[int, int], None]
_EVERYTHING = ListQuery()
_POINT_FIELDS = (
    *("channel", "label", "value", "extension", "po_box", "extended", "street"),
    *("locality", "region", "postcode", "country", "pref"),
)


def _point(point: ContactPoint) -> Point:
    return Point(**{f: getattr(point, f) for f in _POINT_FIELDS})


def _names(text: str | None) -> tuple[str, ...]:
    return (text,) if text else ()


def card_of(
    contact: Contact,
    details: ContactDetails,
    orgs: Organizations,
    photo: Photo | None,
    uids: dict[str, str],
) -> Card:
    """The card of a contact; `uids` gives the UID of each contact its relations name."""
    jobs = tuple(
        Job(
            title=p.title,
            organization=orgs.chain(p.org_id)
            if p.org_id
            else tuple(filter(None, [p.organization])),
            chain=p.org_id is not None,
            starts_on=p.starts_on,
            ends_on=p.ends_on,
        )
        for p in details.postings
    )
    relatives = tuple(
        Relative(
            relation=r.relation,
            name=r.name if r.other_id is None else None,
            uid=uids.get(r.other_id or ""),
        )
        for r in details.relations
        if r.other_id is None or r.other_id in uids
    )
    return Card(
        full_name=contact.full_name,
        name_prefix=contact.name_prefix,
        given_name=contact.given_name,
        additional_names=contact.additional_names,
        family_name=contact.family_name,
        name_suffix=contact.name_suffix,
        nicknames=contact.nicknames,
        aliases=contact.aliases,
        rank=contact.rank,
        position=contact.position,
        organization=orgs.chain(contact.org_id),
        country=contact.country,
        languages=contact.languages,
        points=tuple(_point(p) for p in details.points),
        jobs=jobs,
        relatives=relatives,
        birthday=contact.birthday,
        anniversary=contact.anniversary,
        how_met=contact.how_met,
        trust_notes=contact.trust_notes,
        notes=contact.notes,
        cadence_days=contact.cadence_days,
        tags=contact.tags,
        marking=contact.marking,
        photo=photo,
        uid=contact.uid or contact.id,
    )


def contact_cards(store: Store, query: ListQuery) -> Iterator[Card]:
    """A Card for each contact the query matches, with its organization chain, details and
    photo; read a page at a time (one query per kind of detail and page)."""
    orgs = Organizations(store)
    page: list[Contact] = []
    for contact in all_matching(store, Contact, query):
        page.append(contact)
        if len(page) == PAGE:
            yield from _cards(store, orgs, page)
            page = []
    yield from _cards(store, orgs, page)


def _cards(store: Store, orgs: Organizations, contacts: Sequence[Contact]) -> Iterator[Card]:
    details = details_for(store, [c.id for c in contacts])
    others = {r.other_id for d in details.values() for r in d.relations if r.other_id}
    uids = (
        dict(
            store.conn.execute(
                "SELECT id, coalesce(uid, id) FROM contacts WHERE deleted = 0 "
                "AND id IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted(others)),),
            ).fetchall()
        )
        if others
        else {}
    )
    for contact in contacts:
        photo = None
        if contact.photo_id:
            try:
                attachment = store.get(Attachment, contact.photo_id)
                photo = Photo(attachment.mime, attachment.data)
            except RecordNotFound:
                photo = None  # the photo was deleted; the contact still goes out
        detail = details.get(contact.id, ContactDetails())
        yield card_of(contact, detail, orgs, photo, uids)


def vcard_bytes(
    store: Store,
    query: ListQuery,
    version: str = "3.0",
    progress: Progress | None = None,
) -> tuple[bytes, int]:
    """The .vcf file's bytes (UTF-8, CRLF) and how many contacts it holds."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported vCard version {version}")
    total = store.count(Contact, query)
    parts: list[str] = []
    for card in contact_cards(store, query):
        parts.append(write_card(card, version))
        if progress is not None and (len(parts) % 250 == 0 or len(parts) == total):
            progress(len(parts), total)
    return "".join(parts).encode("utf-8"), len(parts)


def export_vcards(
    vault: Vault,
    path: Path,
    query: ListQuery = _EVERYTHING,
    version: str = "3.0",
    progress: Progress | None = None,
) -> int:
    """Write the matching contacts to `path` (not encrypted); returns how many were written."""
    data, count = vcard_bytes(vault.store, query, version, progress)
    write_export(vault, path, data, kind="contact", format=f"vcard-{version}", count=count)
    log.info("vcard export: %d contacts", count)
    return count
