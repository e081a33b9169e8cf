"""Reading vCards (2.1, 3.0 and 4.0) into `Card`s: a card that cannot be read is left out
and reported, and the others come in.

`vcard_lines` splits the file into cards of lines parsed by vobject; values are
decoded here, because vobject's text decoding splits values at unescaped commas
(a vCard 4.0 `PHOTO:data:image/jpeg;base64,…` URI would lose its data). Every
property that goes into the Card is marked; the others are the card's "not
kept" properties, so the preview says what the vault has no place for. A value
that cannot be read (a damaged photo) is left out of its card and reported.

What a vCard says maps onto a contact as follows: FN (else N) is the name; N's
honorific prefix is the rank; TITLE (else ROLE) the position; ORG with its
units the organization chain; TEL, EMAIL, LANG, CATEGORIES the lists; ADR the
address (a two-letter country part gives the country); NOTE the notes; PHOTO
(inline only: a remote photo is never fetched) the photo. Fields vCard has no
place for travel as X-LIAISON-* properties so an export re-imports whole.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vobject.base import ContentLine

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.import_report import NotKept, Problem, tally
from liaison_desk.core.interop.text_input import MB, WESTERN, one_line_end, read_file
from liaison_desk.core.interop.vcard_lines import raw_cards

MAX_BYTES = 256 * MB
Progress = Callable[[int, int], None]

_BEGIN = re.compile(r"^[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*$", re.MULTILINE | re.IGNORECASE)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
# What a file says about itself rather than about the person: never reported as not kept.
FILE_METADATA = frozenset({"VERSION", "PRODID", "REV"})
IMAGE_TYPES = {"JPEG": "image/jpeg", "JPG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))


@dataclass(frozen=True)
class Photo:
    mime: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class Card:
    """One contact as a vCard carries it.

    `organization` is the organization then its units, outermost first.
    `sources` holds (field, value, line) for each value read, so a value the
    vault refuses can be traced to the line it came from.
    """

    line: int = 0
    full_name: str
    rank: str | None = None
    position: str | None = None
    organization: tuple[str, ...] = ()
    country: str | None = None
    languages: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    address: str | None = None
    how_met: str | None = None
    trust_notes: str | None = None
    notes: str | None = None
    cadence_days: int | None = None
    tags: tuple[str, ...] = ()
    marking: str = ""
    photo: Photo | None = None
    uid: str | None = None
    sources: tuple[tuple[str, str, int], ...] = ()

    def line_of(self, message: str) -> int:
        """The line a refusal of one of this card's values most likely points at."""
        for _field, value, line in self.sources:
            if value and value in message:
                return line
        for field, _value, line in self.sources:
            if field.replace("_", " ") in message:
                return line
        return self.line


# -- values ----------------------------------------------------------------------------------


def unescape(text: str) -> str:
    """vCard text escapes: \\n is a line break, \\, \\; \\\\ stand for themselves."""
    if "\\" not in text:
        return text
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), text)


def split(text: str, sep: str) -> list[str]:
    """Split at separators that are not backslash-escaped; the parts stay escaped."""
    if "\\" not in text:
        return text.split(sep)
    parts: list[str] = []
    current: list[str] = []
    chars = iter(text)
    for char in chars:
        if char == "\\":
            current.append(char)
            current.append(next(chars, ""))
        elif char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _text(line: ContentLine) -> str:
    text = unescape(str(line.value))
    if "\r" in text:  # quoted-printable =0D=0A from Outlook
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def _values(line: ContentLine) -> list[str]:
    """A comma-separated list value (CATEGORIES, a NAME part)."""
    return [v for v in (unescape(p).strip() for p in split(str(line.value), ",")) if v]


def _parts(line: ContentLine) -> list[str]:
    """A structured value (N, ADR, ORG): each part unescaped, its own list joined by spaces."""
    return [
        " ".join(v for v in (unescape(x).strip() for x in split(part, ",")) if v)
        for part in split(str(line.value), ";")
    ]


def _param_values(line: ContentLine, name: str) -> list[str]:
    params: dict[str, list[str]] = line.params
    return [v.strip() for value in params.get(name, []) for v in value.split(",") if v.strip()]


def _types(line: ContentLine) -> set[str]:
    """TYPE values, including vCard 2.1's bare ones (TEL;WORK;VOICE), upper-cased."""
    found = {t.upper() for t in _param_values(line, "TYPE")}
    found.update(p.upper() for p in line.singletonparams)
    return found


def _preferred_first(lines: list[ContentLine]) -> list[ContentLine]:
    def rank(line: ContentLine) -> int:
        pref = _param_values(line, "PREF")
        if pref and pref[0].isdigit():
            return int(pref[0])
        return 1 if "PREF" in _types(line) else 101

    return sorted(lines, key=rank)


def _phone(value: str) -> str:
    """A vCard 4.0 tel: URI or plain text, as the number alone."""
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:].split(";", 1)[0]
    return text.strip()


