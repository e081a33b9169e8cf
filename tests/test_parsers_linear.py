"""Every parser of what a stranger hands us takes time linear in its input.

Each case builds an input of a pathological shape at two sizes, the second ten
times the first, and parses both in the same run: the CPU time may grow about
tenfold, never a hundredfold. The ratio allowed (20) leaves room for a loaded
machine; a quadratic parser gives 50 to 100 at these sizes (a vCard 2.1 with
100,000 quoted-printable soft breaks took 23 s; an invitation listing 30,000
attendees, a minute). Sizes stay small: the whole file runs in a few seconds.

The parsers: vCard 2.1, 3.0 and 4.0 (contact import), iCalendar (meeting
import), protocol Markdown (protocol import) and the bundle payload (its items,
their JSON and every op's checks). Nothing imports CSV (it is only exported).
"""

from __future__ import annotations

import gc
import time
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from liaison_desk.core.interop.ical import parse_events
from liaison_desk.core.interop.vcard import parse_vcards
from liaison_desk.core.protocol_import import parse_markdown
from liaison_desk.sync.ops import Op
from liaison_desk.sync.payload import END, OP, START, items, json_item

GROWTH = 10
ALLOWED = 20


def _vcard(version: str, body: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:{version}\r\nFN:Hélène Girard\r\n{body}\r\nEND:VCARD\r\n"


def _calendar(body: str) -> str:
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


def _event(uid: int, extra: str = "") -> str:
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20260314T103000Z\r\nSUMMARY:Staff talks {uid}\r\n"
        f"{extra}END:VEVENT\r\n"
    )


def _op(seq: int, **fields: Any) -> dict[str, Any]:
    return {
        "o": "0123456789abcdef",
        "s": seq,
        "h": f"1780000000000.{seq % 100000:05d}.0123456789abcdef",
        "e": "contact",
        "r": f"01934b2e-0000-7000-8000-{seq:012d}",
        "f": {"full_name": "Col. Dubois", **fields},
        "b": {},
    }


def _payload(ops: list[dict[str, Any]]) -> bytes:
    raw = json_item(START, {}) + b"".join(json_item(OP, op) for op in ops)
    return zlib.compress(raw + json_item(END, {"ops": len(ops), "attachments": 0}))


def _read_payload(compressed: bytes) -> None:
    for item in items([compressed], len(compressed)):
        if item.kind == OP:
            Op.from_json(item.json())


# name: (builds the input for a size n, parses it, n for the smaller input)
CASES: dict[str, tuple[Callable[[int], Any], Callable[[Any], object], int]] = {
    "vCard 2.1, quoted-printable soft breaks": (
        lambda n: _vcard("2.1", "NOTE;ENCODING=QUOTED-PRINTABLE:" + "=\r\n".join(["=41"] * n)),
        lambda text: parse_vcards(text, "phone.vcf"),
        5000,
    ),
    "vCard 3.0, one line folded again and again": (
        lambda n: _vcard("3.0", "NOTE:" + "\r\n ".join(["abc"] * n)),
        lambda text: parse_vcards(text, "phone.vcf"),
        5000,
    ),
    "vCard 3.0, a photo folded in base64": (
        lambda n: _vcard("3.0", "PHOTO;ENCODING=b;TYPE=JPEG:" + "\r\n ".join(["/9j/"] * n)),
        lambda text: parse_vcards(text, "phone.vcf"),
        5000,
    ),
    "vCard 4.0, many cards": (
        lambda n: "".join(_vcard("4.0", f"EMAIL:a{i}@example.org") for i in range(n)),
        lambda text: parse_vcards(text, "phone.vcf"),
        100,
    ),
    "vCard 4.0, many properties in one card": (
        lambda n: _vcard("4.0", "\r\n".join(f"TEL:+33 1 {i:08d}" for i in range(n))),
        lambda text: parse_vcards(text, "phone.vcf"),
        300,
    ),
    "iCalendar, many attendees": (
        lambda n: _calendar(
            _event(0, "".join(f"ATTENDEE;CN=P{i}:mailto:p{i}@example.org\r\n" for i in range(n)))
        ),
        lambda text: parse_events(text, "outlook.ics", station="UTC"),
        300,
    ),
    "iCalendar, one line folded again and again": (
        lambda n: _calendar(_event(0, "DESCRIPTION:" + "\r\n ".join(["abc"] * n) + "\r\n")),
        lambda text: parse_events(text, "outlook.ics", station="UTC"),
        5000,
    ),
    "iCalendar, many events": (
        lambda n: _calendar("".join(_event(i) for i in range(n))),
        lambda text: parse_events(text, "outlook.ics", station="UTC"),
        50,
    ),
    "protocol Markdown, a long front matter": (
        lambda n: "---\n" + "tags: gifts\n" * n + "---\n# Gifts\nText.\n",
        lambda text: parse_markdown("gifts.md", text),
        50000,
    ),
    "protocol Markdown, a long body without a heading": (
        lambda n: "text\n" * n,
        lambda text: parse_markdown("gifts.md", text),
        50000,
    ),
    "bundle payload, many ops": (
        lambda n: _payload([_op(i + 1) for i in range(n)]),
        _read_payload,
        500,
    ),
    "bundle payload, one op with a long list": (
        lambda n: _payload([_op(1, tags=["protocol"] * n)]),
        _read_payload,
        5000,
    ),
}


def _timed(parse: Callable[[Any], object], data: Any) -> float:
    """CPU time of this process: another process busy on the machine does not count."""
    start = time.process_time()
    parse(data)
    return time.process_time() - start


@pytest.mark.parametrize("name", list(CASES))
def test_ten_times_the_input_takes_about_ten_times_as_long(name: str) -> None:
    make, parse, n = CASES[name]
    small, large = make(n), make(GROWTH * n)
    parse(small)  # warm: imports, caches, regexes compiled
    small_times, large_times = [], []
    gc.disable()
    try:  # interleaved, the fastest of each kept: a busy moment slows one run, not all
        for _ in range(3):
            small_times += [_timed(parse, small), _timed(parse, small)]
            large_times.append(_timed(parse, large))
    finally:
        gc.enable()
    ratio = min(large_times) / min(small_times)
    assert ratio < ALLOWED, (
        f"{name}: {GROWTH}x the input took {ratio:.0f}x as long "
        f"({min(small_times) * 1000:.1f} ms, then {min(large_times) * 1000:.1f} ms)"
    )
