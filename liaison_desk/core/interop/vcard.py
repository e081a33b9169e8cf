"""Reading vCards (2.1, 3.0 and 4.0) into `Card`s: a card that cannot be read is left out
and reported, and the others come in.

`vcard_lines` splits the file into cards of lines parsed by vobject;
`vcard_values` decodes values and `vcard_fields` reads the repeatable parts.
Every property that goes into the Card is marked; the others are the card's
"not kept" properties, so the preview says what the vault has no place for. A
value that cannot be read (a damaged photo) is left out of its card and
reported.

What a vCard says maps onto a contact as follows: FN (else N, the organization
or the email) is the name, N the structured name as given, and further FN lines
(names in other scripts) aliases; NICKNAME the nicknames; N's prefix is also the
rank unless the card says its rank (X-LIAISON-RANK); TITLE (else ROLE) the
position; ORG with its units the organization chain; TEL, EMAIL, ADR, URL, IMPP
(and the X-SKYPE… handles) the contact points; BDAY and ANNIVERSARY (and the
X-…-ANNIVERSARY of Outlook, Evolution, Apple) the dates; RELATED (and
X-ABRELATEDNAMES, X-…-SPOUSE…) the relations; LANG the languages; CATEGORIES the
tags; NOTE the notes; PHOTO (inline only: a remote photo is never fetched) the
photo; UID the uid. A two-letter country of an address gives the contact's
country. Fields vCard has no place for travel as X-LIAISON-* properties (see
vcard_writer) so an export re-imports whole.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vobject.base import ContentLine

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.import_report import NotKept, Problem, tally
from liaison_desk.core.interop.text_input import MB, WESTERN, one_line_end, read_file
from liaison_desk.core.interop.vcard_fields import (
    ANNIVERSARIES,
    Job,
    Point,
    Relative,
    first_date,
    jobs,
    languages,
    points,
    relatives,
)
from liaison_desk.core.interop.vcard_lines import raw_cards
from liaison_desk.core.interop.vcard_values import (
    Properties,
    param_values,
    parts_of,
    preferred_first,
    text_of,
    types_of,
    values_of,
)

MAX_BYTES = 256 * MB
Progress = Callable[[int, int], None]

_BEGIN = re.compile(r"^[ \t]*BEGIN[ \t]*:[ \t]*VCARD[ \t]*$", re.MULTILINE | re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
IMAGE_TYPES = {"JPEG": "image/jpeg", "JPG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG", "image/png"), (b"GIF8", "image/gif"))
# N's parts, in vCard order, as the Card's fields; lists in a part joined by these.
NAME_FIELDS = ("family_name", "given_name", "additional_names", "name_prefix", "name_suffix")
_NAME_JOINERS = {3: ", ", 4: ", "}


@dataclass(frozen=True)
class Photo:
    mime: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class Card:
    """One contact as a vCard carries it.

    `organization` is the organization then its units, outermost first.
    `sources` holds (field, value, line) for each value read, so a value the
    vault refuses can be traced to the line it came from (points carry theirs).
    """

    line: int = 0
    full_name: str
    name_prefix: str | None = None
    given_name: str | None = None
    additional_names: str | None = None
    family_name: str | None = None
    name_suffix: str | None = None
    nicknames: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    rank: str | None = None
    position: str | None = None
    organization: tuple[str, ...] = ()
    country: str | None = None
    languages: tuple[str, ...] = ()
    points: tuple[Point, ...] = ()
    jobs: tuple[Job, ...] = ()
    relatives: tuple[Relative, ...] = ()
    birthday: str | None = None
    anniversary: str | None = None
    how_met: str | None = None
    trust_notes: str | None = None
    notes: str | None = None
    cadence_days: int | None = None
    tags: tuple[str, ...] = ()
    marking: str = ""
    photo: Photo | None = None
    uid: str | None = None
    sources: tuple[tuple[str, str, int], ...] = ()

    def values(self, channel: str) -> tuple[str, ...]:
        """The values of one channel's points, preferred first."""
        found = [p for p in self.points if p.channel == channel and p.value]
        return tuple(p.value or "" for p in sorted(found, key=lambda p: p.pref or 101))

    @property
    def emails(self) -> tuple[str, ...]:
        return self.values("email")

    @property
    def phones(self) -> tuple[str, ...]:
        return self.values("phone")

    def line_of(self, message: str) -> int:
        """The line a refusal of one of this card's values most likely points at."""
        for point in self.points:
            if point.value and point.value in message:
                return point.line
        for _field, value, line in self.sources:
            if value and value in message:
                return line
        for field, _value, line in self.sources:
            if field.replace("_", " ") in message:
                return line
        return self.line


# -- values ----------------------------------------------------------------------------------


class _Damaged(Exception):
    """A value that cannot be read: it is left out of its card, which still comes in."""


def sniff_image(data: bytes) -> str:
    return next((mime for magic, mime in _MAGIC if data.startswith(magic)), "image/jpeg")


