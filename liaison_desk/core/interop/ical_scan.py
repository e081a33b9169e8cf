"""Where things are in a calendar file: the line each event and each of its properties
starts on, and which components the file leaves open.

icalendar parses leniently and says nothing of lines; this pass finds them, so a
skipped event or an unreadable value is named by its line. It refuses nothing
itself: a file cut short is handed to the parser with its open components closed
(`closed_text`), and the events it cut are skipped as truncated.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_NAME = re.compile(r"[;:]")
_CONTENT_LINE = re.compile(r'^[A-Za-z0-9-]+(?:;(?:"[^"]*"|[^";:])*)*:', re.DOTALL)


@dataclass
class Block:
    """One VEVENT: the line it starts on, the first line of each of its own properties
    (not those of its alarms), and whether its END:VEVENT was found."""

    line: int
    props: dict[str, int] = field(default_factory=dict)
    closed: bool = False
    odd: list[int] = field(default_factory=list)  # lines that are no `NAME;params:value`


@dataclass(frozen=True)
class Layout:
    events: tuple[Block, ...]  # in file order, at any depth (icalendar walks them so)
    still_open: tuple[str, ...]  # components open at the end of the file, outermost first
    first: str  # the first line, upper case ("BEGIN:VCALENDAR" for a calendar)
    last_line: int


def logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Unfolded lines with the number of the line each starts on."""
    start = 0
    parts: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw[:1] in (" ", "\t") and parts:
            parts.append(raw[1:])
            continue
        if parts:
            yield start, "".join(parts)
        start, parts = number, [raw]
    if parts:
        yield start, "".join(parts)


def scan(text: str) -> Layout:
    """The events' lines and the components left open; never raises."""
    stack: list[tuple[str, Block | None]] = []
    events: list[Block] = []
    first = ""
    last = 0
    for number, line in logical_lines(text):
        if not line.strip():
            continue
        last = number
        first = first or line.strip().upper()
        name = _NAME.split(line, maxsplit=1)[0].strip().upper()
        value = line.partition(":")[2].strip().upper()
        if name == "BEGIN":
            block = Block(number) if value == "VEVENT" else None
            if block is not None:
                events.append(block)
            stack.append((value, block))
        elif name == "END" and stack:
            # An END that names no open component closes the innermost one, as icalendar does.
            names = [opened for opened, _ in stack]
            depth = len(names) - 1 - names[::-1].index(value) if value in names else len(names) - 1
            for _, block in stack[depth:]:
                if block is not None:
                    block.closed = True
            del stack[depth:]
        elif stack and (current := stack[-1][1]) is not None:
            if _CONTENT_LINE.match(line):
                current.props.setdefault(name, number)
            else:
                current.odd.append(number)
    return Layout(tuple(events), tuple(opened for opened, _ in stack), first, last)


def closed_text(text: str, layout: Layout) -> str:
    """The text with END lines for what it leaves open, so the parser reads what came before."""
    if not layout.still_open:
        return text
    ends = "".join(f"END:{name}\r\n" for name in reversed(layout.still_open))
    return text.rstrip("\r\n") + "\r\n" + ends
