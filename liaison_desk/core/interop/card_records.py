"""Cards as the vault's records: a contact with its points, postings, relations and photo,
created new or merged into a contact the vault holds.

A merge never overwrites: it fills the contact's empty fields, unites its
lists (nicknames, aliases, languages, tags), appends notes it does not hold
yet, and adds the points, postings and relations it lacks; so merging the
same file twice changes nothing the second time. A relation to another card's
UID is tied to that contact once every card of the file has its contact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.contact_details import details_of
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.interop.vcard import Card, Photo
from liaison_desk.core.interop.vcard_fields import Job, Point, Relative
from liaison_desk.core.records import (
    Attachment,
    Contact,
    ContactPoint,
    ContactRelation,
    Posting,
    Record,
)
from liaison_desk.core.store import Store
from liaison_desk.core.vault import Vault

Progress = Callable[[int, int], None]
# The contact's own fields a card fills (its organization, photo and details apart).
CARD_FIELDS = (
    "full_name",
    "name_prefix",
    "given_name",
    "additional_names",
    "family_name",
    "name_suffix",
    "nicknames",
    "aliases",
    "rank",
    "position",
    "country",
    "languages",
    "birthday",
    "anniversary",
    "how_met",
    "trust_notes",
    "notes",
    "cadence_days",
    "tags",
    "marking",
    "uid",
)
_LISTS = ("nicknames", "aliases", "languages", "tags")
_APPENDED = ("notes", "trust_notes", "how_met")
_PHOTO_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
_POINT_FIELDS = (
    "channel",
    "label",
    "value",
    "extension",
    "po_box",
    "extended",
    "street",
    "locality",
    "region",
    "postcode",
    "country",
    "pref",
)


def card_values(card: Card, marking: str = "") -> dict[str, Any]:
    """The contact fields a card fills (organization, photo and details apart)."""
    values = {f: getattr(card, f) for f in CARD_FIELDS}
    values["marking"] = card.marking or marking
    return values


def point_record(point: Point, contact_id: str, marking: str) -> ContactPoint:
    fields = {f: getattr(point, f) for f in _POINT_FIELDS}
    return ContactPoint(contact_id=contact_id, marking=marking, **fields)


def posting_record(job: Job, contact_id: str, org_id: str | None, marking: str) -> Posting:
    return Posting(
        contact_id=contact_id,
        title=job.title,
        org_id=org_id,
        organization=None if job.chain else (", ".join(job.organization) or None),
        starts_on=job.starts_on,
        ends_on=job.ends_on,
        marking=marking,
    )


def _point_key(point: Point | ContactPoint) -> tuple[str, ...]:
    parts = (point.value, point.street, point.locality, point.postcode, point.po_box)
    return (point.channel, *(" ".join((p or "").casefold().split()) for p in parts))


def _job_key(job: Job) -> tuple[str, ...]:
    return (job.title.casefold(), *(u.casefold() for u in job.organization))


def _relative_key(relative: Relative) -> tuple[str, str]:
    return relative.relation.casefold(), (relative.name or relative.uid or "").casefold()


@dataclass
class Pending:
    """What goes into one contact being created or merged into, as cards add to it."""

    values: dict[str, Any]
    organization: tuple[str, ...] = ()
    photo: Photo | None = None
    points: list[Point] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    relatives: list[Relative] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)

    def add(self, card: Card, values: Mapping[str, Any], markings: Sequence[str]) -> None:
        """Merge a card in: empty fields filled, lists united, details it lacks added."""
        self.values = merge_values(self.values, values, markings)
        self.organization = self.organization or card.organization
        self.photo = self.photo or card.photo
        self.points += _missing(card.points, self.points, _point_key)
        self.jobs += _missing(card.jobs, self.jobs, _job_key)
        self.relatives += _missing(card.relatives, self.relatives, _relative_key)
        self.cards.append(card)


def _missing(items: Iterable[Any], held: Iterable[Any], key: Callable[[Any], Any]) -> list[Any]:
    seen = {key(item) for item in held}
    out = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


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
        elif name in _APPENDED and current and value:
            if value not in current:
                out[name] = f"{current}\n\n{value}"
        elif current in (None, "", ()):
            out[name] = value
    return out


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


def refused(source: str, card: Card, exc: ValidationError) -> ImportFormatError:
    return ImportFormatError(f"{source}, line {card.line_of(exc.message)}: {exc.message}")


class Writer:
    """Writes the pending contacts of one import, then the relations between them.

    `uids` maps a card UID to the contact it is (the vault's, by id or UID, and
    each contact this import creates), so RELATED can name the other person.
    """

    def __init__(self, vault: Vault, orgs: Organizations, source: str) -> None:
        self.vault = vault
        self.store: Store = vault.store
        self.orgs = orgs
        self.source = source
        self.now = vault.clock.now_ms()
        self.uids: dict[str, str] = {}
        self._relations: list[tuple[str, Pending, Relative]] = []
        self.photos = 0

    def _details(self, contact_id: str, pending: Pending) -> Iterator[Record]:
        marking = pending.values["marking"]
        for point in pending.points:
            yield point_record(point, contact_id, marking)
        for job in pending.jobs:
            org_id = self.orgs.ensure(job.organization, None, self.now) if job.chain else None
            yield posting_record(job, contact_id, org_id, marking)
        self._relations += [(contact_id, pending, r) for r in pending.relatives]

    def create(self, new: Sequence[Pending], progress: Progress | None) -> int:
        store, now = self.store, self.now
        org_ids = [self.orgs.ensure(p.organization, p.values.get("country"), now) for p in new]
        for pending in new:
            for job in pending.jobs:
                if job.chain:
                    self.orgs.ensure(job.organization, None, now)
        self.orgs.write(store, self.source)
        ids = [uuid7(now) for _ in new]
        for contact_id, pending in zip(ids, new, strict=True):
            for card in pending.cards:
                if card.uid:
                    self.uids.setdefault(card.uid, contact_id)
        current: list[Card] = []

        def records() -> Iterator[Record]:
            total = len(new)
            for done, (pending, org_id, contact_id) in enumerate(
                zip(new, org_ids, ids, strict=True), 1
            ):
                current[:] = pending.cards[:1]
                photo_id = uuid7(now) if pending.photo is not None else None
                yield Contact(id=contact_id, org_id=org_id, photo_id=photo_id, **pending.values)
                yield from self._details(contact_id, pending)
                if pending.photo is not None and photo_id is not None:
                    marking = pending.values["marking"]
                    yield _photo_record(contact_id, pending.photo, marking, photo_id)
                    self.photos += 1
                if progress is not None and (done % 250 == 0 or done == total):
                    progress(done, total)

        try:
            store.add_many(records())
        except ValidationError as exc:
            raise refused(self.source, current[0], exc) from None
        return len(new)

    def merge(self, merges: Mapping[str, Pending], markings: Sequence[str]) -> int:
        """Merge into the vault's contacts; returns how many changed."""
        store, now = self.store, self.now
        changed = 0
        for contact_id, pending in merges.items():
            contact = store.get(Contact, contact_id)
            before = {f: getattr(contact, f) for f in CARD_FIELDS}
            after = merge_values(before, pending.values, markings)
            changes = {f: v for f, v in after.items() if v != before[f]}
            if contact.org_id is None and pending.organization:
                changes["org_id"] = self.orgs.ensure(pending.organization, after["country"], now)
            self._keep_missing(contact_id, pending)
            pending.values = {"marking": after["marking"]}
            added = list(self._details(contact_id, pending))
            self.orgs.write(store, self.source)
            try:
                if contact.photo_id is None and pending.photo is not None:
                    photo_id = uuid7(now)
                    store.add(_photo_record(contact_id, pending.photo, after["marking"], photo_id))
                    changes["photo_id"] = photo_id
                    self.photos += 1
                if changes:
                    store.update(Contact, contact_id, changes)
                store.add_many(added)
            except ValidationError as exc:
                raise refused(self.source, pending.cards[0], exc) from None
            changed += bool(changes or added or pending.relatives)
        return changed

    def _keep_missing(self, contact_id: str, pending: Pending) -> None:
        """Leave in `pending` only the details the vault's contact lacks."""
        held = details_of(self.store, contact_id)
        pending.points = _missing(pending.points, held.points, _point_key)
        held_jobs = [
            Job(
                title=p.title,
                organization=self.orgs.chain(p.org_id) or tuple(filter(None, [p.organization])),
            )
            for p in held.postings
        ]
        pending.jobs = _missing(pending.jobs, held_jobs, _job_key)

        def other(relative: Relative) -> str:
            found = self.uids.get(relative.uid, relative.uid) if relative.uid else relative.name
            return (found or "").casefold()

        held_relatives = {
            (r.relation.casefold(), (r.other_id or r.name or "").casefold()) for r in held.relations
        }
        pending.relatives = [
            r for r in pending.relatives if (r.relation.casefold(), other(r)) not in held_relatives
        ]

    def relate(self) -> list[tuple[Card, Relative]]:
        """Write the relations gathered; returns those whose other card is nowhere to be
        found (a UID of no contact here, nor of the file)."""
        unknown: list[tuple[Card, Relative]] = []
        records: list[ContactRelation] = []
        for contact_id, pending, relative in self._relations:
            other = self.uids.get(relative.uid) if relative.uid else None
            if relative.uid and (other is None or other == contact_id):
                unknown.append((pending.cards[0], relative))
                continue
            records.append(
                ContactRelation(
                    contact_id=contact_id,
                    relation=relative.relation,
                    other_id=other,
                    name=relative.name,
                    marking=pending.values["marking"],
                )
            )
        try:
            self.store.add_many(records)
        except ValidationError as exc:
            raise ImportFormatError(
                f"{self.source}: a relation was refused: {exc.message}"
            ) from None
        return unknown
