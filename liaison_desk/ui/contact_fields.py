"""A contact's repeatable details as its form holds them, and back for the core to save.

Qt-free, like record_fields. The form keeps one list per kind of detail (phones,
emails, addresses, web pages, messaging handles, postings, relations), each item a
JSON-able dict of its record's fields (so a draft keeps them whole), and the
contact's languages as rows of a language and its level. A detail's id and the
fields the form does not show travel with it untouched, so the core's save
(`contact_details.save_details`) sees only what was typed as changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from liaison_desk.core.contact_details import ContactDetails
from liaison_desk.core.kinds import CONTACT_POINT, POSTING, RELATION, Kind
from liaison_desk.core.records import PHONE_LABELS, ContactPoint, ContactRelation, Posting

Item = dict[str, Any]
# The form's lists of contact points, each with the channel its items have.
POINT_LISTS = (
    ("phones", "phone"),
    ("emails", "email"),
    ("addresses", "address"),
    ("web", "web"),
    ("im", "im"),
)
DETAIL_LISTS = (*(name for name, _ in POINT_LISTS), "postings", "relations")
LANGUAGE_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
# The types the form offers for each channel's points (for messaging, the service);
# anything else typed is kept as typed.
_PLACES = ("work", "home", "other")
OFFERED_LABELS = {
    "phone": PHONE_LABELS,
    "email": _PLACES,
    "address": _PLACES,
    "web": _PLACES,
    "im": ("signal", "whatsapp", "telegram", "threema", "xmpp", "teams", "skype"),
}


def _item(kind: Kind[Any], record: Any) -> Item:
    """A detail as the form holds it: its id and fields, lists for tuples, no contact id."""
    out: Item = {"id": record.id}
    for name in kind.fields:
        if name != "contact_id":
            value = getattr(record, name)
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def detail_fields(details: ContactDetails) -> dict[str, list[Item]]:
    """The contact's details as the form's lists, in the order the core lists them."""
    out: dict[str, list[Item]] = {
        name: [_item(CONTACT_POINT, p) for p in details.points if p.channel == channel]
        for name, channel in POINT_LISTS
    }
    out["postings"] = [_item(POSTING, p) for p in details.postings]
    out["relations"] = [_item(RELATION, r) for r in details.relations]
    return out


def _record(kind: Kind[Any], item: Mapping[str, Any], **fixed: Any) -> Any:
    """An item of the form as the core's record: a new one has no id and no contact yet."""
    values = {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in item.items()
        if name in kind.fields
    }
    return kind.cls(**{**values, **fixed, "id": item.get("id") or "", "contact_id": ""})


def details_from(fields: Mapping[str, Any]) -> ContactDetails:
    """The form's lists as the whole of the contact's details, for `save_details`."""
    points: list[ContactPoint] = [
        _record(CONTACT_POINT, item, channel=channel)
        for name, channel in POINT_LISTS
        for item in fields.get(name) or ()
    ]
    postings: list[Posting] = [_record(POSTING, i) for i in fields.get("postings") or ()]
    relations: list[ContactRelation] = [_record(RELATION, i) for i in fields.get("relations") or ()]
    return ContactDetails(tuple(points), tuple(postings), tuple(relations))


def details_changed(original: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    return any(current.get(name, []) != original.get(name, []) for name in DETAIL_LISTS)


def linked(fields: Iterable[Mapping[str, Any]]) -> tuple[list[Item], list[Item]]:
    """The postings and the relations of some forms' values, for the names of their links."""
    postings: list[Item] = []
    relations: list[Item] = []
    for values in fields:
        postings += [dict(i) for i in values.get("postings") or () if isinstance(i, Mapping)]
        relations += [dict(i) for i in values.get("relations") or () if isinstance(i, Mapping)]
    return postings, relations


def language_rows(languages: Sequence[str]) -> list[Item]:
    """ "fr:C1" as a row of the language and its level; a value without a level as written."""
    rows = []
    for value in languages:
        language, colon, level = value.partition(":")
        rows.append({"language": language, "level": level if colon else None})
    return rows


def language_values(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The rows back as the contact's languages: "fr:C1", or the language alone."""
    out = []
    for row in rows:
        language, level = row.get("language") or "", row.get("level")
        out.append(f"{language}:{level}" if level else language)
    return out


def upgraded_draft(draft: Mapping[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """A contact's draft kept by a version before typed details, in today's form's terms.

    Such a draft holds phones and emails as lists of text, the address as one
    text and languages as lists of text. A value the contact still has keeps its
    row (and its type); any other comes as a new row, as typed then.
    """
    out = dict(draft)
    if isinstance(out.pop("address", None), str):
        out["addresses"] = _rows_for([draft["address"]], original.get("addresses") or [])
    for name in ("phones", "emails"):
        values = out.get(name)
        if isinstance(values, list) and all(isinstance(v, str) for v in values) and values:
            out[name] = _rows_for(values, original.get(name) or [])
    languages = out.get("languages")
    if isinstance(languages, list) and any(isinstance(v, str) for v in languages):
        out["languages"] = language_rows([v for v in languages if isinstance(v, str)])
    return out


def _rows_for(values: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> list[Item]:
    unused = list(rows)
    out: list[Item] = []
    for value in values:
        same = next((r for r in unused if r.get("value") == value), None)
        if same is not None:
            unused.remove(same)
        out.append(dict(same) if same is not None else {"value": value})
    return out
