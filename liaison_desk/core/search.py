"""Full-text search over contacts, organizations, meetings, follow-ups and protocol.

The user's text is never handed to FTS5 as it is: it is rebuilt from three
things we understand - words, `prefix*` words and "quoted phrases" - each
quoted for FTS5, so punctuation, stray quotes and operators are just more
words, never a syntax error. The word still being typed (the last one, with no
space after it) is a prefix, so "Hel" finds Hélène before the name is complete.
Accents and case fold as in every list filter (`text_fold`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlcipher3

from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.store import Store
from liaison_desk.core.text_fold import fold

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHARS = re.compile(r"[\w]+", re.UNICODE)
MAX_TERMS = 16

# Marks FTS5 puts around matched words in a snippet, read back into spans: control
# characters nobody types. A record holding one could at worst misplace a mark; the
# spans are never markup, so it cannot reach further than that.
_OPEN, _CLOSE = "\x02", "\x03"

# Where each kind's date comes from: a meeting's start, a follow-up's due date, else
# when the record last changed.
_DATES = {
    "organization": ("organizations", "updated_at"),
    "contact": ("contacts", "updated_at"),
    "meeting": ("meetings", "starts_at"),
    "followup": ("followups", "coalesce(due_date, updated_at)"),
    "protocol": ("protocol_refs", "updated_at"),
    "gift": ("gifts", "exchanged_on"),
}


@dataclass(frozen=True)
class Snippet:
    """Text around the words that matched; `marks` are the (start, end) offsets of those words.

    Spans, not markup: each screen shows them its own way (bold in the window,
    brackets in a terminal), and no record's text is ever read as markup.
    """

    text: str
    marks: tuple[tuple[int, int], ...] = ()

    def marked(self, before: str, after: str) -> str:
        """The text with `before` and `after` around each matched word."""
        out: list[str] = []
        at = 0
        for start, end in self.marks:
            out += [self.text[at:start], before, self.text[start:end], after]
            at = end
        out.append(self.text[at:])
        return "".join(out)

    @staticmethod
    def parse(raw: str) -> Snippet:
        """Read FTS5's snippet with `_OPEN`/`_CLOSE` around matches into text and spans.

        Runs of white space (line breaks in notes, the gaps empty fields leave in the
        index) become one space, and none is left at either end: a snippet is one line.
        """
        text: list[str] = []
        marks: list[tuple[int, int]] = []
        start: int | None = None
        for char in raw:
            if char == _OPEN:
                start = len(text)
            elif char == _CLOSE:
                if start is not None and start < len(text):
                    marks.append((start, len(text)))
                start = None
            elif not char.isspace():
                text.append(char)
            elif text and text[-1] != " ":
                text.append(" ")
        if text and text[-1] == " ":
            text.pop()
            marks = [(a, min(b, len(text))) for a, b in marks if a < len(text)]
        return Snippet("".join(text), tuple(marks))


@dataclass(frozen=True)
class SearchHit:
    """One record found: its title with the words that matched, and a snippet of the rest.

    The snippet comes from the record's other fields (notes, place, rank...), so
    records with the same title still read apart; it is empty when they are.
    """

    kind: str
    id: str
    title: str
    snippet: Snippet
    marking: str
    date: str | None  # ISO: a meeting's start, a follow-up's due date, else last changed
    rank: float  # bm25: lower is better; 0.0 when ranking was abandoned for recency
    title_marks: tuple[tuple[int, int], ...] = ()  # offsets in `title` of the words matched


@dataclass(frozen=True)
class SearchGroup:
    kind: str
    hits: tuple[SearchHit, ...]


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def build_match(text: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None if nothing is searchable.

    Words typed `prefix*` are prefixes, and so is the last word unless a space
    follows it (the word being typed). A quoted phrase is matched exactly.
    """
    terms: list[str] = []
    tokens = list(_TOKEN.finditer(text))
    typing = bool(text) and not text[-1].isspace()
    for i, token in enumerate(tokens):
        phrase, word = token.group(1), token.group(2)
        if phrase is not None:
            words = _WORD_CHARS.findall(fold(phrase))
            if words:
                terms.append(_quote(" ".join(words)))
            continue
        prefix = word.endswith("*") or (typing and i == len(tokens) - 1)
        words = _WORD_CHARS.findall(fold(word))
        if not words:
            continue
        term = _quote(" ".join(words))
        terms.append(term + "*" if prefix else term)
    if not terms:
        return None
    return " ".join(terms[:MAX_TERMS])


def search(
    store: Store,
    text: str,
    *,
    limit: int = 20,
    markings: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    budget_ms: float | None = None,
) -> list[SearchHit]:
    """Best matches first, each with its date and a snippet around the words that matched.

    Ranking scores every matching row, which for a word found in 100k notes takes
    hundreds of milliseconds. With `budget_ms` (search as you type), a ranking that
    runs over budget is abandoned for the newest matches instead: for so common a
    word, recency serves the officer better than a late answer.
    """
    match = build_match(text)
    if match is None:
        return []
    conn = store.conn
    if budget_ms is None:
        return _dated(conn, _query(conn, match, limit, markings, kinds, "rank"))
    deadline = time.perf_counter() + budget_ms / 1000
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 2_000)
    try:
        return _dated(conn, _query(conn, match, limit, markings, kinds, "rank"))
    except sqlcipher3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    return _dated(conn, _query(conn, match, limit, markings, kinds, "rowid DESC"))


def grouped(hits: Sequence[SearchHit]) -> list[SearchGroup]:
    """`hits` by kind: the kind of the best hit first, each group in the order given."""
    by_kind: dict[str, list[SearchHit]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit)
    return [SearchGroup(kind, tuple(group)) for kind, group in by_kind.items()]


def _query(
    conn: Connection,
    match: str,
    limit: int,
    markings: Sequence[str] | None,
    kinds: Sequence[str] | None,
    order: str,
) -> list[tuple[str, str, str, str, str, float]]:
    clauses = ["search MATCH ?"]
    params: list[object] = [_OPEN, _CLOSE, match]
    if markings is not None:
        clauses.append(f"marking IN ({', '.join('?' * len(markings))})")
        params.extend(markings)
    if kinds is not None:
        clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    params.append(limit)
    ranked = "rank" if order == "rank" else "0.0"
    return conn.execute(
        "SELECT kind, record_id, highlight(search, 3, ?1, ?2), "
        "snippet(search, 4, ?1, ?2, '…', 12), marking, "
        f"{ranked} FROM search WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?",
        params,
    ).fetchall()


def _dated(conn: Connection, rows: list[tuple[str, str, str, str, str, float]]) -> list[SearchHit]:
    """The hits, each with its kind's date: one indexed look-up per kind found."""
    dates: dict[str, str | None] = {}
    for kind in {row[0] for row in rows}:
        table, column = _DATES[kind]
        ids = [row[1] for row in rows if row[0] == kind]
        found = conn.execute(
            f"SELECT id, {column} FROM {table} WHERE id IN ({', '.join('?' * len(ids))})", ids
        ).fetchall()
        dates.update(found)
    hits: list[SearchHit] = []
    for kind, id_, raw_title, raw, marking, rank in rows:
        title = Snippet.parse(raw_title)
        hits.append(
            SearchHit(
                kind,
                id_,
                title.text,
                Snippet.parse(raw),
                marking,
                dates.get(id_),
                float(rank),
                title.marks,
            )
        )
    return hits
