"""`contact add/edit` options for a contact's repeatable details; `contact show` prints them.

Each detail is one repeatable option in a short text form:

    --phone "mobile:+33 6 12 34 56 78 x12"   (label, then the number as typed)
    --email "work:a.b@example.org"
    --address "home:street;locality;region;postcode;country"
    --web "https://example.org"   --im "signal:+33 6 12 34 56 78"
    --posting "title|organization (name or id)|from|to"
    --relation "spouse:Name or contact id"

On `edit`, the options given for a kind of detail replace all of that kind
(an empty value clears it); kinds not given are kept as they are.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

import click

from liaison_desk.core.contact_details import ContactDetails, address_text
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.ids import is_uuid
from liaison_desk.core.kinds import CONTACT, ORGANIZATION
from liaison_desk.core.records import ContactPoint, ContactRelation, Posting, Record
from liaison_desk.core.store import Store

R = TypeVar("R", bound=Record)
_LABEL = re.compile(r"^[A-Za-z][\w -]{0,30}$")
# Option name -> the channel of the points it gives.
CHANNEL_OPTIONS = {"phones": "phone", "emails": "email", "addresses": "address", "webs": "web"}
CHANNEL_OPTIONS["ims"] = "im"
DETAIL_OPTIONS = (*CHANNEL_OPTIONS, "postings", "relations")

detail_options = (
    click.option("--prefix", "name_prefix", help="Name prefix, e.g. Dr."),
    click.option("--given-name", help="Given name."),
    click.option("--additional-names", help="Middle names."),
    click.option("--family-name", help="Family name."),
    click.option("--suffix", "name_suffix", help="Name suffix, e.g. Jr."),
    click.option("--nickname", "nicknames", multiple=True, help="Nickname; repeat."),
    click.option("--alias", "aliases", multiple=True, help="Former name or other script."),
    click.option("--birthday", help="1970-03-14, or --03-14 without the year."),
    click.option("--anniversary", help="Same forms as --birthday."),
    click.option(
        "--phone", "phones", multiple=True, help='"label:number", e.g. "mobile:+33 6 12 34 56 78".'
    ),
    click.option("--email", "emails", multiple=True, help='"label:address" or the address.'),
    click.option(
        "--address",
        "addresses",
        multiple=True,
        help='"label:street;locality;region;postcode;country"; repeat.',
    ),
    click.option("--web", "webs", multiple=True, help="Web address; repeat."),
    click.option("--im", "ims", multiple=True, help='"service:handle", e.g. "signal:+33 6 …".'),
    click.option(
        "--posting", "postings", multiple=True, help='"title|organization|from|to"; repeat.'
    ),
    click.option(
        "--relation", "relations", multiple=True, help='"spouse:Name" or "deputy-of:<contact id>".'
    ),
)


def _labelled(text: str) -> tuple[str | None, str]:
    """("mobile", "+33 6…") from "mobile:+33 6…"; no label when none is given (or for a URL)."""
    label, sep, rest = text.partition(":")
    if sep and _LABEL.match(label) and not rest.startswith("//"):
        return label.strip(), rest.strip()
    return None, text.strip()


def _point(channel: str, text: str) -> ContactPoint:
    label, value = _labelled(text)
    if channel != "address":
        return ContactPoint(contact_id="", channel=channel, label=label, value=value)
    parts = [p.strip() or None for p in value.split(";")]
    if len(parts) > 5:
        raise ValidationError(f"The address {text!r} has more than five parts.")
    street, locality, region, postcode, country = parts + [None] * (5 - len(parts))
    return ContactPoint(
        contact_id="",
        channel=channel,
        label=label,
        street=street,
        locality=locality,
        region=region,
        postcode=postcode,
        country=country,
    )


def _posting(store: Store, text: str) -> Posting:
    parts = [p.strip() or None for p in text.split("|")]
    if len(parts) > 4 or not parts[0]:
        raise ValidationError(f"The posting {text!r} is not “title|organization|from|to”.")
    title, org, starts, ends = parts + [None] * (4 - len(parts))
    org_id = org if org and is_uuid(org) and store.exists(ORGANIZATION, org) else None
    return Posting(
        contact_id="",
        title=title or "",
        org_id=org_id,
        organization=None if org_id else org,
        starts_on=starts,
        ends_on=ends,
    )


def _relation(store: Store, text: str) -> ContactRelation:
    relation, sep, who = (p.strip() for p in text.partition(":"))
    if not sep or not relation or not who:
        raise ValidationError(f"The relation {text!r} is not “relation:name or contact id”.")
    if is_uuid(who) and store.exists(CONTACT, who):
        return ContactRelation(contact_id="", relation=relation, other_id=who)
    return ContactRelation(contact_id="", relation=relation, name=who)


def _reuse(new: Sequence[R], held: Sequence[R], same: Callable[[R], Any]) -> list[R]:
    """New items taking the id of a held item that is the same (so nothing churns: a save
    then changes only what differs, such as a label)."""
    free = {same(h): h for h in reversed(held)}
    out = []
    for item in new:
        match = free.pop(same(item), None)
        out.append(item if match is None else replace(item, id=match.id, marking=match.marking))
    return out


def details_from(
    store: Store, options: dict[str, Any], held: ContactDetails | None
) -> ContactDetails | None:
    """The contact's details as the options make them (None: no detail option was given).

    Pops the detail options from `options`.
    """
    given = {name: options.pop(name, ()) for name in DETAIL_OPTIONS}
    if not any(given.values()):
        return None
    held = held or ContactDetails()

    def texts(name: str) -> list[str]:
        return [t for t in given[name] if t.strip()]

    points: list[ContactPoint] = []
    for name, channel in CHANNEL_OPTIONS.items():
        mine = [p for p in held.points if p.channel == channel]
        if not given[name]:
            points.extend(mine)
            continue
        typed = [_point(channel, t) for t in texts(name)]
        points.extend(_reuse(typed, mine, lambda p: (p.value, *_address(p))))
    postings = list(held.postings)
    if given["postings"]:
        typed_postings = [_posting(store, t) for t in texts("postings")]
        postings = _reuse(typed_postings, held.postings, lambda p: (p.title, p.starts_on))
    relations = list(held.relations)
    if given["relations"]:
        typed_relations = [_relation(store, t) for t in texts("relations")]
        relations = _reuse(
            typed_relations, held.relations, lambda r: (r.relation, r.other_id, r.name)
        )
    return ContactDetails(tuple(points), tuple(postings), tuple(relations))


def _address(point: ContactPoint) -> tuple[str | None, ...]:
    return (point.street, point.locality, point.region, point.postcode, point.country)


def shown(details: ContactDetails, names: dict[str, str], as_json: bool) -> dict[str, Any]:
    """A contact's details for `contact show`: a line each, or their fields for --json.

    `names`: the names of the contacts and organizations the details link to, by id.
    """
    if as_json:
        return {
            "points": [_fields(p) for p in details.points],
            "postings": [_fields(p) for p in details.postings],
            "relations": [_fields(r) for r in details.relations],
        }
    out: dict[str, Any] = {}
    for name, channel in CHANNEL_OPTIONS.items():
        lines = [_point_line(p) for p in details.points if p.channel == channel]
        out[name] = "\n".join(lines) or None
    out["postings"] = "\n".join(_posting_line(p, names) for p in details.postings) or None
    out["relations"] = (
        "\n".join(
            f"{r.relation}: {names.get(r.other_id or '', r.name or r.other_id)}"
            for r in details.relations
        )
        or None
    )
    return out


def _fields(item: Record) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in item.__dict__.items()}


def _point_line(point: ContactPoint) -> str:
    text = address_text(point).replace("\n", ", ") if point.channel == "address" else point.value
    extension = f" x{point.extension}" if point.extension else ""
    preferred = " (preferred)" if point.pref == 1 else ""
    label = f"{point.label}: " if point.label else ""
    return f"{label}{text}{extension}{preferred}"


def _posting_line(posting: Posting, names: dict[str, str]) -> str:
    org = names.get(posting.org_id or "", posting.organization or "")
    if posting.ends_on:
        when = f"{posting.starts_on or '?'} to {posting.ends_on}"
    else:
        when = f"since {posting.starts_on}" if posting.starts_on else "now"
    return f"{when}  {posting.title}{f', {org}' if org else ''}"