def _photo(line: ContentLine) -> Photo | None:
    """An inline photo (base64 or a data: URI); None for a link, which is never fetched."""
    value = "".join(str(line.value).split())
    encoding = {e.upper() for e in param_values(line, "ENCODING")} | types_of(line)
    mime: str | None = None
    if value[:5].lower() == "data:":
        header, _, payload = value.partition(",")
        if ";base64" not in header.lower():
            return None
        mime = header[5:].split(";", 1)[0] or None
    elif encoding & {"B", "BASE64"}:
        payload = value
        kinds = [IMAGE_TYPES.get(t.upper().removeprefix("IMAGE/")) for t in types_of(line)]
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
            props = Properties(chunk.properties)
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
        if not isinstance(chunk, Problem):
            seen += 1
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


def _is_group(props: Properties) -> bool:
    kinds = ("KIND", "X-ADDRESSBOOKSERVER-KIND")
    return "group" in [text_of(line).lower() for key in kinds for line in props.all(key)]


def _card(props: Properties, line: int, dropped: list[Problem]) -> Card | Problem | None:
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
        if source is not None and (value := text_of(source)):
            out[field] = note(field, value, source)

    if (n := props.first("N")) is not None:
        for field, value in zip(NAME_FIELDS, parts_of(n, 5, _NAME_JOINERS), strict=False):
            if value:
                out[field] = note(field, value, n)
    stated_rank = props.first("X-LIAISON-RANK")
    if stated_rank is not None:
        if rank := text_of(stated_rank):
            out["rank"] = note("rank", rank, stated_rank)
    elif out.get("name_prefix"):
        out["rank"] = out["name_prefix"]
    text("position", "TITLE")
    if "position" not in out:
        text("position", "ROLE")
    if (org := props.first("ORG")) is not None:
        units = tuple(p for p in parts_of(org) if p)
        out["organization"] = units
        for unit in units:
            note("organization", unit, org)
    out["nicknames"] = _unique(
        note("nicknames", v, s) for s in props.all("NICKNAME") for v in values_of(s)
    )
    out["points"] = tuple(points(props))
    out["jobs"] = tuple(jobs(props))
    out["relatives"] = tuple(relatives(props))
    out["languages"] = tuple(note("languages", v, s) for v, s in languages(props))
    out["tags"] = _unique(note("tags", v, s) for s in props.all("CATEGORIES") for v in values_of(s))
    out["birthday"] = first_date(props, ("BDAY",))
    out["anniversary"] = first_date(props, ANNIVERSARIES, "anniversary")
    notes = [note("notes", text_of(s), s) for s in props.all("NOTE") if text_of(s)]
    if notes:
        out["notes"] = "\n\n".join(notes)
    if (stated := props.first("X-LIAISON-COUNTRY")) is not None:  # empty: none, say our exports
        out["country"] = text_of(stated) or None
    else:
        out["country"] = _address_country(props)
    text("how_met", "X-LIAISON-HOW-MET")
    text("trust_notes", "X-LIAISON-TRUST-NOTES")
    text("marking", "X-LIAISON-MARKING")
    aliases = [note("aliases", text_of(s), s) for s in props.all("X-LIAISON-ALIAS")]
    if (cadence := props.first("X-LIAISON-CADENCE-DAYS")) is not None:
        value = text_of(cadence)
        if value.isdigit():
            out["cadence_days"] = int(value)
        else:
            left_out.append(Problem(cadence.lineNumber, "the cadence is not a number; left out."))
    if (uid := props.first("UID")) is not None:
        value = text_of(uid)
        out["uid"] = (value[9:] if value[:9].lower() == "urn:uuid:" else value) or None
    if (photo := props.first("PHOTO")) is not None:
        try:
            out["photo"] = _photo(photo)
            note("photo", "", photo)
        except _Damaged as exc:
            left_out.append(Problem(photo.lineNumber, str(exc)))
    names = [text_of(s) for s in props.all("FN")]
    full_name = next((n for n in names if n), "") or _fallback_name(out)
    if not full_name:
        return Problem(line, "the card starting here has no name (FN, N, ORG or EMAIL).")
    out["aliases"] = _unique([*[n for n in names if n and n != full_name], *aliases])
    dropped.extend(dataclasses.replace(p, name=full_name) for p in left_out)
    return Card(line=line, full_name=full_name, sources=tuple(sources), **out)


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _address_country(props: Properties) -> str | None:
    """The contact's country: that of the preferred address whose country is a two-letter
    code, or whose item group's Apple X-ABADR is one."""
    hints = {line.group: text_of(line).upper() for line in props.all("X-ABADR") if line.group}
    for line in preferred_first(props.peek("ADR")):
        for code in (parts_of(line, 7)[6], hints.get(line.group, "")):
            if _COUNTRY.match(code):
                return code.upper()
    return None


def _fallback_name(out: dict[str, Any]) -> str:
    """N as "given additional family"; else the organization or the email."""
    parts = (out.get("given_name"), out.get("additional_names"), out.get("family_name"))
    if name := " ".join(p for p in parts if p):
        return name
    if out.get("organization"):
        return str(out["organization"][0])
    emails = [p.value for p in out["points"] if p.channel == "email" and p.value]
    return str(emails[0]) if emails else ""
