"""Where the hand-written interop fixtures live (vCards and calendars as other software
writes them, and broken ones)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from liaison_desk.core.contact_details import details_for
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "interop"


# Fields that belong to a vault, not to the person: they differ from vault to vault.
_LOCAL = {"id", "created_at", "updated_at", "org_id", "photo_id", "contact_id", "other_id"}
_LOCAL |= {"distribution", "e164", "uid"}


def described(vault: Vault, *, exported: bool = False) -> dict[str, Any]:
    """Each contact as a person reads it: fields, organization chain, details, photo, and
    its UID (`exported`: as the export writes it, the contact's id when it came with none)."""
    orgs = Organizations(vault.store)
    contacts = vault.store.list(Contact, ListQuery(limit=10_000))
    details = details_for(vault.store, [c.id for c in contacts])
    names = {c.id: c.full_name for c in contacts}

    def plain(item: Any, *, detail: bool = True) -> dict[str, Any]:
        """A record's fields; a detail's marking is left out: a card has one marking, which
        its points, postings and relations take when they come in."""
        local = _LOCAL | {"marking"} if detail else _LOCAL
        return {k: v for k, v in dataclasses.asdict(item).items() if k not in local}

    out: dict[str, Any] = {}
    for contact in contacts:
        detail = details.get(contact.id)
        photo = vault.store.get(Attachment, contact.photo_id) if contact.photo_id else None
        out.setdefault(contact.full_name, []).append(
            {
                **plain(contact, detail=False),
                "uid": (contact.uid or contact.id) if exported else contact.uid,
                "organization": orgs.chain(contact.org_id),
                "points": [plain(p) for p in detail.points] if detail else [],
                "postings": [{**plain(p), "chain": orgs.chain(p.org_id)} for p in detail.postings]
                if detail
                else [],
                "relations": [
                    {**plain(r), "other": names.get(r.other_id or "")} for r in detail.relations
                ]
                if detail
                else [],
                "photo": (photo.mime, photo.data) if photo else None,
            }
        )
    return out
