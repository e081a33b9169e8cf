"""Every record a list query matches, however many: exports take the whole list, not a page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from liaison_desk.core.kinds import R
from liaison_desk.core.store import ListQuery, Store

PAGE = 1_000


def all_matching(store: Store, cls: type[R], query: ListQuery) -> Iterator[R]:
    """The records `query` matches, in its order; its limit and offset are ignored."""
    offset = 0
    while True:
        page = store.list(cls, replace(query, limit=PAGE, offset=offset))
        yield from page
        if len(page) < PAGE:
            return
        offset += PAGE
