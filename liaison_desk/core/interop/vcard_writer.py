"""Writing `Card`s as vCard 3.0 or 4.0, with vobject serializing and folding each line.

Values are escaped here and each line handed to vobject already encoded and
without a behavior, so vobject writes it as given (its vCard behaviors would
split a vCard 4.0 `data:` URI at its comma). Lines are folded at 75 octets
without splitting a UTF-8 sequence; a 3.0 photo stays on one line, as vobject
writes it for Apple's Contacts.

What goes out, and the choices made where the versions differ:

- N is the structured name as stored, never made up from the display name: a
  contact without one gets vCard 3.0's required N empty (`N:;;;;`) and, in 4.0
  where N is optional, none. The rank travels in N's prefix when it is the
  prefix, else as X-LIAISON-RANK (empty when the contact has a prefix and no rank).
- Phones, emails, addresses and web pages carry their label as TYPE when vCard
  has one (work, home, cell, fax, pager, main, other) and otherwise in an item
  group's X-ABLabel, as Apple and Google write custom labels. A phone's
  extension follows its number (" x89"), which keeps a vanity number as typed;
  4.0 writes numbers as text, not tel: URIs, so their spacing stays.
- Handles are IMPP with X-SERVICE-TYPE; dates are BDAY and, in 4.0, ANNIVERSARY
  (3.0 has none: X-ANNIVERSARY, as Thunderbird and Evolution read it; a date
  without a year is `--MMDD` in 4.0 and Apple's year 1604 in 3.0); relations are
  RELATED, to a `urn:uuid:` when the other person is a contact, else as text.
- What vCard has no place for is written as X-LIAISON-* properties (other
  software ignores them; our import reads them): aliases (X-LIAISON-ALIAS, one a
  line), postings (X-LIAISON-POSTING: title;organization;starts;ends, with
  X-LIAISON-ORG=chain when the organization is one of the vault's, its units
  comma-separated), a language's level (X-LIAISON-LEVEL on LANG), and the
  contact's own fields (how met, trust notes, cadence, marking, country).
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable, Iterator

from vobject.base import ContentLine, backslashEscape

from liaison_desk.core.interop.vcard import IMAGE_TYPES, NAME_FIELDS, Card
from liaison_desk.core.interop.vcard_fields import LEVEL, ORG_CHAIN, SCHEMES, Point

VERSIONS = ("3.0", "4.0")
_UNFOLDED = 10**9
_TYPE_OF_MIME = {mime: name for name, mime in IMAGE_TYPES.items() if name != "JPG"}
_TYPES = {"work": "work", "home": "home", "mobile": "cell", "fax": "fax", "pager": "pager"}
_CHANNEL_TYPES = {
    "phone": {**_TYPES, "main": "main", "other": "other"},
    "email": {"work": "work", "home": "home", "other": "other"},
    "address": {"work": "work", "home": "home", "other": "other"},
    "web": {"work": "work", "home": "home"},
}
_PROPERTY = {"phone": "TEL", "email": "EMAIL", "address": "ADR", "web": "URL"}
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
Params = list[list[str]]


def _line(
    name: str, value: str, params: Iterable[list[str]] = (), group: str | None = None
) -> ContentLine:
    return ContentLine(name, list(params), value, group, encoded=True)


def _structured(parts: Iterable[str | None]) -> str:
    return ";".join(backslashEscape(p or "") for p in parts)


def param_text(text: str) -> str:
    """A parameter value that may hold line breaks and quotes (RFC 6868's ^n, ^', ^^)."""
    return text.replace("^", "^^").replace("\n", "^n").replace('"', "^'")


def uid_value(uid: str) -> str:
    return f"urn:uuid:{uid}" if _UUID.match(uid) else uid


def _date(value: str, v4: bool) -> tuple[str, Params]:
    if value.startswith("--"):
        month_day = value[2:].replace("-", "")
        if v4:
            return f"--{month_day}", []
        return f"1604-{value[2:]}", [["X-APPLE-OMIT-YEAR", "1604"]]
    return (value.replace("-", "") if v4 else value), []


class _Groups:
    """Item group names (item1, item2…) for lines that need a companion line."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"item{self.count}"


def _point_lines(point: Point, v4: bool, groups: _Groups) -> Iterator[ContentLine]:
    if point.channel == "im":
        yield _handle(point)
        return
    params: Params = []
    label = (point.label or "").casefold()
    kind = _CHANNEL_TYPES[point.channel].get(label)
    group = None
    companions: list[ContentLine] = []
    if kind is not None:
        params.append(["TYPE", kind])
    elif point.label:
        group = groups.next()
        companions.append(_line("X-ABLabel", backslashEscape(point.label), group=group))
    if point.pref is not None:
        if v4 or point.pref > 1:
            params.append(["PREF", str(point.pref)])
        else:
            params.append(["TYPE", "pref"])
    if point.channel == "email" and not v4:
        params.append(["TYPE", "INTERNET"])
    value = point.value or ""
    if point.channel == "phone":
        if point.extension:
            value = f"{value} x{point.extension}"
        if v4:
            params.insert(0, ["VALUE", "text"])
    if point.channel == "address":
        parts = (point.po_box, point.extended, point.street, point.locality, point.region)
        text = _structured((*parts, point.postcode, point.country))
        if point.value and v4:
            params.append(["LABEL", param_text(point.value)])
        elif point.value:
            group = group or groups.next()
            companions.append(_line("LABEL", backslashEscape(point.value), group=group))
        yield _line("ADR", text, params, group)
    else:
        yield _line(_PROPERTY[point.channel], backslashEscape(value), params, group)
    for companion in companions:
        companion.group = group
        yield companion


