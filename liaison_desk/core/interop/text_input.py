"""Reading an import file as text, in whatever encoding the program that wrote it used.

Address books and calendars come from phones and from Outlook, and not all of
them write UTF-8: Outlook's "ANSI" exports are in the Windows code page of the
machine (declaring it with `CHARSET=Windows-1252` on the lines that need it, or
not at all), Windows tools write UTF-16 (with or without a byte-order mark), and
an iPhone export ends its lines with CR CR LF. So a file is read as:

- UTF-32 or UTF-16 when it starts with that byte-order mark, UTF-16 without one
  when every other byte of its start is a NUL (text in the Latin script);
- UTF-8 when all of it is valid UTF-8 (the common case, decoded in one step);
- otherwise line by line: a line that is valid UTF-8 stays so (files mixing
  both exist), a line declaring a `CHARSET` parameter (vCard 2.1, vCalendar 1.0)
  is read in that character set, and the others in the file's code page: the one
  its lines declare, else the one charset-normalizer finds likeliest.

Line ends become "\\n" (CR LF, CR CR LF and a lone CR alike). Refusals are
sentences naming the file and, where there is one, the line: FileRefused for
what is not a regular file or is too large (nothing is read past the size
limit), ImportFormatError for what is in it (empty, binary, damaged UTF-16).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import CharsetMatch, from_bytes

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.user_files import read_bounded

MB = 1_000_000
# What Outlook writes on a Western European or American Windows, and what a file with
# too few accented letters to tell the code pages apart is read in.
WESTERN = "cp1252"
_UTF8 = ("utf-8", "utf8")
_CHARSET = re.compile(rb';[ \t]*CHARSET[ \t]*=[ \t]*"?([A-Za-z0-9_.:-]+)', re.IGNORECASE)
_LINE_ENDS = re.compile("\r\r\n|\r\n|\r")
_SNIFF = 4096
_SAMPLE = 65_536


@dataclass(frozen=True)
class Text:
    """A file's text, and the code page its 8-bit bytes that are not UTF-8 were read in.

    `code_page` is also what a quoted-printable value naming no character set is
    read in when its bytes are not UTF-8: Outlook writes both in the same one.
    """

    text: str
    code_page: str = WESTERN


def read_text(path: Path, *, what: str, max_bytes: int) -> str:
    """The file's text; `what` names the kind of file for messages ("vCard", "calendar")."""
    return read_file(path, what=what, max_bytes=max_bytes).text


def read_file(path: Path, *, what: str, max_bytes: int) -> Text:
    raw = read_bounded(path, max_bytes, f"{what} files", advice="Split it into smaller files.")
    return decode_text(raw, path.name, what)


def line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode_text(raw: bytes, name: str, what: str) -> Text:
    """The text of `raw` with "\\n" line ends; see the module's docstring for the order."""
    if not raw.strip():
        raise ImportFormatError(f"{name} is empty.")
    wide = _wide_encoding(raw)
    if wide is not None:
        try:
            text = raw.decode(wide)
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].decode(wide, "replace").count("\n") + 1
            raise ImportFormatError(
                f"{name}, line {line}: the text is damaged (invalid {wide.upper()})."
            ) from None
        return Text(one_line_end(text.removeprefix("\ufeff")))
    if (nul := raw.find(b"\0")) >= 0:
        raise ImportFormatError(
            f"{name}, line {line_of(raw, nul)}: binary data; this is not a {what} file."
        )
    try:
        return Text(one_line_end(raw.decode("utf-8-sig")))
    except UnicodeDecodeError:
        pass
    page = _file_code_page(raw)
    return Text(one_line_end(_by_line(raw.removeprefix(codecs.BOM_UTF8), page)), page)


def one_line_end(text: str) -> str:
    return _LINE_ENDS.sub("\n", text) if "\r" in text else text


def _wide_encoding(raw: bytes) -> str | None:
    """UTF-32 or UTF-16 by its byte-order mark, or UTF-16 without one by its NULs."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    start = raw[:_SNIFF]
    if len(start) < 4 or len(start) % 2:
        return None
    even, odd = start[0::2], start[1::2]
    if odd.count(0) * 10 >= len(odd) * 9 and not even.count(0):
        return "utf-16-le"
    if even.count(0) * 10 >= len(even) * 9 and not odd.count(0):
        return "utf-16-be"
    return None


def known_charset(name: str) -> str | None:
    """The Python codec for a declared character set, None if Python has no such codec."""
    try:
        return codecs.lookup(name.strip().strip('"')).name
    except LookupError:
        return None


def _declared(raw: bytes) -> list[str]:
    """The character sets other than UTF-8 and ASCII the file's lines declare."""
    found: list[str] = []
    for match in _CHARSET.finditer(raw):
        codec = known_charset(match.group(1).decode("ascii"))
        if codec and codec not in (*_UTF8, "ascii") and codec not in found:
            found.append(codec)
    return found


def _file_code_page(raw: bytes) -> str:
    """The one code page the file declares, else the likeliest (Windows-1252 on a tie)."""
    declared = _declared(raw)
    if len(declared) == 1:
        return declared[0]
    return guess_code_page(raw)


def guess_code_page(raw: bytes) -> str:
    """The code page that reads `raw` best, among charset-normalizer's least chaotic ones.

    Ranked by how few symbols they put inside words ("Wspó³pracy" is Polish in
    Windows-1250 read as Windows-1252: charset-normalizer alone prefers it), then by
    charset-normalizer's coherence; among equals, Windows-1252 (Outlook's on Western
    machines), so a lone "Lefèvre" does not come out as "Lefčvre".
    """
    matches = list(from_bytes(raw))
    if not matches:
        return WESTERN
    least = min(m.chaos for m in matches)
    sample = b"\n".join(line for line in raw.split(b"\n") if not line.isascii())[:_SAMPLE]

    def score(match: CharsetMatch) -> tuple[int, float]:
        return _symbols_in_words(sample.decode(match.encoding, "replace")), -match.coherence

    scored = [(score(m), m) for m in matches if m.chaos == least]
    best = min(s for s, _ in scored)
    names = {
        known_charset(name)
        for s, m in scored
        if s == best
        for name in (m.encoding, *m.could_be_from_charset)
    }
    if WESTERN in names:
        return WESTERN
    return next(known_charset(m.encoding) or WESTERN for s, m in scored if s == best)


def _symbols_in_words(text: str) -> int:
    """Non-ASCII characters that are no letters yet stand between two letters."""
    return sum(
        1
        for i in range(1, len(text) - 1)
        if text[i] > "\x7f"
        and not text[i].isalpha()
        and text[i - 1].isalpha()
        and text[i + 1].isalpha()
    )


def _by_line(raw: bytes, page: str) -> str:
    """Each line as UTF-8 when it is, else in its declared character set or the file's page.

    A folded line continues in the character set its first line declared.
    """
    out: list[str] = []
    charset = page
    for line in raw.split(b"\n"):
        if line[:1] not in (b" ", b"\t"):
            head = line.split(b":", 1)[0]
            declared = _CHARSET.search(head)
            charset = (known_charset(declared.group(1).decode()) if declared else None) or page
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(line.decode(charset))
            except UnicodeDecodeError:
                out.append(line.decode(page, "replace"))
    return "\n".join(out)
