"""Bringing vCards into the vault: a preview that finds duplicates, then one transaction.

A card duplicates a contact already in the vault, or an earlier card of the
same file, when it carries that contact's id (a card we exported), shares an
email address, or has the same name and the same organization (with its
units). For each duplicate the user chooses:

- ``merge``: fill the contact's empty fields, add phones, emails, languages
  and tags it lacks, append notes it does not hold yet; nothing is overwritten,
  so merging the same file twice changes nothing the second time;
- ``skip``: leave the contact as it is;
- ``create``: add the card as a new contact anyway.

Organizations named by ORG (and its units, each a child of the one before)
are reused when they exist and created when they do not. Everything happens
in one transaction with the audit entry: all cards or none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.contact_details import EMAILS_SQL, details_of
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.interop.vcard import Card, Photo
from liaison_desk.core.kinds import CONTACT, CONTACT_POINT
from liaison_desk.core.legacy_points import legacy_values
from liaison_desk.core.markings import resolve
from liaison_desk.core.records import Attachment, Contact, ContactPoint, Organization, Record
from liaison_desk.core.store import Store
from liaison_desk.core.validation import MAX_ATTACHMENT, MAX_SHORT, validate
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural

log = logging.getLogger("liaison_desk.interop")

POLICIES = ("merge", "skip", "create")
Progress = Callable[[int, int], None]
_LISTS = ("phones", "emails", "languages", "tags")
_CARD_FIELDS = (
    "full_name",
    "rank",
    "position",
    "country",
    "languages",
    "phones",
    "emails",
    "address",
    "how_met",
    "trust_notes",
    "notes",
    "cadence_days",
    "tags",
    "marking",
)
_PHOTO_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
# A card's values that become the contact's points, and their channel.
_CARD_POINTS = {"phones": "phone", "emails": "email", "address": "address"}


@dataclass(frozen=True)
class Duplicate:
    """What a card repeats: a contact of the vault (`contact_id`) or an earlier card (`card`)."""

    name: str
    reason: str  # "same id", "same email", "same name and organization"
    contact_id: str | None = None
    card: int | None = None


@dataclass(frozen=True)
class PreviewRow:
    index: int
    card: Card
    duplicate: Duplicate | None


@dataclass(frozen=True)
class Preview:
    source: str
    rows: tuple[PreviewRow, ...]
    new_organizations: int

    @property
    def duplicates(self) -> int:
        return sum(row.duplicate is not None for row in self.rows)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    merged: int
    skipped: int
    organizations: int
    photos: int

    def sentence(self) -> str:
        orgs = f", {plural(self.organizations, 'new organization')}" if self.organizations else ""
        photos = f", {plural(self.photos, 'photo')}" if self.photos else ""
        return (
            f"{plural(self.created, 'contact')} added, {self.merged:,} merged, "
            f"{self.skipped:,} skipped{orgs}{photos}."
        )


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def chain_key(units: Sequence[str]) -> tuple[str, ...]:
    return tuple(_key(u) for u in units)


# -- what the vault holds --------------------------------------------------------------------


class Organizations:
    """The vault's organizations by name under their parent, and the chains new ones need."""

    def __init__(self, store: Store) -> None:
        rows = store.conn.execute(
            "SELECT id, name, parent_id, country FROM organizations WHERE deleted = 0 ORDER BY n"
        ).fetchall()
        self._info = {r[0]: (r[1], r[2], r[3]) for r in rows}
        self._children: dict[tuple[str | None, str], list[str]] = {}
        for org_id, (name, parent, _country) in self._info.items():
            self._children.setdefault((parent, _key(name)), []).append(org_id)
        self._chains: dict[str, tuple[str, ...]] = {}
        self.created: list[Organization] = []
        self._written = 0

    def write(self, store: Store, source: str) -> None:
        """Store the organizations planned since the last call (parents before children)."""
        planned = self.created[self._written :]
        self._written = len(self.created)
        try:
            store.add_many(planned)
        except ValidationError as exc:
            raise ImportFormatError(
                f"{source}: an organization was refused: {exc.message}"
            ) from None

    def chain(self, org_id: str | None) -> tuple[str, ...]:
        """Names from the outermost organization down to `org_id`."""
        if org_id is None or org_id not in self._info:
            return ()
        if org_id not in self._chains:
            names: list[str] = []
            seen: set[str] = set()
            current: str | None = org_id
            while current is not None and current in self._info and current not in seen:
                seen.add(current)
                name, parent, _ = self._info[current]
                names.append(name)
                current = parent
            self._chains[org_id] = tuple(reversed(names))
        return self._chains[org_id]

    def find(self, units: Sequence[str], country: str | None) -> str | None:
        """The id of an existing (or planned) organization with exactly this chain."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, _key(unit)))
            if not found:
                return None
            if depth == 0 and country and len(found) > 1:
                same = [o for o in found if self._info[o][2] == country]
                found = same or found
            parent = found[0]
        return parent

    def missing(self, units: Sequence[str]) -> int:
        """How many organizations `units` would add."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, _key(unit)))
            if not found:
                return len(units) - depth
            parent = found[0]
        return 0

    def ensure(self, units: Sequence[str], country: str | None, now_ms: int) -> str | None:
        """The organization for this chain, planning the ones that do not exist yet."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, _key(unit)))
            if found:
                if depth == 0 and country and len(found) > 1:
                    same = [o for o in found if self._info[o][2] == country]
                    found = same or found
                parent = found[0]
                continue
            org = Organization(id=uuid7(now_ms), name=unit, parent_id=parent)
            self.created.append(org)
            self._info[org.id] = (unit, parent, None)
            self._children[(parent, _key(unit))] = [org.id]
            parent = org.id
        return parent


@dataclass
class _Target:
    """Where a card's values go: a contact to create (`slot`) or one of the vault's (`id`)."""

    name: str
    contact_id: str | None = None
    slot: int | None = None
    card: int | None = None


class _Matcher:
    """Finds the contact or earlier card a card repeats."""

    def __init__(self, store: Store, orgs: Organizations) -> None:
        self.by_id: dict[str, _Target] = {}
        self.by_email: dict[str, _Target] = {}
        self.by_name: dict[tuple[str, tuple[str, ...]], _Target] = {}
        rows = store.conn.execute(
            f"SELECT id, full_name, org_id, {EMAILS_SQL.format(contact_id='c.id')} "
            "FROM contacts c WHERE deleted = 0 ORDER BY n"
        ).fetchall()
        for contact_id, name, org_id, emails in rows:
            target = _Target(name, contact_id=contact_id)
            self.by_id[contact_id] = target
            for email in json.loads(emails) if emails != "[]" else ():
                self.by_email.setdefault(email.casefold(), target)
            self.by_name.setdefault((_key(name), chain_key(orgs.chain(org_id))), target)

    def find(self, card: Card) -> tuple[_Target, str] | None:
        if card.uid and (target := self.by_id.get(card.uid)) is not None:
            return target, "same id"
        for email in card.emails:
            if (target := self.by_email.get(email.casefold())) is not None:
                return target, "same email"
        name = (_key(card.full_name), chain_key(card.organization))
        if (target := self.by_name.get(name)) is not None:
            return target, "same name and organization"
        return None

    def remember(self, card: Card, target: _Target) -> None:
        for email in card.emails:
            self.by_email.setdefault(email.casefold(), target)
        self.by_name.setdefault((_key(card.full_name), chain_key(card.organization)), target)


def _duplicate(target: _Target, reason: str) -> Duplicate:
    return Duplicate(target.name, reason, contact_id=target.contact_id, card=target.card)


# -- preview ---------------------------------------------------------------------------------


def card_values(card: Card, marking: str = "") -> dict[str, Any]:
    """The contact fields a card fills (organization and photo apart)."""
    values = {f: getattr(card, f) for f in _CARD_FIELDS}
    values["marking"] = card.marking or marking
    return values


def _contact_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A card's values without those that become points."""
    return {f: v for f, v in values.items() if f not in _CARD_POINTS}


