"""Bringing vCards into the vault: a preview that finds duplicates, then one transaction.

A card duplicates a contact already in the vault, or an earlier card of the
same file, when it has the same UID, shares an email address, or has the same
name and the same organization (see `duplicates`). For each duplicate the user
chooses:

- ``merge``: fill the contact's empty fields, add phones, emails, languages
  and tags it lacks, append notes it does not hold yet; nothing is overwritten,
  so merging the same file twice changes nothing the second time;
- ``skip``: leave the contact as it is;
- ``create``: add the card as a new contact anyway.

Organizations named by ORG (and its units, each a child of the one before)
are reused when they exist and created when they do not. A card the vault
would refuse (a value it does not accept) is left out and reported with its
line, like a card that cannot be read, and the others come in; with `strict`,
either refuses the whole file. Everything that comes in is written in one
transaction with the audit entry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.interop.duplicates import Duplicate, Matcher, Target
from liaison_desk.core.interop.import_report import NotKept, Problem
from liaison_desk.core.interop.org_chains import Organizations, chain_key
from liaison_desk.core.interop.vcard import Card, CardFile, Photo
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.markings import resolve
from liaison_desk.core.records import Attachment, Contact, Record
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


@dataclass(frozen=True)
class PreviewRow:
    index: int  # the card's place in the file's cards
    card: Card
    duplicate: Duplicate | None


@dataclass(frozen=True)
class Preview:
    """What importing a file would do: the cards that can come in, each with what it
    duplicates, and what is left out (`skipped` cards, `dropped` values, `not_kept`)."""

    source: str
    rows: tuple[PreviewRow, ...]
    new_organizations: int
    skipped: tuple[Problem, ...] = ()
    dropped: tuple[Problem, ...] = ()
    not_kept: NotKept = ()

    @property
    def duplicates(self) -> int:
        return sum(row.duplicate is not None for row in self.rows)


@dataclass(frozen=True)
class ImportSummary:
    created: int
    merged: int
    skipped: int  # duplicates skipped by choice
    organizations: int
    photos: int
    left_out: tuple[Problem, ...] = ()  # cards not imported: unreadable or refused
    dropped: tuple[Problem, ...] = ()  # values left out of cards that came in
    not_kept: NotKept = ()

    def sentence(self) -> str:
        orgs = f", {plural(self.organizations, 'new organization')}" if self.organizations else ""
        photos = f", {plural(self.photos, 'photo')}" if self.photos else ""
        lost = [
            plural(len(found), noun)
            for found, noun in ((self.left_out, "card"), (self.dropped, "damaged value"))
            if found
        ]
        left_out = f"; left out: {', '.join(lost)}" if lost else ""
        return (
            f"{plural(self.created, 'contact')} added, {self.merged:,} merged, "
            f"{self.skipped:,} skipped{orgs}{photos}{left_out}."
        )


# -- preview ---------------------------------------------------------------------------------


def card_values(card: Card, marking: str = "") -> dict[str, Any]:
    """The contact fields a card fills (organization and photo apart)."""
    values = {f: getattr(card, f) for f in _CARD_FIELDS}
    values["marking"] = card.marking or marking
    return values


def refusal(card: Card, markings: Sequence[str], marking: str) -> Problem | None:
    """Why the vault would refuse the card (at the line of the value refused), if it would."""
    values = {f: None for f in CONTACT.fields} | card_values(card, marking)
    values.update({f: values[f] or () for f in CONTACT.list_fields})
    values["distribution"] = ""
    try:
        validate(CONTACT, "", values, markings, lambda _kind, _id: True)
        for unit in card.organization:
            if len(unit) > MAX_SHORT:
                raise ValidationError("An organization name is longer than 1,000 characters.")
        if card.photo is not None and len(card.photo.data) > MAX_ATTACHMENT:
            raise ValidationError("The photo is larger than 64 MiB, the limit for attachments.")
    except ValidationError as exc:
        return Problem(card.line_of(exc.message), exc.message, card.full_name)
    return None


def _accepted(
    file: CardFile, markings: Sequence[str], marking: str, strict: bool
) -> tuple[list[tuple[int, Card]], list[Problem]]:
    """The cards the vault accepts (with their index), and the skipped ones with why.

    With `strict`, anything left out refuses the file: the first problem, by line.
    """
    accepted: list[tuple[int, Card]] = []
    refused: list[Problem] = []
    for index, card in enumerate(file.cards):
        problem = refusal(card, markings, marking)
        if problem is None:
            accepted.append((index, card))
        else:
            refused.append(problem)
    skipped = sorted((*file.skipped, *refused), key=lambda p: p.line)
    if strict and (skipped or file.dropped):
        first = min((*skipped, *file.dropped), key=lambda p: p.line)
        raise ImportFormatError(first.sentence(file.source))
    return accepted, skipped


def preview(store: Store, file: CardFile, marking: str = "", *, strict: bool = False) -> Preview:
    """Each card with the contact or earlier card it duplicates, and what is left out;
    nothing is written. With `strict`, a card left out raises ImportFormatError instead.
    """
    markings = store.markings()
    default_marking = resolve(markings, marking) if marking else ""
    accepted, skipped = _accepted(file, markings, default_marking, strict)
    orgs = Organizations(store)
    matcher = Matcher(store, orgs)
    rows: list[PreviewRow] = []
    chains: set[tuple[str, ...]] = set()
    new_orgs = 0
    for index, card in accepted:
        found = matcher.find(card)
        rows.append(PreviewRow(index, card, found[0].duplicate(found[1]) if found else None))
        if found is None:
            matcher.remember(card, Target(card.full_name, card=index))
        key = chain_key(card.organization)
        if card.organization and key not in chains:
            chains.add(key)
            new_orgs += orgs.missing(card.organization)
    return Preview(file.source, tuple(rows), new_orgs, tuple(skipped), file.dropped, file.not_kept)


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
    file: CardFile,
    *,
    on_duplicate: str = "skip",
    choices: Mapping[int, str] | None = None,
    marking: str = "",
    progress: Progress | None = None,
    strict: bool = False,
) -> ImportSummary:
    """Add or merge every card the vault accepts, in one transaction; the others are left
    out and reported (with `strict`, any of them refuses the whole file).

    `choices` overrides `on_duplicate` for single cards (by index in `file.cards`).
    Duplicates are found again here: the vault may have changed since the preview.
    """
    if on_duplicate not in POLICIES or any(c not in POLICIES for c in (choices or {}).values()):
        raise ValidationError(f"On a duplicate, choose one of: {', '.join(POLICIES)}.")
    store = vault.store
    source = file.source
    with store.transaction():
        markings = store.markings()
        default_marking = resolve(markings, marking) if marking else ""
        accepted, left_out = _accepted(file, markings, default_marking, strict)
        orgs = Organizations(store)
        matcher = Matcher(store, orgs)
        new: list[_Pending] = []
        merges: dict[str, _Pending] = {}
        skipped = 0
        for index, card in accepted:
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
            target = Target(card.full_name, slot=len(new), card=index)
            new.append(_Pending(values, card.organization, card.photo, [card]))
            matcher.remember(card, target)
        created = _create(vault, orgs, new, source, progress)
        merged, merge_photos = _merge(vault, orgs, merges, source, markings)
        merged_cards = sum(len(p.cards) for p in merges.values())
        merged_cards += sum(len(p.cards) - 1 for p in new)
        summary = ImportSummary(
            created,
            merged_cards,
            skipped,
            len(orgs.created),
            created_photos(new) + merge_photos,
            tuple(left_out),
            file.dropped,
            file.not_kept,
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
            left_out=len(summary.left_out),
            organizations=summary.organizations,
            photos=summary.photos,
        )
    log.info(
        "vcard import: %d created, %d merged into %d, %d left out",
        created,
        merged_cards,
        merged,
        len(left_out),
    )
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
            yield Contact(id=contact_id, org_id=org_id, photo_id=photo_id, **pending.values)
            if pending.photo is not None and photo_id is not None:
                yield _photo_record(contact_id, pending.photo, pending.values["marking"], photo_id)
            if progress is not None and (done % 250 == 0 or done == total):
                progress(done, total)

    try:
        store.add_many(records())
    except ValidationError as exc:
        raise _refused(source, current[0], exc) from None
    return len(new)


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
        before = {f: getattr(contact, f) for f in _CARD_FIELDS}
        after = merge_values(before, pending.values, markings)
        changes = {f: v for f, v in after.items() if v != before[f]}
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
                changed += 1
        except ValidationError as exc:
            raise _refused(source, pending.cards[0], exc) from None
    return changed, photos
