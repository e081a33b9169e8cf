"""Bringing vCards into the vault: a preview that finds duplicates, then one transaction.

A card duplicates a contact already in the vault, or an earlier card of the
same file, when it has the same UID, shares an email address, or has the same
name and the same organization (see `duplicates`). For each duplicate the user
chooses: ``merge`` (fill what the contact lacks, never overwrite; see
`card_records`), ``skip`` (leave the contact as it is) or ``create`` (add the
card as a new contact anyway).

Organizations named by ORG (and its units, each a child of the one before)
are reused when they exist and created when they do not. A card the vault
would refuse (a name it does not accept, an unknown marking) is left out and
reported with its line, like a card that cannot be read; a phone, email or
posting it would refuse is left out of its card, which comes in. With
`strict`, any of these refuses the whole file. Everything that comes in is
written in one transaction with the audit entry.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.interop.card_records import Pending, Writer, card_values, point_record
from liaison_desk.core.interop.duplicates import Duplicate, Matcher, Target
from liaison_desk.core.interop.import_report import NotKept, Problem
from liaison_desk.core.interop.org_chains import Organizations, chain_key
from liaison_desk.core.interop.vcard import Card, CardFile
from liaison_desk.core.kinds import CONTACT, CONTACT_POINT, POSTING
from liaison_desk.core.markings import resolve
from liaison_desk.core.store import Store
from liaison_desk.core.validation import MAX_ATTACHMENT, MAX_SHORT, validate
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural

log = logging.getLogger("liaison_desk.interop")

POLICIES = ("merge", "skip", "create")
Progress = Callable[[int, int], None]


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
            for found, noun in ((self.left_out, "card"), (self.dropped, "value"))
            if found
        ]
        left_out = f"; left out: {', '.join(lost)}" if lost else ""
        return (
            f"{plural(self.created, 'contact')} added, {self.merged:,} merged, "
            f"{self.skipped:,} skipped{orgs}{photos}{left_out}."
        )


# -- checks ----------------------------------------------------------------------------------


def _exists(_kind: Any, _id: str) -> bool:
    return True  # the contact and organizations are made by the import itself


def _check_details(card: Card, markings: Sequence[str], marking: str) -> tuple[Card, list[Problem]]:
    """The card without the points and postings the vault would refuse, and why each went."""
    dropped: list[Problem] = []
    points = []
    for point in card.points:
        record = point_record(point, "-", marking)
        try:
            validate(CONTACT_POINT, "", _fields(CONTACT_POINT, record), markings, _exists)
        except ValidationError as exc:
            dropped.append(Problem(point.line, exc.message, card.full_name))
            continue
        points.append(point)
    jobs = []
    for job in card.jobs:
        values: dict[str, Any] = {"contact_id": "-", "title": job.title, "org_id": None}
        values |= {"organization": None, "starts_on": job.starts_on, "ends_on": job.ends_on}
        values |= {"marking": marking, "tags": (), "distribution": ""}
        try:
            validate(POSTING, "", values, markings, _exists)
        except ValidationError as exc:
            dropped.append(Problem(card.line, exc.message, card.full_name))
            continue
        jobs.append(job)
    if dropped:
        card = dataclasses.replace(card, points=tuple(points), jobs=tuple(jobs))
    return card, dropped


def _fields(kind: Any, record: Any) -> dict[str, Any]:
    return {f: getattr(record, f) for f in ("marking", "tags", "distribution", *kind.fields)}


def refusal(card: Card, markings: Sequence[str], marking: str) -> Problem | None:
    """Why the vault would refuse the card (at the line of the value refused), if it would."""
    values = {f: None for f in CONTACT.fields} | card_values(card, marking)
    values.update({f: values[f] or () for f in CONTACT.list_fields})
    values["distribution"] = ""
    try:
        validate(CONTACT, "", values, markings, _exists)
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
) -> tuple[list[tuple[int, Card]], list[Problem], list[Problem]]:
    """The cards the vault accepts (with their index; without the values it refuses), the
    cards left out and the values dropped, each with why.

    With `strict`, anything left out refuses the file: the first problem, by line.
    """
    accepted: list[tuple[int, Card]] = []
    refused: list[Problem] = []
    dropped = list(file.dropped)
    for index, card in enumerate(file.cards):
        card, left = _check_details(card, markings, marking)
        problem = refusal(card, markings, marking)
        if problem is None:
            accepted.append((index, card))
            dropped += left
        else:
            refused.append(problem)
    skipped = sorted((*file.skipped, *refused), key=lambda p: p.line)
    dropped.sort(key=lambda p: p.line)
    if strict and (skipped or dropped):
        first = min((*skipped, *dropped), key=lambda p: p.line)
        raise ImportFormatError(first.sentence(file.source))
    return accepted, skipped, dropped


def preview(store: Store, file: CardFile, marking: str = "", *, strict: bool = False) -> Preview:
    """Each card with the contact or earlier card it duplicates, and what is left out;
    nothing is written. With `strict`, a card left out raises ImportFormatError instead.
    """
    markings = store.markings()
    default_marking = resolve(markings, marking) if marking else ""
    accepted, skipped, dropped = _accepted(file, markings, default_marking, strict)
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
    return Preview(
        file.source, tuple(rows), new_orgs, tuple(skipped), tuple(dropped), file.not_kept
    )


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
        accepted, left_out, dropped = _accepted(file, markings, default_marking, strict)
        orgs = Organizations(store)
        matcher = Matcher(store, orgs)
        new: list[Pending] = []
        merges: dict[str, Pending] = {}
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
                    pending = merges.setdefault(target.contact_id, Pending({}))
                pending.add(card, values, markings)
                matcher.remember(card, target)
                continue
            target = Target(card.full_name, slot=len(new), card=index)
            pending = Pending({})
            pending.add(card, values, markings)
            new.append(pending)
            matcher.remember(card, target)
        writer = Writer(vault, orgs, source)
        writer.uids = {uid: t.contact_id for uid, t in matcher.by_uid.items() if t.contact_id}
        created = writer.create(new, progress)
        merged = writer.merge(merges, markings)
        for card, relative in writer.relate():
            dropped.append(
                Problem(
                    card.line,
                    f"the {relative.relation} with UID {relative.uid} is no contact here nor a "
                    "card of the file; left out.",
                    card.full_name,
                )
            )
        merged_cards = sum(len(p.cards) for p in merges.values())
        merged_cards += sum(len(p.cards) - 1 for p in new)
        summary = ImportSummary(
            created,
            merged_cards,
            skipped,
            len(orgs.created),
            writer.photos,
            tuple(left_out),
            tuple(dropped),
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
