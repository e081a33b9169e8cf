"""Full-text search over contacts, organizations, meetings, follow-ups and protocol.

The user's text is never handed to FTS5 as it is: it is rebuilt from three
things we understand - words, `prefix*` words and "quoted phrases" - each
quoted for FTS5, so punctuation and stray quotes are just more words, never a
syntax error.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlcipher3

from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.store import Store

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHARS = re.compile(r"[\w]+", re.UNICODE)
MAX_TERMS = 16


@dataclass(frozen=True)
class SearchHit:
    kind: str
    id: str
    title: str
    snippet: str
    marking: str


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def build_match(text: str) -> str | None:
    """An FTS5 MATCH expression for what the user typed, or None if nothing is searchable."""
    terms: list[str] = []
    for phrase, word in _TOKEN.findall(text):
        if phrase:
            words = _WORD_CHARS.findall(phrase)
            if words:
                terms.append(_quote(" ".join(words)))
            continue
        prefix = word.endswith("*")
        words = _WORD_CHARS.findall(word)
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
    highlight: tuple[str, str] = ("[", "]"),
    budget_ms: float | None = None,
) -> list[SearchHit]:
    """Best matches first, each with a snippet around the words that matched.

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
        return _query(conn, match, limit, markings, kinds, highlight, "rank")
    deadline = time.perf_counter() + budget_ms / 1000
    conn.set_progress_handler(lambda: time.perf_counter() > deadline, 2_000)
    try:
        return _query(conn, match, limit, markings, kinds, highlight, "rank")
    except sqlcipher3.OperationalError as exc:
        if "interrupted" not in str(exc):
            raise
    finally:
        conn.set_progress_handler(None, 0)
    return _query(conn, match, limit, markings, kinds, highlight, "rowid DESC")


def _query(
    conn: Connection,
    match: str,
    limit: int,
    markings: Sequence[str] | None,
    kinds: Sequence[str] | None,
    highlight: tuple[str, str],
    order: str,
) -> list[SearchHit]:
    clauses = ["search MATCH ?"]
    params: list[object] = [highlight[0], highlight[1], match]
    if markings is not None:
        clauses.append(f"marking IN ({', '.join('?' * len(markings))})")
        params.extend(markings)
    if kinds is not None:
        clauses.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    params.append(limit)
    rows = conn.execute(
        "SELECT kind, record_id, title, snippet(search, -1, ?, ?, '…', 12), marking "
        f"FROM search WHERE {' AND '.join(clauses)} ORDER BY {order} LIMIT ?",
        params,
    ).fetchall()
    return [SearchHit(*row) for row in rows]
