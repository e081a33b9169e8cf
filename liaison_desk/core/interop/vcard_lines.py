"""A vCard file as cards of parsed lines: a card that cannot be read is set apart with its
line and reason, and the cards after it are read as usual.

Lines are unfolded here (including vCard 2.1's quoted-printable soft breaks),
as vobject's `getLogicalLines` does but in time linear in the line's length:
vobject copies the whole logical line at each physical one, so 100,000 soft
breaks took 23 s. vobject's `parseLine` then splits each line into name,
parameters and value. Quoted-printable values are decoded here rather than by
vobject, which refuses the file when a value's bytes do not fit its declared
`CHARSET`: old Android exports end a UTF-8 value with a stray byte, Outlook
declares Windows-1252 or nothing at all. A value is read in its declared
character set, else UTF-8, else the file's code page; what still does not
decode is replaced (U+FFFD) and reported.
"""

from __future__ import annotations

import binascii
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from vobject.base import ContentLine, ParseError, parseLine

from liaison_desk.core.interop.import_report import Problem
from liaison_desk.core.interop.text_input import WESTERN, known_charset

_QP_NAME = "quoted-printable"
_QP = "QUOTED-PRINTABLE"
_UTF8 = "utf-8"
_OUTSIDE = "this line is outside any card (BEGIN:VCARD … END:VCARD)."


@dataclass
class RawCard:
    """One BEGIN:VCARD … END:VCARD: its parsed lines, or why it cannot be read."""

    line: int
    properties: list[ContentLine] = field(default_factory=list)
    problem: Problem | None = None
    damaged: list[Problem] = field(default_factory=list)  # values read with replacements


def unfold(text: str) -> Iterator[tuple[str, int]]:
    """(logical line, its first line's number).

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
            parts, tail, named_qp, soft_break = [], "", False, False
            continue
        if soft_break:
            piece, soft_break = "\n" + line, False
        elif line[0] in " \t":
            piece = line[1:]
            start = start if parts else number
        else:
            if parts:
                yield "".join(parts), start
            start, parts, tail, named_qp, piece = number, [], "", False, line
        parts.append(piece)
        named_qp = named_qp or _QP_NAME in (tail + piece).lower()
        tail = (tail + piece)[-len(_QP_NAME) :]
        soft_break = named_qp and piece.endswith("=")
    if parts:
        yield "".join(parts), start


def _unquote(value: str, charset: str | None, code_page: str) -> tuple[str, bool]:
    """A quoted-printable value as text, and whether characters had to be replaced."""
    declared = known_charset(charset) if charset else None
    try:
        data = binascii.a2b_qp(value.encode(declared or _UTF8))
    except UnicodeEncodeError:
        data = binascii.a2b_qp(value.encode(_UTF8))
    tries = [declared] if declared else []
    if _UTF8 not in tries:
        tries.append(_UTF8)
    if declared in (None, _UTF8) or declared == code_page:
        tries.append(code_page)
    if declared == _UTF8:  # a stray byte in a UTF-8 value: replace it, never read it as cp1252
        tries.pop()
    for codec in tries:
        try:
            return data.decode(codec), False
        except UnicodeDecodeError:
            continue
    return data.decode(declared or _UTF8, "replace"), True


def content_line(text: str, number: int, code_page: str = WESTERN) -> tuple[ContentLine, str, bool]:
    """One logical line parsed (ParseError if it is not NAME:value), QP decoded.

    Returns the line, its name as written (vobject upper-cases it) and whether its
    value had characters that could not be decoded.
    """
    name, params, value, group = parseLine(text, number)
    qp = False
    charset: str | None = None
    kept: list[list[str]] = []
    for param in params:
        key = param[0].upper()
        if key == _QP or (key == "ENCODING" and any(v.upper() == _QP for v in param[1:])):
            qp = True
            continue
        if key == "CHARSET" and len(param) > 1:
            charset = param[1]
        kept.append(param)
    line = ContentLine(name, kept, value, group, encoded=True, lineNumber=number)
    if not qp:
        return line, name, False
    line.value, damaged = _unquote(value, charset, code_page)
    return line, name, damaged


def _component(value: object) -> str:
    return str(value).strip().upper()


def raw_cards(
    text: str, code_page: str = WESTERN, spellings: dict[str, str] | None = None
) -> Iterator[RawCard | Problem]:
    """Each card of `text`, and a Problem for each stretch of the file outside any card.

    A card whose line is not NAME:value, whose END does not close it, or that
    never ends (before the next BEGIN:VCARD or the end of the file) comes with
    its problem; a vCard 2.1 AGENT card inside one is not read (its AGENT line
    stays among the card's properties). `spellings` collects each property
    name as the file first writes it ("X-ABLabel" for X-ABLABEL).
    """
    names = spellings if spellings is not None else {}
    card: RawCard | None = None
    depth = 0  # 1 inside a card, more inside an AGENT card or a component in it
    stray = 0  # inside a component that is not a card (BEGIN:VCALENDAR …), at the top
    after_agent = False
    last = 1
    for logical, number in unfold(text):
        last = number
        try:
            line, written, damaged = content_line(logical, number, code_page)
        except ParseError:
            if card is None:
                if not stray:
                    yield Problem(number, _OUTSIDE)
            elif depth == 1 and card.problem is None:
                card.problem = Problem(number, "this line is not a vCard property (NAME:value).")
            continue
        name = line.name
        if card is None:
            if name == "BEGIN" and _component(line.value) == "VCARD" and not stray:
                card, depth = RawCard(number), 1
            elif name == "BEGIN":
                if not stray:
                    yield Problem(number, f"a {_component(line.value)} here is not a card.")
                stray += 1
            elif name == "END" and stray:
                stray -= 1
            elif not stray:
                yield Problem(number, _OUTSIDE)
            continue
        if name == "BEGIN":
            if depth == 1 and _component(line.value) == "VCARD" and not after_agent:
                card.problem = card.problem or Problem(
                    card.line,
                    f"the card opened here has no END:VCARD before the next one (line {number}).",
                )
                yield card
                card = RawCard(number)
                continue
            depth += 1
        elif name == "END":
            depth -= 1
            if depth == 0:
                if _component(line.value) != "VCARD" and card.problem is None:
                    card.problem = Problem(
                        number, f"this END line does not close the card opened at line {card.line}."
                    )
                yield card
                card = None
        elif depth == 1:
            card.properties.append(line)
            names.setdefault(name, written)
            if damaged:
                card.damaged.append(
                    Problem(number, "characters that could not be decoded were replaced by �.")
                )
        after_agent = depth == 1 and name == "AGENT" and not str(line.value).strip()
    if card is not None:
        card.problem = card.problem or Problem(
            last,
            f"the file ends inside the card opened at line {card.line} "
            "(END:VCARD is missing); it may be truncated.",
        )
        yield card
