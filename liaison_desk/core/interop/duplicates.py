"""Which contact of the vault, or which earlier card of the file, a card repeats.

The card's UID is looked at first: a card we exported carries its contact's UID
(the one it came with, else its id), and a contact keeps the UID of the card it
came from, so a round trip through Outlook, Google or a phone finds the same
people again. Then a shared email address, then the
same name in the same organization (with its units).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from liaison_desk.core.contact_details import EMAILS_SQL
from liaison_desk.core.interop.org_chains import Organizations, chain_key, name_key
from liaison_desk.core.interop.vcard import Card
from liaison_desk.core.store import Store

SAME_UID = "same UID"


@dataclass(frozen=True)
class Duplicate:
    """What a card repeats: a contact of the vault (`contact_id`) or an earlier card (`card`)."""

    name: str
    reason: str  # "same UID", "same email", "same name and organization"
    contact_id: str | None = None
    card: int | None = None


@dataclass
class Target:
    """Where a card's values go: a contact to create (`slot`) or one of the vault's (`id`)."""

    name: str
    contact_id: str | None = None
    slot: int | None = None
    card: int | None = None

    def duplicate(self, reason: str) -> Duplicate:
        return Duplicate(self.name, reason, contact_id=self.contact_id, card=self.card)


class Matcher:
    """Finds the contact or earlier card a card repeats."""

    def __init__(self, store: Store, orgs: Organizations) -> None:
        self.by_uid: dict[str, Target] = {}
        self.by_email: dict[str, Target] = {}
        self.by_name: dict[tuple[str, tuple[str, ...]], Target] = {}
        rows = store.conn.execute(
            f"SELECT id, full_name, org_id, uid, {EMAILS_SQL.format(contact_id='c.id')} "
            "FROM contacts c WHERE deleted = 0 ORDER BY n"
        ).fetchall()
        for contact_id, name, org_id, uid, emails in rows:
            target = Target(name, contact_id=contact_id)
            self.by_uid[contact_id] = target
            if uid:
                self.by_uid.setdefault(uid, target)
            for email in json.loads(emails) if emails != "[]" else ():
                self.by_email.setdefault(email.casefold(), target)
            self.by_name.setdefault((name_key(name), chain_key(orgs.chain(org_id))), target)

    def find(self, card: Card) -> tuple[Target, str] | None:
        if card.uid and (target := self.by_uid.get(card.uid)) is not None:
            return target, SAME_UID
        for email in card.emails:
            if (target := self.by_email.get(email.casefold())) is not None:
                return target, "same email"
        name = (name_key(card.full_name), chain_key(card.organization))
        if (target := self.by_name.get(name)) is not None:
            return target, "same name and organization"
        return None

    def remember(self, card: Card, target: Target) -> None:
        if card.uid:
            self.by_uid.setdefault(card.uid, target)
        for email in card.emails:
            self.by_email.setdefault(email.casefold(), target)
        self.by_name.setdefault((name_key(card.full_name), chain_key(card.organization)), target)
