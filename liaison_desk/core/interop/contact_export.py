"""Contacts out of the vault as vCards: every contact a list query matches, whole."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from liaison_desk.core.errors import RecordNotFound
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.listing import all_matching
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.interop.vcard import Card, Photo
from liaison_desk.core.interop.vcard_writer import VERSIONS, write_card
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.interop")

Progress = Callable[[int, int], None]
_EVERYTHING = ListQuery()


def card_of(contact: Contact, organization: tuple[str, ...], photo: Photo | None) -> Card:
    return Card(
        full_name=contact.full_name,
        rank=contact.rank,
        position=contact.position,
        organization=organization,
        country=contact.country,
        languages=contact.languages,
        phones=contact.phones,
        emails=contact.emails,
        address=contact.address,
        how_met=contact.how_met,
        trust_notes=contact.trust_notes,
        notes=contact.notes,
        cadence_days=contact.cadence_days,
        tags=contact.tags,
        marking=contact.marking,
        photo=photo,
        uid=contact.id,
    )


def contact_cards(store: Store, query: ListQuery) -> Iterator[Card]:
    """A Card for each contact the query matches, with its organization chain and photo."""
    orgs = Organizations(store)
    for contact in all_matching(store, Contact, query):
        photo = None
        if contact.photo_id:
            try:
                attachment = store.get(Attachment, contact.photo_id)
                photo = Photo(attachment.mime, attachment.data)
            except RecordNotFound:
                photo = None  # the photo was deleted; the contact still goes out
        yield card_of(contact, orgs.chain(contact.org_id), photo)


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
