"""The audit log as a hash chain: each entry carries the hash of the one before it.

Entry hash = SHA-256 over the previous entry's hash (hex), the time, the event and
the detail (its JSON as stored: sorted keys), each followed by a newline; the
first entry follows 64 zeros. The formula is part of the vault format: a
migration chains the entries written before it with it, and HQ recomputes it
on the entries stations send (`sync.station_audit`).

Inside the vault only someone holding the data key can alter the log, and they
could recompute every hash after their change. What the chain adds is that HQ
holds a copy: once entries reached HQ, a station cannot remove, reorder or edit
one without HQ's copy and the station's no longer agreeing, and the check
(`check`) names which entry and how. HQ's own copy is checked the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from liaison_desk.core.sqlite_types import Connection

GENESIS = "0" * 64
BreakKind = Literal["edited", "removed", "reordered", "restored"]  # restored: at HQ


def entry_hash(prev: str, at: str, event: str, detail_json: str) -> str:
    text = f"{prev}\n{at}\n{event}\n{detail_json}\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    """One link. `detail` is None for an entry whose content stayed at its station (a
    link HQ holds to check the order, not the content)."""

    n: int
    at: str | None
    event: str | None
    detail: str | None  # the detail's JSON, as stored
    prev: str
    hash: str

    @property
    def has_content(self) -> bool:
        return self.at is not None and self.event is not None and self.detail is not None

    def label(self) -> str:
        what = f" ({self.event}, {self.at})" if self.has_content else ""
        return f"entry #{self.n}{what}"


@dataclass(frozen=True)
class ChainBreak:
    n: int
    kind: BreakKind
    sentence: str


def check(entries: Sequence[ChainEntry], head: str = GENESIS) -> list[ChainBreak]:
    """Every place the chain is broken, in order; empty when it is intact.

    `entries` are in the order of their numbers; `head` is the hash the first one
    must follow (GENESIS for a whole log). An entry whose content no longer gives
    its hash was edited. One that does not follow the entry before it: if it
    follows another entry of the log, the entries were reordered; if the numbers
    skip, entries were removed; otherwise the entry before it was edited and its
    hash made anew, or the log rewritten from there (as HQ sees a station's log
    that no longer continues what HQ holds).
    """
    by_hash = {e.hash: e for e in entries}
    breaks: list[ChainBreak] = []
    before: ChainEntry | None = None
    for entry in entries:
        expected = head if before is None else before.hash
        if entry.has_content:
            assert entry.at is not None and entry.event is not None and entry.detail is not None
            if entry_hash(entry.prev, entry.at, entry.event, entry.detail) != entry.hash:
                breaks.append(
                    ChainBreak(entry.n, "edited", f"{_sentence_case(entry.label())} was edited.")
                )
                before = entry
                continue
        if entry.prev != expected:
            breaks.append(_misplaced(entry, before, by_hash.get(entry.prev)))
        before = entry
    return breaks


def _misplaced(
    entry: ChainEntry, before: ChainEntry | None, follows: ChainEntry | None
) -> ChainBreak:
    if follows is not None and follows is not entry:
        return ChainBreak(
            entry.n,
            "reordered",
            f"The log was reordered: {entry.label()} should come right after {follows.label()}.",
        )
    first = before.n + 1 if before is not None else 1
    if entry.n > first:
        which = f"#{first}" if entry.n == first + 1 else f"#{first} to #{entry.n - 1}"
        return ChainBreak(entry.n, "removed", f"Entries were removed: {which}.")
    if before is None:
        return ChainBreak(
            entry.n,
            "removed",
            f"{_sentence_case(entry.label())} does not follow the entries held before it: "
            "entries were removed or the log was rewritten.",
        )
    return ChainBreak(
        entry.n,
        "edited",
        f"{_sentence_case(entry.label())} does not follow {before.label()}: that entry was "
        "edited and its hash made anew, or the log was rewritten from there.",
    )


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def tip(conn: Connection) -> str:
    """The hash the next entry of this vault's log follows."""
    row = conn.execute("SELECT hash FROM audit ORDER BY n DESC LIMIT 1").fetchone()
    return str(row[0]) if row and row[0] else GENESIS


def local_entries(conn: Connection, after: int = 0, limit: int = -1) -> list[ChainEntry]:
    rows = conn.execute(
        "SELECT n, at, event, detail, prev, hash FROM audit WHERE n > ? ORDER BY n LIMIT ?",
        (after, limit),
    ).fetchall()
    return [ChainEntry(*row) for row in rows]


def check_local(conn: Connection) -> list[ChainBreak]:
    """The check of this vault's own log, whole."""
    return check(local_entries(conn))


def chain_existing(conn: Connection) -> None:
    """The migration's step: add the two columns and chain the entries already written."""
    conn.execute("ALTER TABLE audit ADD COLUMN prev TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE audit ADD COLUMN hash TEXT NOT NULL DEFAULT ''")
    prev = GENESIS
    rows = conn.execute("SELECT n, at, event, detail FROM audit ORDER BY n").fetchall()
    for n, at, event, detail in rows:
        made = entry_hash(prev, at, event, detail)
        conn.execute("UPDATE audit SET prev = ?, hash = ? WHERE n = ?", (prev, made, n))
        prev = made