def _points(contact_id: str, values: Mapping[str, Any], marking: str) -> list[ContactPoint]:
    """The contact points a card's phones, emails and address become."""
    return [
        ContactPoint(contact_id=contact_id, channel=channel, value=value, marking=marking)
        for field, channel in _CARD_POINTS.items()
        for value in legacy_values(field, values.get(field))
    ]


def _check(card: Card, source: str, markings: Sequence[str], marking: str) -> None:
    """Refuse, naming the line, a card the vault could not store."""
    card_marking = card_values(card, marking)
    values = {f: None for f in CONTACT.fields} | _contact_values(card_marking)
    values.update({f: values[f] or () for f in CONTACT.list_fields})
    values["distribution"] = ""
    try:
        validate(CONTACT, "", values, markings, lambda _kind, _id: True)
        for point in _points("-", card_marking, card_marking["marking"]):
            fields = {f: getattr(point, f) for f in CONTACT_POINT.fields}
            validate(CONTACT_POINT, "", fields, markings, lambda _kind, _id: True)
        for unit in card.organization:
            if len(unit) > MAX_SHORT:
                raise ValidationError("An organization name is longer than 1,000 characters.")
        if card.photo is not None and len(card.photo.data) > MAX_ATTACHMENT:
            raise ValidationError("The photo is larger than 64 MiB, the limit for attachments.")
    except ValidationError as exc:
        raise ImportFormatError(
            f"{source}, line {card.line_of(exc.message)}: {exc.message}"
        ) from None


