"""Reading vCards (2.1, 3.0 and 4.0) into `Card`s, with vobject doing the line-level work.

Lines are unfolded here (including vCard 2.1's quoted-printable soft breaks),
as vobject's `getLogicalLines` does but in time linear in the line's length:
vobject copies the whole logical line at each physical one, so 100,000 soft
breaks took 23 s. vobject then parses each line, decodes quoted-printable and
splits parameters; values are decoded here, because vobject's text decoding
splits values at unescaped commas (a vCard 4.0 `PHOTO:data:image/jpeg;base64,…`
URI would lose its data).

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
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vobject.base import ContentLine, ParseError, parseLine

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.text_input import MB, read_text

MAX_BYTES = 256 * MB
Progress = Callable[[int, int], None]

_BEGIN = re.compile(r"^[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_QP_NAME = "quoted-printable"
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


def sniff_image(data: bytes) -> str:
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), "image/jpeg")


def _photo(line: ContentLine, where: str) -> Photo | None:
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
        raise ImportFormatError(f"{where}: the photo is not valid base64 data.") from None
    if not data:
        return None
    return Photo(mime or sniff_image(data), data)


# -- cards -----------------------------------------------------------------------------------


class _Lines:
    """Line numbers for messages, fixed where vobject's are off (a card's first line, blanks)."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self._text = text
        self._lines: list[str] | None = None

    def fix(self, number: int | None) -> int:
        n = max(1, number or 1)
        if self._lines is None:
            self._lines = self._text.splitlines()
        while n < len(self._lines) and not self._lines[n - 1].strip():
            n += 1
        return n

    def at(self, number: int | None) -> str:
        return f"{self.name}, line {self.fix(number)}"


def unfold(text: str) -> Iterator[tuple[str, int]]:
    """(logical line, the line number vobject gives it), exactly as `getLogicalLines` yields.

    A line starting with a space or tab continues the one before; a line after
    one ending in "=" continues it (after a line break) when that logical line
    names quoted-printable anywhere; a blank line ends a logical line. Pieces
    are joined once, at the end of each logical line.
    """
    parts: list[str] = []
    tail = ""  # the last characters joined so far: "quoted-printable" may straddle a fold
    named_qp = soft_break = False
    number = start = 0
    for raw in io.StringIO(text):
        line = raw.rstrip("\r\n")
        number += 1
        if not line.rstrip():
            if parts:
                yield "".join(parts), start
            start, parts, tail, named_qp, soft_break = number, [], "", False, False
            continue
        if soft_break:
            piece, soft_break = "\n" + line, False
        elif line[0] in " \t":
            piece = line[1:]
        else:
            if parts:
                yield "".join(parts), start
                start = number
            parts, tail, named_qp, piece = [], "", False, line
        parts.append(piece)
        named_qp = named_qp or _QP_NAME in (tail + piece).lower()
        tail = (tail + piece)[-len(_QP_NAME) :]
        soft_break = named_qp and piece.endswith("=")
    if parts:
        yield "".join(parts), start


def _logical_lines(text: str, lines: _Lines) -> Iterator[ContentLine]:
    """Unfolded lines parsed by vobject (quoted-printable decoded), errors made ours."""
    try:
        for line, number in unfold(text):
            yield ContentLine(*parseLine(line, number), encoded=True, lineNumber=number)
    except ParseError as exc:
        raise ImportFormatError(
            f"{lines.at(getattr(exc, 'lineNumber', None))}: "
            "this line is not a vCard property (NAME:value)."
        ) from None
    except (UnicodeError, LookupError, ValueError) as exc:
        raise ImportFormatError(
            f"{lines.name}: a quoted-printable value cannot be decoded in its character set "
            f"({type(exc).__name__}); save the file as UTF-8 and import it again."
        ) from None


def _cards_lines(text: str, lines: _Lines) -> Iterator[tuple[int, list[ContentLine]]]:
    """(line of BEGIN:VCARD, its properties) for each card; nested cards (2.1 AGENT) skipped."""
    depth = 0
    begin = 0
    children: list[ContentLine] = []
    last = 1
    for content in _logical_lines(text, lines):
        last = content.lineNumber
        name = content.name
        if name == "BEGIN":
            if depth == 0:
                if str(content.value).strip().upper() != "VCARD":
                    raise ImportFormatError(
                        f"{lines.at(last)}: expected BEGIN:VCARD; is this a vCard file?"
                    )
                begin, children = lines.fix(last), []
            depth += 1
        elif name == "END":
            if depth == 0:
                raise ImportFormatError(f"{lines.at(last)}: END without a BEGIN:VCARD before it.")
            depth -= 1
            if depth == 0:
                if str(content.value).strip().upper() != "VCARD":
                    raise ImportFormatError(
                        f"{lines.at(last)}: this END line does not close the card opened at "
                        f"line {begin}."
                    )
                yield begin, children
        elif depth == 0:
            raise ImportFormatError(
                f"{lines.at(last)}: this line is outside any card (BEGIN:VCARD … END:VCARD)."
            )
        elif depth == 1:
            children.append(content)
    if depth:
        raise ImportFormatError(
            f"{lines.at(last)}: the file ends inside the card opened at line {begin} "
            "(END:VCARD is missing); it may be truncated."
        )


