"""A vCard property's value and parameters as text: escapes undone, lists split, types,
preference and labels read the way the programs that write them mean them.

Values are decoded here rather than by vobject, whose text decoding splits at
unescaped commas (a vCard 4.0 `PHOTO:data:image/jpeg;base64,…` URI would lose
its data). `Properties` holds one card's lines by name and remembers which
ones went into the Card: the others are what the vault does not keep.
"""

from __future__ import annotations

import re

from vobject.base import ContentLine

_ESCAPED = re.compile(r"\\(.)", re.DOTALL)
_CARET = re.compile(r"\^(.)")
_CARETS = {"n": "\n", "'": '"', "^": "^"}
# Apple's standard labels are wrapped: "_$!<HomeFAX>!$_".
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
# What a file says about itself rather than about the person: never reported as not kept.
FILE_METADATA = frozenset({"VERSION", "PRODID", "REV"})


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


def text_of(line: ContentLine) -> str:
    text = unescape(str(line.value))
    if "\r" in text:  # quoted-printable =0D=0A from Outlook
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def values_of(line: ContentLine) -> list[str]:
    """A comma-separated list value (CATEGORIES, NICKNAME)."""
    return [v for v in (unescape(p).strip() for p in split(str(line.value), ",")) if v]


def parts_of(line: ContentLine, count: int = 0, joiners: dict[int, str] | None = None) -> list[str]:
    """A structured value (N, ADR, ORG): each part unescaped, a part's own list joined by a
    space (or `joiners[i]` for part i); padded with "" to `count` parts."""
    parts = [
        (joiners or {})
        .get(i, " ")
        .join(v for v in (unescape(x).strip() for x in split(part, ",")) if v)
        for i, part in enumerate(split(str(line.value), ";"))
    ]
    return parts + [""] * (count - len(parts))


def param_values(line: ContentLine, name: str) -> list[str]:
    params: dict[str, list[str]] = line.params
    return [
        v.strip().strip('"')
        for value in params.get(name, [])
        for v in value.split(",")
        if v.strip().strip('"')
    ]


def param_text_of(line: ContentLine, name: str) -> str:
    """A parameter's whole value (commas kept), with RFC 6868's ^n, ^' and ^^ undone."""
    params: dict[str, list[str]] = line.params
    raw = ",".join(params.get(name, []))
    if "^" not in raw:
        return raw
    return re.sub(
        r"\^(.)", lambda m: {"n": "\n", "'": '"', "^": "^"}.get(m.group(1), m.group(0)), raw
    )


def types_of(line: ContentLine) -> set[str]:
    """TYPE values, including vCard 2.1's bare ones (TEL;WORK;VOICE), upper-cased."""
    found = {t.upper() for t in param_values(line, "TYPE")}
    found.update(p.upper() for p in line.singletonparams)
    return found


def pref_of(line: ContentLine) -> int | None:
    """vCard 4.0's PREF=n, or 1 for 3.0's TYPE=pref (and 2.1's bare PREF)."""
    pref = param_values(line, "PREF")
    if pref and pref[0].isdigit():
        return int(pref[0])
    return 1 if "PREF" in types_of(line) else None


def preferred_first(lines: list[ContentLine]) -> list[ContentLine]:
    return sorted(lines, key=lambda line: pref_of(line) or 101)


def apple_label(text: str) -> str:
    """An X-ABLabel as the person sees it: "HomeFAX" from "_$!<HomeFAX>!$_"."""
    match = _APPLE_LABEL.match(text)
    return match.group(1) if match else text


class Properties:
    """A card's properties by name, remembering which ones went into the Card."""

    def __init__(self, lines: list[ContentLine]) -> None:
        self.by_name: dict[str, list[ContentLine]] = {}
        for line in lines:
            self.by_name.setdefault(line.name, []).append(line)
        self._used: set[int] = set()
        self._labels: dict[str, ContentLine] | None = None

    def all(self, key: str) -> list[ContentLine]:
        found = self.by_name.get(key, [])
        self._used.update(id(line) for line in found)
        return found

    def first(self, key: str) -> ContentLine | None:
        found = self.by_name.get(key)
        if not found:
            return None
        self.use(found[0])
        return found[0]

    def peek(self, key: str) -> list[ContentLine]:
        """The lines named `key`, not yet counted as kept."""
        return self.by_name.get(key, [])

    def use(self, line: ContentLine) -> None:
        self._used.add(id(line))

    def label(self, line: ContentLine, *, use: bool = True) -> str | None:
        """The X-ABLabel of the line's item group (Apple, Google), as written; marked kept
        unless `use` is false."""
        if not line.group:
            return None
        if self._labels is None:
            self._labels = {ln.group.upper(): ln for ln in self.peek("X-ABLABEL") if ln.group}
        found = self._labels.get(line.group.upper())
        if found is None:
            return None
        if use:
            self.use(found)
        return apple_label(text_of(found)) or None

    def not_kept(self) -> set[str]:
        return {
            name
            for name, lines in self.by_name.items()
            if name not in FILE_METADATA and any(id(line) not in self._used for line in lines)
        }