def preview(store: Store, cards: Sequence[Card], source: str, marking: str = "") -> Preview:
    """Each card with the contact or earlier card it duplicates; nothing is written.

    Raises ImportFormatError, naming the line, for a card the vault would refuse.
    """
    markings = store.markings()
    if marking:
        resolve(markings, marking)
    orgs = Organizations(store)
    matcher = _Matcher(store, orgs)
    rows: list[PreviewRow] = []
    chains: set[tuple[str, ...]] = set()
    new_orgs = 0
    for index, card in enumerate(cards):
        _check(card, source, markings, marking)
        found = matcher.find(card)
        rows.append(PreviewRow(index, card, _duplicate(*found) if found else None))
        if found is None:
            matcher.remember(card, _Target(card.full_name, card=index))
        key = chain_key(card.organization)
        if card.organization and key not in chains:
            chains.add(key)
            new_orgs += orgs.missing(card.organization)
    return Preview(source, tuple(rows), new_orgs)


# -- merging ---------------------------------------------------------------------------------


@dataclass
class _Pending:
    """Values for one contact being created or merged into, as cards add to them."""

    values: dict[str, Any]
    organization: tuple[str, ...] = ()
    photo: Photo | None = None
    cards: list[Card] = field(default_factory=list)


def _union(a: Sequence[str], b: Sequence[str]) -> tuple[str, ...]:
    seen = {v.casefold() for v in a}
    out = list(a)
    for value in b:
        if value.casefold() not in seen:
            seen.add(value.casefold())
            out.append(value)
    return tuple(out)


def merge_values(
    base: Mapping[str, Any], incoming: Mapping[str, Any], markings: Sequence[str]
) -> dict[str, Any]:
    """`base` completed by `incoming`: empty fields filled, lists united, new notes appended.

    Never overwrites a value; the higher of the two markings is kept.
    """
    out = dict(base)
    for name, value in incoming.items():
        current = out.get(name)
        if name in _LISTS:
            out[name] = _union(current or (), value or ())
        elif name == "marking":
            ranks = [markings.index(m) for m in (current, value) if m in markings]
            out[name] = markings[max(ranks)] if ranks else current or value
        elif name in ("notes", "trust_notes", "how_met") and current and value:
            if value not in current:
                out[name] = f"{current}\n\n{value}"
        elif current in (None, "", ()):
            out[name] = value
    return out


# -- applying --------------------------------------------------------------------------------


def apply_import(
    vault: Vault,
    cards: Sequence[Card],
    source: str,
    *,
    on_duplicate: str = "skip",
    choices: Mapping[int, str] | None = None,
    marking: str = "",
    progress: Progress | None = None,
) -> ImportSummary:
    """Add or merge every card in one transaction; a refused card changes nothing.

    `choices` overrides `on_duplicate` for single cards (by index). Duplicates
    are found again here: the vault may have changed since the preview.
    """
    if on_duplicate not in POLICIES or any(c not in POLICIES for c in (choices or {}).values()):
        raise ValidationError(f"On a duplicate, choose one of: {', '.join(POLICIES)}.")
    store = vault.store
    with store.transaction():
        markings = store.markings()
        default_marking = resolve(markings, marking) if marking else ""
        orgs = Organizations(store)
        matcher = _Matcher(store, orgs)
        new: list[_Pending] = []
        merges: dict[str, _Pending] = {}
        skipped = 0
        for index, card in enumerate(cards):
            _check(card, source, markings, default_marking)
            found = matcher.find(card)
            decision = (choices or {}).get(index, on_duplicate) if found else "create"
            values = card_values(card, default_marking)
            if found is not None and decision == "skip":
                matcher.remember(card, found[0])
                skipped += 1
                continue
            if found is not None and decision == "merge":
                target = found[0]
                if target.slot is not None:
                    pending = new[target.slot]
                else:
                    assert target.contact_id is not None
                    pending = merges.setdefault(target.contact_id, _Pending({}))
                pending.values = merge_values(pending.values, values, markings)
                pending.organization = pending.organization or card.organization
                pending.photo = pending.photo or card.photo
                pending.cards.append(card)
                matcher.remember(card, target)
                continue
            target = _Target(card.full_name, slot=len(new), card=index)
            new.append(_Pending(values, card.organization, card.photo, [card]))
            matcher.remember(card, target)
        created = _create(vault, orgs, new, source, progress)
        merged, merge_photos = _merge(vault, orgs, merges, source, markings)
        organizations = len(orgs.created)
        merged_cards = sum(len(p.cards) for p in merges.values())
        merged_cards += sum(len(p.cards) - 1 for p in new)
        summary = ImportSummary(
            created, merged_cards, skipped, organizations, created_photos(new) + merge_photos
        )
        audit.record(
            vault.conn,
            vault.clock,
            "import",
            kind="contact",
            format="vcard",
            created=summary.created,
            merged=summary.merged,
            skipped=summary.skipped,
            organizations=summary.organizations,
            photos=summary.photos,
        )
    log.info("vcard import: %d created, %d merged into %d", created, merged_cards, merged)
    return summary