def parse_vcards(text: str, name: str, progress: Progress | None = None) -> list[Card]:
    """Every card of a vCard file; an unreadable one raises ImportFormatError naming its line."""
    lines = _Lines(name, text)
    total = len(_BEGIN.findall(text))
    if not total:
        raise ImportFormatError(f"{name} holds no vCard (no BEGIN:VCARD line).")
    cards: list[Card] = []
    for seen, (begin, children) in enumerate(_cards_lines(text, lines), 1):
        card = _card(children, begin, lines)
        if card is not None:
            cards.append(card)
        if progress is not None and seen % 250 == 0:
            progress(seen, total)
    if progress is not None:
        progress(total, total)
    return cards


def read_vcards(path: Path, progress: Progress | None = None) -> list[Card]:
    return parse_vcards(read_text(path, what="vCard", max_bytes=MAX_BYTES), path.name, progress)


def _is_group(by_name: dict[str, list[ContentLine]]) -> bool:
    kinds = [
        _text(ln).lower()
        for key in ("KIND", "X-ADDRESSBOOKSERVER-KIND")
        for ln in by_name.get(key, [])
    ]
    return "group" in kinds


def _card(children: list[ContentLine], line: int, lines: _Lines) -> Card | None:
    """A Card from one VCARD's properties, or None for a group (Apple's KIND:group cards)."""
    by_name: dict[str, list[ContentLine]] = {}
    for child in children:
        by_name.setdefault(child.name, []).append(child)
    if _is_group(by_name):
        return None
    sources: list[tuple[str, str, int]] = []
    out: dict[str, Any] = {}

    def first(key: str) -> ContentLine | None:
        found = by_name.get(key)
        return found[0] if found else None

    def note(field: str, value: str, source: ContentLine) -> str:
        sources.append((field, value, lines.fix(source.lineNumber)))
        return value

    def text(field: str, key: str) -> None:
        source = first(key)
        if source is not None and (value := _text(source)):
            out[field] = note(field, value, source)

    name_parts: list[str] = []
    if (n := first("N")) is not None:
        name_parts = (_parts(n) + [""] * 5)[:5]
        if name_parts[3]:
            out["rank"] = note("rank", name_parts[3], n)
    text("position", "TITLE")
    if "position" not in out:
        text("position", "ROLE")
    if (org := first("ORG")) is not None:
        units = tuple(p for p in _parts(org) if p)
        out["organization"] = units
        for unit in units:
            note("organization", unit, org)
    lists: dict[str, list[str]] = {"phones": [], "emails": [], "languages": [], "tags": []}
    for source in _preferred_first(by_name.get("TEL", [])):
        lists["phones"].append(note("phones", _phone(_text(source)), source))
    for source in _preferred_first(by_name.get("EMAIL", [])):
        lists["emails"].append(note("emails", _email(_text(source)), source))
    for key in ("LANG", "X-LIAISON-LANG"):
        for source in _preferred_first(by_name.get(key, [])):
            lists["languages"].append(note("languages", _text(source), source))
    for source in by_name.get("CATEGORIES", []):
        lists["tags"].extend(note("tags", v, source) for v in _values(source))
    out.update({k: tuple(v for v in vs if v) for k, vs in lists.items()})
    addresses = []
    apple_countries = {s.group: _text(s).upper() for s in by_name.get("X-ABADR", []) if s.group}
    for source in _preferred_first(by_name.get("ADR", [])):
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
    notes = [note("notes", _text(s), s) for s in by_name.get("NOTE", []) if _text(s)]
    if notes:
        out["notes"] = "\n\n".join(notes)
    text("country", "X-LIAISON-COUNTRY")
    text("how_met", "X-LIAISON-HOW-MET")
    text("trust_notes", "X-LIAISON-TRUST-NOTES")
    text("marking", "X-LIAISON-MARKING")
    if (cadence := first("X-LIAISON-CADENCE-DAYS")) is not None:
        value = _text(cadence)
        if not value.isdigit():
            raise ImportFormatError(f"{lines.at(cadence.lineNumber)}: the cadence is not a number.")
        out["cadence_days"] = int(value)
    if (uid := first("UID")) is not None:
        value = _text(uid)
        out["uid"] = value[9:] if value.lower().startswith("urn:uuid:") else value
    if (photo := first("PHOTO")) is not None:
        out["photo"] = _photo(photo, lines.at(photo.lineNumber))
        note("photo", "", photo)
    full_name = _full_name(by_name, name_parts, out)
    if not full_name:
        raise ImportFormatError(
            f"{lines.at(line)}: the card starting here has no name (FN, N, ORG or EMAIL)."
        )
    return Card(line=line, full_name=full_name, sources=tuple(sources), **out)


def _full_name(
    by_name: dict[str, list[ContentLine]], name_parts: list[str], out: dict[str, Any]
) -> str:
    """FN; else N as "given additional family"; else the organization or the email."""
    for source in by_name.get("FN", []):
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