def _email(value: str) -> str:
    text = value.strip()
    return text[7:].strip() if text.lower().startswith("mailto:") else text


def _address(parts: list[str]) -> tuple[str, str | None]:
    """The address as text, and the country when the country part is a two-letter code."""
    parts = (parts + [""] * 7)[:7]
    box, extended, street, city, region, code, country = (p.strip() for p in parts)
    code_city = " ".join(p for p in (code, city) if p)
    is_code = bool(_COUNTRY.match(country))
    lines = [box, extended, street, code_city, region, "" if is_code else country]
    return "\n".join(p for p in lines if p), (country.upper() if is_code else None)


class _Damaged(Exception):
    """A value that cannot be read: it is left out of its card, which still comes in."""


def sniff_image(data: bytes) -> str:
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), "image/jpeg")


def _photo(line: ContentLine) -> Photo | None:
    """An inline photo (base64 or a data: URI); None for a link, which is never fetched."""
    value = "".join(str(line.value).split())
    encoding = {e.upper() for e in _param_values(line, "ENCODING")} | _types(line)
    mime: str | None = None
    if value[:5].lower() == "data:":
        header, _, payload = value.partition(",")
        if ";base64" not in header.lower():
            return None
        mime = header[5:].split(";", 1)[0] or None
    elif encoding & {"B", "BASE64"}:
        payload = value
        kinds = [IMAGE_TYPES.get(t.upper().removeprefix("IMAGE/")) for t in _types(line)]
        mime = next((k for k in kinds if k), None)
    else:
        return None
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _Damaged("the photo is not valid base64 data; the card came in without it.") from None
    if not data:
        return None
    return Photo(mime or sniff_image(data), data)


# -- cards -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardFile:
    """What reading a vCard file found: the cards that come in and what is left out.

    `skipped` are the cards left out (unreadable, or without a name), `dropped`
    the values left out of cards that came in (a damaged photo), each with its
    line and reason; `not_kept` the properties the vault has no place for, with
    how many cards carry them.
    """

    source: str
    cards: tuple[Card, ...]
    skipped: tuple[Problem, ...] = ()
    dropped: tuple[Problem, ...] = ()
    not_kept: NotKept = ()


class _Properties:
    """A card's properties by name, remembering which ones went into the Card."""

    def __init__(self, lines: list[ContentLine]) -> None:
        self.by_name: dict[str, list[ContentLine]] = {}
        for line in lines:
            self.by_name.setdefault(line.name, []).append(line)
        self._used: set[int] = set()

    def all(self, key: str) -> list[ContentLine]:
        found = self.by_name.get(key, [])
        self._used.update(id(line) for line in found)
        return found

    def first(self, key: str) -> ContentLine | None:
        found = self.by_name.get(key)
        if not found:
            return None
        self._used.add(id(found[0]))
        return found[0]

    def not_kept(self) -> set[str]:
        return {
            name
            for name, lines in self.by_name.items()
            if name not in FILE_METADATA and any(id(line) not in self._used for line in lines)
        }


def parse_vcards(
    text: str,
    name: str,
    progress: Progress | None = None,
    *,
    strict: bool = False,
    code_page: str = WESTERN,
) -> CardFile:
    """Every readable card of a vCard file, and what was left out (see CardFile).

    With `strict`, the first card or value that would be left out refuses the
    whole file instead (ImportFormatError naming its line). A file holding no
    card, or none that can be read, is always refused.
    """
    text = one_line_end(text)
    total = len(_BEGIN.findall(text))
    if not total:
        raise ImportFormatError(f"{name} holds no vCard (no BEGIN:VCARD line).")
    cards: list[Card] = []
    skipped: list[Problem] = []
    dropped: list[Problem] = []
    not_kept: list[set[str]] = []
    spellings: dict[str, str] = {}
    seen = 0
    for chunk in raw_cards(text, code_page, spellings):
        if isinstance(chunk, Problem):
            skipped.append(chunk)
        elif chunk.problem is not None:
            skipped.append(chunk.problem)
        else:
            props = _Properties(chunk.properties)
            card = _card(props, chunk.line, dropped)
            if isinstance(card, Problem):
                skipped.append(card)
            elif card is not None:
                cards.append(card)
                dropped.extend(dataclasses.replace(p, name=card.full_name) for p in chunk.damaged)
                not_kept.append({spellings.get(n, n) for n in props.not_kept()})
        if strict and (skipped or dropped):
            first = min((*skipped, *dropped), key=lambda p: p.line)
            raise ImportFormatError(first.sentence(name))
        seen += not isinstance(chunk, Problem)
        if progress is not None and seen % 250 == 0:
            progress(seen, total)
    if not cards and skipped:  # nothing could be read: the file as a whole is refused
        raise ImportFormatError(skipped[0].sentence(name))
    if progress is not None:
        progress(total, total)
    return CardFile(name, tuple(cards), tuple(skipped), tuple(dropped), tally(not_kept))


