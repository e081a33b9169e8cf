"""The gifts and hospitality register: entries given and received, and their declarations.

Every save of an entry goes through here, so that its declaration is worked out
against the limits HQ publishes (`core.gift_limits`) in the same transaction:
the sentence saying why it must be declared (or none) and the reference the
limits came from are fields of the entry itself. A station sends everything it
writes to HQ whatever its distribution (`sync.routes`), so the entry is its own
declaration: it reaches HQ in the next bundle, and HQ lists the entries carrying
one by station (`declarations`), without any record reaching another station
that its distribution does not name.

The declaration is worked out where the entry is saved, with the limits in force
there on the day of the gift, and kept as written: a later change of the limits
does not rewrite what was declared. Entries a peer sends are stored as their
author declared them: the declaration is a synced field like any other, merged
by the same clocks, so every vault holds the same one. Working it out again at
each vault that receives an edit would let vaults holding different limits
disagree (or, written as edits of their own, contend for it); instead only an
edit works it out, and the edit travels. Two edits made unseen of each other
can leave the value of one and the declaration of the other: that is a
conflict, and resolving it (`sync.conflicts.resolve`) is an edit made here
through `update_gift`, which works the declaration out from the values kept
and sends it with them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from liaison_desk.core import gift_limits
from liaison_desk.core.kinds import GIFT
from liaison_desk.core.records import Gift
from liaison_desk.core.store import Store
from liaison_desk.core.validation import amount, currency_code, iso_date

log = logging.getLogger("liaison_desk.gifts")

# The fields the core writes: never taken from a form or the command line.
DERIVED = ("declaration", "rules_id")


@dataclass(frozen=True)
class Declaration:
    """One declared entry as HQ lists it: the station that wrote it, and the entry."""

    station: str  # the station's fingerprint ("" for this vault's own entries)
    station_name: str
    gift: Gift


def _country(store: Store, values: Mapping[str, Any]) -> str | None:
    """The entry's country, else that of the first of its contacts who has one."""
    if values.get("country"):
        return str(values["country"])
    for contact_id in values.get("contact_ids") or ():
        row = store.conn.execute(
            "SELECT country FROM contacts WHERE id = ? AND country IS NOT NULL", (contact_id,)
        ).fetchone()
        if row is not None:
            return str(row[0])
    return None


def _derived(store: Store, values: Mapping[str, Any]) -> dict[str, Any]:
    """The country filled in, the declaration and the reference it came from, for `values`."""
    country = _country(store, values)
    on = iso_date("date", values["exchanged_on"]) or ""
    published = gift_limits.published_limits(store.conn, store.role, country, on)
    out: dict[str, Any] = {"country": country, "declaration": None, "rules_id": None}
    if published is not None:
        value = Decimal(amount("value", values["value"]))  # digits and a point: always parses
        direction = str(values["direction"]).strip().lower()
        currency = currency_code(values["currency"])
        out["declaration"] = gift_limits.declaration(published, direction, value, currency)
        out["rules_id"] = published.ref_id
    return out


def add_gift(store: Store, gift: Gift) -> Gift:
    """Store a new entry with its declaration worked out."""
    with store.transaction():
        values = {f: getattr(gift, f) for f in GIFT.fields}
        saved = store.add(replace(gift, **_derived(store, values)))
    log.info("gift %s added, declared: %s", saved.id, saved.declaration is not None)
    return saved


def update_gift(
    store: Store, gift_id: str, changes: Mapping[str, Any], force: bool = False
) -> Gift:
    """Change an entry; its declaration is worked out again from the values it now holds.

    `force` (a conflict's resolution) logs the changes and the declaration even if
    unchanged here: the peers may hold the other side of the conflict. A change of a
    derived field itself gives way to the value worked out.
    """
    with store.transaction():
        current = store.get(Gift, gift_id)
        wanted = {f: getattr(current, f) for f in GIFT.fields} | dict(changes)
        derived = _derived(store, wanted)
        saved = store.update(Gift, gift_id, {**changes, **derived}, force=force)
    log.info("gift %s saved, declared: %s", gift_id, saved.declaration is not None)
    return saved


def gifts_with(store: Store, contact_id: str) -> list[Gift]:
    """The entries naming a contact, newest first (the brief's "gifts exchanged before")."""
    cursor = store.conn.execute(
        f"SELECT {GIFT.columns()} FROM {GIFT.table} WHERE deleted = 0 "
        "AND EXISTS (SELECT 1 FROM json_each(contact_ids) WHERE value = ?) "
        "ORDER BY exchanged_on DESC, id DESC",
        (contact_id,),
    )
    return [GIFT.from_row(row) for row in cursor]


def declarations(store: Store, limit: int = 10_000) -> list[Declaration]:
    """The declared entries this vault holds, by station name, then newest first.

    At HQ: every station's. A station's entries are named after the station that
    wrote them (the origin of the entry, through the stations HQ enrolled).
    """
    name_row = store.conn.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()
    own_name = str(name_row[0]) if name_row else ""
    station = "coalesce(o.fingerprint, ''), coalesce(nullif(o.name, ''), p.name, ?)"
    cursor = store.conn.execute(
        f"SELECT {station}, {GIFT.columns('g')} FROM gifts g "
        "LEFT JOIN peer_origins o ON o.origin = g.origin "
        "LEFT JOIN peers p ON p.fingerprint = o.fingerprint "
        "WHERE g.deleted = 0 AND g.declaration IS NOT NULL "
        "ORDER BY 2 COLLATE NOCASE, 1, g.exchanged_on DESC, g.id DESC LIMIT ?",
        (own_name, limit),
    )
    return [Declaration(row[0], row[1], GIFT.from_row(row[2:])) for row in cursor]
