"""Writing `Card`s as vCard 3.0 or 4.0, with vobject serializing and folding each line.

Values are escaped here and each line handed to vobject already encoded and
without a behavior, so vobject writes it as given (its vCard behaviors would
split a vCard 4.0 `data:` URI at its comma). Lines are folded at 75 octets
without splitting a UTF-8 sequence; a 3.0 photo stays on one line, as vobject
writes it for Apple's Contacts. Fields a vCard has no place for are written as
X-LIAISON-* properties (other software ignores them; our import reads them).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Iterator

from vobject.base import ContentLine, backslashEscape

from liaison_desk.core.interop.vcard import IMAGE_TYPES, Card

VERSIONS = ("3.0", "4.0")
_UNFOLDED = 10**9
_TYPE_OF_MIME = {mime: name for name, mime in IMAGE_TYPES.items() if name != "JPG"}


def _line(name: str, value: str, params: Iterable[list[str]] = ()) -> ContentLine:
    return ContentLine(name, list(params), value, encoded=True)


def _structured(parts: Iterable[str]) -> str:
    return ";".join(backslashEscape(p) for p in parts)


def _name_parts(card: Card) -> tuple[str, str, str]:
    """family, given and prefix for N: the last word is taken as the family name."""
    words = card.full_name.split()
    if card.rank and len(words) > 1 and words[0].rstrip(".") == card.rank.rstrip("."):
        words = words[1:]
    family = words[-1] if words else ""
    return family, " ".join(words[:-1]), card.rank or ""


def _lines(card: Card, version: str) -> Iterator[ContentLine]:
    v4 = version == "4.0"
    yield _line("VERSION", version)
    if card.uid:
        yield _line("UID", f"urn:uuid:{card.uid}")
    yield _line("FN", backslashEscape(card.full_name))
    family, given, prefix = _name_parts(card)
    yield _line("N", _structured((family, given, "", prefix, "")))
    if card.position:
        yield _line("TITLE", backslashEscape(card.position))
    if card.organization:
        yield _line("ORG", _structured(card.organization))
    for i, phone in enumerate(card.phones):
        pref = [["PREF", "1"]] if v4 and i == 0 else []
        if v4:  # text, not a tel: URI, so the number keeps its spacing
            yield _line("TEL", backslashEscape(phone), [["VALUE", "text"], *pref])
        else:
            types = ["TYPE", "VOICE", "PREF"] if i == 0 else ["TYPE", "VOICE"]
            yield _line("TEL", backslashEscape(phone), [types])
    for i, email in enumerate(card.emails):
        if v4:
            yield _line("EMAIL", backslashEscape(email), [["PREF", "1"]] if i == 0 else [])
        else:
            yield _line("EMAIL", backslashEscape(email), [["TYPE", "INTERNET"]])
    if card.address:
        yield _line("ADR", _structured(("", "", card.address, "", "", "", "")), [["TYPE", "WORK"]])
    for language in card.languages:
        yield _line("LANG" if v4 else "X-LIAISON-LANG", backslashEscape(language))
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
    extras = (
        ("X-LIAISON-COUNTRY", card.country),
        ("X-LIAISON-HOW-MET", card.how_met),
        ("X-LIAISON-TRUST-NOTES", card.trust_notes),
        ("X-LIAISON-CADENCE-DAYS", str(card.cadence_days) if card.cadence_days else None),
        ("X-LIAISON-MARKING", card.marking or None),
    )
    for name, value in extras:
        if value:
            yield _line(name, backslashEscape(value))


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