def read_vcards(path: Path, progress: Progress | None = None, *, strict: bool = False) -> CardFile:
    read = read_file(path, what="vCard", max_bytes=MAX_BYTES)
    return parse_vcards(read.text, path.name, progress, strict=strict, code_page=read.code_page)


def _is_group(props: _Properties) -> bool:
    kinds = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
    return "group" in [_text(line).lower() for key in kinds for line in props.all(key)]


def _card(props: _Properties, line: int, dropped: list[Problem]) -> Card | Problem | None:
    """A Card from one VCARD's properties, None for a group (Apple's KIND:group cards), or
    the Problem that leaves it out. Values left out of the card are added to `dropped`."""
    if _is_group(props):
        return None
    sources: list[tuple[str, str, int]] = []
    out: dict[str, Any] = {}
    left_out: list[Problem] = []

    def note(field: str, value: str, source: ContentLine) -> str:
        sources.append((field, value, source.lineNumber))
        return value

    def text(field: str, key: str) -> None:
        source = props.first(key)
        if source is not None and (value := _text(source)):
            out[field] = note(field, value, source)

    name_parts: list[str] = []
    if (n := props.first("N")) is not None:
        name_parts = (_parts(n) + [""] * 5)[:5]
        if name_parts[3]:
            out["rank"] = note("rank", name_parts[3], n)
    text("position", "TITLE")
    if "position" not in out:
        text("position", "ROLE")
    if (org := props.first("ORG")) is not None:
        units = tuple(p for p in _parts(org) if p)
        out["organization"] = units
        for unit in units:
            note("organization", unit, org)
    lists: dict[str, list[str]] = {"phones": [], "emails": [], "languages": [], "tags": []}
    for source in _preferred_first(props.all("TEL")):
        lists["phones"].append(note("phones", _phone(_text(source)), source))
    for source in _preferred_first(props.all("EMAIL")):
        lists["emails"].append(note("emails", _email(_text(source)), source))
    for key in ("LANG", "X-LIAISON-LANG"):
        for source in _preferred_first(props.all(key)):
            lists["languages"].append(note("languages", _text(source), source))
    for source in props.all("CATEGORIES"):
        lists["tags"].extend(note("tags", v, source) for v in _values(source))
    out.update({k: tuple(v for v in vs if v) for k, vs in lists.items()})
    addresses = []
    apple_countries = {s.group: _text(s).upper() for s in props.all("X-ABADR") if s.group}
    for source in _preferred_first(props.all("ADR")):
        address, country = _address(_parts(source))
        hinted = apple_countries.get(source.group, "")
        if country is None and _COUNTRY.match(hinted):
            country = hinted  # Apple's X-ABADR: the country code of the address in that group
        if country and "country" not in out:
            out["country"] = note("country", country, source)
        if address:
            addresses.append(note("address", address, source))
    if addresses:
        out["address"] = "\n\n".join(addresses)
    notes = [note("notes", _text(s), s) for s in props.all("NOTE") if _text(s)]
    if notes:
        out["notes"] = "\n\n".join(notes)
    text("country", "X-LIAISON-COUNTRY")
    text("how_met", "X-LIAISON-HOW-MET")
    text("trust_notes", "X-LIAISON-TRUST-NOTES")
    text("marking", "X-LIAISON-MARKING")
    if (cadence := props.first("X-LIAISON-CADENCE-DAYS")) is not None:
        value = _text(cadence)
        if value.isdigit():
            out["cadence_days"] = int(value)
        else:
            left_out.append(Problem(cadence.lineNumber, "the cadence is not a number; left out."))
    if (uid := props.first("UID")) is not None:
        value = _text(uid)
        out["uid"] = value[9:] if value.lower().startswith("urn:uuid:") else value
    if (photo := props.first("PHOTO")) is not None:
        try:
            out["photo"] = _photo(photo)
            note("photo", "", photo)
        except _Damaged as exc:
            left_out.append(Problem(photo.lineNumber, str(exc)))
    full_name = _full_name(props, name_parts, out)
    if not full_name:
        return Problem(line, "the card starting here has no name (FN, N, ORG or EMAIL).")
    dropped.extend(dataclasses.replace(p, name=full_name) for p in left_out)
    return Card(line=line, full_name=full_name, sources=tuple(sources), **out)


def _full_name(props: _Properties, name_parts: list[str], out: dict[str, Any]) -> str:
    """FN; else N as "given additional family"; else the organization or the email."""
    for source in props.all("FN"):
        if value := _text(source):
            return value
    if name_parts:
        family, given, additional = name_parts[:3]
        if value := " ".join(p for p in (given, additional, family) if p):
            return value
    if out.get("organization"):
        return str(out["organization"][0])
    emails = out.get("emails", ())
    return str(emails[0]) if emails else ""