def created_photos(new: Sequence[_Pending]) -> int:
    return sum(p.photo is not None for p in new)


def _photo_record(owner: str, photo: Photo, marking: str, photo_id: str) -> Attachment:
    ext = _PHOTO_EXT.get(photo.mime, "img")
    return Attachment(
        id=photo_id,
        owner_id=owner,
        name=f"photo.{ext}",
        mime=photo.mime,
        data=photo.data,
        marking=marking,
    )


def _refused(source: str, card: Card, exc: ValidationError) -> ImportFormatError:
    return ImportFormatError(f"{source}, line {card.line_of(exc.message)}: {exc.message}")


def _create(
    vault: Vault,
    orgs: Organizations,
    new: Sequence[_Pending],
    source: str,
    progress: Progress | None,
) -> int:
    store = vault.store
    now = vault.clock.now_ms()
    org_ids = [orgs.ensure(p.organization, p.values.get("country"), now) for p in new]
    orgs.write(store, source)
    current: list[Card] = []

    def records() -> Iterator[Record]:
        total = len(new)
        for done, (pending, org_id) in enumerate(zip(new, org_ids, strict=True), 1):
            current[:] = pending.cards[:1]
            contact_id = uuid7(now)
            photo_id = uuid7(now) if pending.photo is not None else None
            values = _contact_values(pending.values)
            yield Contact(id=contact_id, org_id=org_id, photo_id=photo_id, **values)
            yield from _points(contact_id, pending.values, pending.values["marking"])
            if pending.photo is not None and photo_id is not None:
                yield _photo_record(contact_id, pending.photo, pending.values["marking"], photo_id)
            if progress is not None and (done % 250 == 0 or done == total):
                progress(done, total)

    try:
        store.add_many(records())
    except ValidationError as exc:
        raise _refused(source, current[0], exc) from None
    return len(new)


def _new_values(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The values of `after` (a card's phones, emails, address) `before` lacks."""
    out: dict[str, Any] = {}
    for name, value in after.items():
        held = legacy_values(name, before.get(name))
        out[name] = [v for v in legacy_values(name, value) if v not in held]
    return {f: v if f != "address" else (v[0] if v else None) for f, v in out.items()}


def _merge(
    vault: Vault,
    orgs: Organizations,
    merges: Mapping[str, _Pending],
    source: str,
    markings: Sequence[str],
) -> tuple[int, int]:
    """Merge into the vault's contacts; returns (contacts changed, photos added)."""
    store = vault.store
    now = vault.clock.now_ms()
    changed = photos = 0
    for contact_id, pending in merges.items():
        contact = store.get(Contact, contact_id)
        before = {f: getattr(contact, f) for f in _CARD_FIELDS if f not in _CARD_POINTS}
        points = details_of(store, contact_id).points
        for name, channel in _CARD_POINTS.items():
            held = tuple(p.value or "" for p in points if p.channel == channel)
            before[name] = (held[0] if held else None) if name == "address" else held
        after = merge_values(before, pending.values, markings)
        changes = {f: v for f, v in after.items() if v != before[f] and f not in _CARD_POINTS}
        added = {f: after[f] for f in _CARD_POINTS if after[f] != before[f]}
        if contact.org_id is None and pending.organization:
            changes["org_id"] = orgs.ensure(pending.organization, after.get("country"), now)
        orgs.write(store, source)
        try:
            if contact.photo_id is None and pending.photo is not None:
                photo_id = uuid7(now)
                store.add(_photo_record(contact_id, pending.photo, after["marking"], photo_id))
                changes["photo_id"] = photo_id
                photos += 1
            if changes:
                store.update(Contact, contact_id, changes)
            new_points = _points(contact_id, _new_values(before, added), after["marking"])
            store.add_many(new_points)
            if changes or new_points:
                changed += 1
        except ValidationError as exc:
            raise _refused(source, pending.cards[0], exc) from None
    return changed, photos
