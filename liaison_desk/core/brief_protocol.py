"""Which protocol references a brief cites: those of the people's countries, then the general ones.

Of HQ's library, the categories an officer needs before a meeting: forms of
address, precedence, gifts and hospitality, cultural notes. A country's own
reference comes before the general one of the same category (it is the more
specific advice). HQ may narrow a reference to some ranks by tagging it with
their NATO codes ("OF-6", "OF-7", …): it is then cited only when someone briefed
holds one of those codes; a reference without such a tag concerns every rank.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from liaison_desk.core.kinds import PROTOCOL
from liaison_desk.core.records import Contact, ProtocolRef
from liaison_desk.core.store import Store

BRIEF_CATEGORIES = (
    "forms-of-address",
    "order-of-precedence",
    "gifts-hospitality",
    "cultural-notes",
)
_NATO_CODE = re.compile(r"^(OF|OR|WO)-?\d{1,2}$", re.IGNORECASE)

RankCode = Callable[[Contact], str | None]


def _code(text: str) -> str:
    """A NATO code as written in a tag ("of-7", "OF7") in one form: "OF-7"."""
    letters, digits = text[:2].upper(), text[2:].lstrip("-")
    return f"{letters}-{int(digits)}"


def rank_tags(ref: ProtocolRef) -> frozenset[str]:
    """The NATO codes a reference is narrowed to (none: it concerns every rank)."""
    return frozenset(_code(t.strip()) for t in ref.tags if _NATO_CODE.match(t.strip()))


def applicable_references(
    store: Store,
    countries: Sequence[str | None],
    people: Sequence[Contact],
    rank_code: RankCode | None = None,
) -> list[ProtocolRef]:
    """The references for these countries (then the general ones), category by category,
    leaving out those narrowed to ranks nobody briefed holds (`rank_code` tells a contact's
    NATO code; without it, such references are left out)."""
    wanted = sorted({c for c in countries if c})
    placeholders = ", ".join("?" * len(wanted))
    country_clause = f"country IN ({placeholders}) OR " if wanted else ""
    categories = ", ".join(f"'{c}'" for c in BRIEF_CATEGORIES)
    rows = store.conn.execute(
        f"SELECT {PROTOCOL.columns()} FROM protocol_refs WHERE deleted = 0 "
        f"AND ({country_clause}country IS NULL) AND category IN ({categories})",
        wanted,
    ).fetchall()
    refs: list[ProtocolRef] = [PROTOCOL.from_row(row) for row in rows]
    held = {code for p in people if rank_code and (code := rank_code(p))}
    kept = [r for r in refs if not (tags := rank_tags(r)) or tags & held]
    order = {c: i for i, c in enumerate(BRIEF_CATEGORIES)}
    kept.sort(
        key=lambda r: (order[r.category or ""], r.country is None, r.country or "", r.title.lower())
    )
    return kept