def _handle(point: Point) -> ContentLine:
    """IMPP: the service's URI scheme before the handle, unless the handle has it already."""
    value = point.value or ""
    params: Params = []
    if point.label:
        params.append(["X-SERVICE-TYPE", point.label])
        scheme = SCHEMES.get(point.label.casefold())
        if scheme is not None:
            value = f"{scheme}:{value}"
    if point.pref is not None:
        params.append(["PREF", str(point.pref)])
    return _line("IMPP", backslashEscape(value), params)


def _lines(card: Card, version: str) -> Iterator[ContentLine]:
    v4 = version == "4.0"
    yield _line("VERSION", version)
    if card.uid:
        yield _line("UID", backslashEscape(uid_value(card.uid)))
    yield _line("FN", backslashEscape(card.full_name))
    name = [getattr(card, f) for f in NAME_FIELDS]
    if any(name) or not v4:
        yield _line("N", _structured(name))
    if card.rank != card.name_prefix:
        yield _line("X-LIAISON-RANK", backslashEscape(card.rank or ""))
    if card.nicknames:
        yield _line("NICKNAME", ",".join(backslashEscape(n) for n in card.nicknames))
    for alias in card.aliases:
        yield _line("X-LIAISON-ALIAS", backslashEscape(alias))
    if card.position:
        yield _line("TITLE", backslashEscape(card.position))
    if card.organization:
        yield _line("ORG", _structured(card.organization))
    groups = _Groups()
    for point in card.points:
        yield from _point_lines(point, v4, groups)
    if card.birthday:
        value, params = _date(card.birthday, v4)
        yield _line("BDAY", value, params)
    if card.anniversary:
        value, params = _date(card.anniversary, v4)
        yield _line("ANNIVERSARY" if v4 else "X-ANNIVERSARY", value, params)
    for relative in card.relatives:
        if relative.uid:
            yield _line("RELATED", uid_value(relative.uid), [["TYPE", relative.relation]])
        else:
            params = [["TYPE", relative.relation], ["VALUE", "text"]]
            yield _line("RELATED", backslashEscape(relative.name or ""), params)
    for job in card.jobs:
        organization = ",".join(backslashEscape(u) for u in job.organization)
        parts = (backslashEscape(job.title), organization, job.starts_on or "", job.ends_on or "")
        params = [["X-LIAISON-ORG", ORG_CHAIN]] if job.chain else []
        yield _line("X-LIAISON-POSTING", ";".join(parts), params)
    for language in card.languages:
        tag, _, level = language.rpartition(":")
        params = [["X-LIAISON-LEVEL", level]] if tag and LEVEL.match(level) else []
        value = tag if params else language
        yield _line("LANG" if v4 else "X-LIAISON-LANG", backslashEscape(value), params)
    if card.tags:
        yield _line("CATEGORIES", ",".join(backslashEscape(t) for t in card.tags))
    if card.notes:
        yield _line("NOTE", backslashEscape(card.notes))
    if card.photo is not None:
        data = base64.b64encode(card.photo.data).decode("ascii")
        if v4:
            yield _line("PHOTO", f"data:{card.photo.mime};base64,{data}")
        else:
            kind = _TYPE_OF_MIME.get(card.photo.mime, card.photo.mime.upper())
            yield _line("PHOTO", data, [["ENCODING", "b"], ["TYPE", kind]])
    if card.country is None and any(_COUNTRY.match(p.country or "") for p in card.points):
        yield _line("X-LIAISON-COUNTRY", "")  # none, though an address names a country code
    extras = (
        ("X-LIAISON-COUNTRY", card.country),
        ("X-LIAISON-HOW-MET", card.how_met),
        ("X-LIAISON-TRUST-NOTES", card.trust_notes),
        ("X-LIAISON-CADENCE-DAYS", str(card.cadence_days) if card.cadence_days else None),
        ("X-LIAISON-MARKING", card.marking or None),
    )
    for name_, value_ in extras:
        if value_:
            yield _line(name_, backslashEscape(value_))


def write_card(card: Card, version: str = "3.0") -> str:
    """One card as text, CRLF line ends."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported vCard version {version}")
    out = io.StringIO()
    out.write("BEGIN:VCARD\r\n")
    for line in _lines(card, version):
        unfolded = line.name == "PHOTO" and version == "3.0"
        line.serialize(out, lineLength=_UNFOLDED if unfolded else 75)
    out.write("END:VCARD\r\n")
    return out.getvalue()
