"""Reading an import file as text: too large, empty, binary or mis-encoded files are named.

Every refusal is a sentence naming the file and, where there is one, the line:
FileRefused for what is not a regular file or is too large (nothing is read
past the size limit), ImportFormatError for what is in it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.user_files import read_bounded

MB = 1_000_000


def read_text(path: Path, *, what: str, max_bytes: int) -> str:
    """The file's text; `what` names the kind of file for messages ("vCard", "calendar")."""
    raw = read_bounded(path, max_bytes, f"{what} files", advice="Split it into smaller files.")
    return decode(raw, path.name, what)


def line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def decode(raw: bytes, name: str, what: str) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 with its BOM; anything else is refused."""
    if not raw.strip():
        raise ImportFormatError(f"{name} is empty.")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count("\n".encode("utf-16-le")) + 1
            raise ImportFormatError(
                f"{name}, line {line}: the text is damaged (invalid UTF-16)."
            ) from None
    if (nul := raw.find(b"\0")) >= 0:
        raise ImportFormatError(
            f"{name}, line {line_of(raw, nul)}: binary data; this is not a {what} file."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{name}, line {line_of(raw, exc.start)}: the text is not UTF-8. "
            "Save the file as UTF-8 (Unicode) and import it again."
        ) from None
