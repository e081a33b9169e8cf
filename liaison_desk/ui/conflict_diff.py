"""Two values of a conflicting field side by side, the differences highlighted, as HTML.

Words are compared (difflib over words, spaces and punctuation), the way
people reread a sentence: what only this vault's value has is shaded red,
what only the other value has is shaded green, as <del> and <ins> would be.
The HTML is built in memory for a text browser and goes nowhere else.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass
from typing import Any

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
MAX_TOKENS = 20_000  # beyond this the comparison could take seconds; the values still show
ONLY_MINE = "#ffd7d5"
ONLY_THEIRS = "#c9f0d2"
EMPTY = "<i style='color:#777'>(empty)</i>"


@dataclass(frozen=True)
class SideBySide:
    mine: str  # HTML
    theirs: str


def value_text(value: Any) -> str:
    """A stored value as text to compare: lists one item a line, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return str(value)


def _span(text: str, colour: str | None) -> str:
    escaped = html.escape(text).replace("\n", "<br>")
    return f"<span style='background-color:{colour}'>{escaped}</span>" if colour else escaped


def _page(parts: list[str]) -> str:
    body = "".join(parts)
    return f"<div style='white-space:pre-wrap'>{body}</div>" if body else EMPTY


def side_by_side(mine: str, theirs: str) -> SideBySide:
    """Both values as HTML, each shading the words the other lacks."""
    a, b = TOKEN.findall(mine), TOKEN.findall(theirs)
    if len(a) + len(b) > MAX_TOKENS:
        return SideBySide(_page([_span(mine, None)]), _page([_span(theirs, None)]))
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            same = "".join(a[i1:i2])
            left.append(_span(same, None))
            right.append(_span(same, None))
            continue
        if i2 > i1:
            left.append(_span("".join(a[i1:i2]), ONLY_MINE))
        if j2 > j1:
            right.append(_span("".join(b[j1:j2]), ONLY_THEIRS))
    return SideBySide(_page(left), _page(right))
