"""The gift limits HQ publishes, read from its protocol library and applied to one entry.

A reference of category ``gifts-hospitality`` may carry a ```rules block
(`core.structured_refs`) holding the limits for its country, or, without a
country, the general default (normative text: docs/gift-limits.md):

    {"currency": "EUR", "given": 200, "received": 50,
     "always_declare": ["received"], "rates": {"USD": 0.92, "JPY": 0.0062}}

`given` and `received` are the most an entry may be worth without a declaration
(a direction without one has no limit); `always_declare` lists the directions
declared whatever their value; `rates` says what one unit of another currency is
worth in `currency`. Entries in other currencies are converted with those rates,
never with a rate fetched from the network (a station is often offline, and a
declaration must be reproducible from what HQ published); an entry in a currency
with no published rate cannot be checked, so it is declared.

Only HQ's word counts: once a vault knows its HQ, only the references HQ wrote
set limits (a station's own note cannot raise them); a vault with no HQ yet (a
station before enrolment, the demo) uses the references it holds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import GIFT_DIRECTIONS
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.structured_refs import rules_of

CATEGORY = "gifts-hospitality"
_KEYS = frozenset({"currency", "given", "received", "always_declare", "rates"})
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class GiftLimits:
    currency: str
    limits: Mapping[str, Decimal]  # direction -> the most an entry may be worth undeclared
    always_declare: frozenset[str]
    rates: Mapping[str, Decimal]  # currency -> the worth of one unit in `currency`


@dataclass(frozen=True)
class PublishedLimits:
    """Limits as one reference of HQ's library publishes them."""

    ref_id: str
    title: str
    country: str | None  # None: the general default
    limits: GiftLimits


def _number(where: str, value: Any) -> Decimal:
    if type(value) not in (int, float) or value < 0:
        raise ValidationError(f"The gift limits' {where} must be a number of zero or more.")
    return Decimal(str(value))


def _currency(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise ValidationError(
            f"The gift limits' {where} must be a three-letter currency code such as EUR."
        )
    return value


def read_limits(rules: Mapping[str, Any]) -> GiftLimits:
    """The limits a ```rules block holds, or ValidationError naming what is wrong."""
    unknown = sorted(set(rules) - _KEYS)
    if unknown:
        raise ValidationError(
            f"The gift limits have no key {unknown[0]!r}; they take: {', '.join(sorted(_KEYS))}."
        )
    currency = _currency("currency", rules.get("currency"))
    limits = {d: _number(d, rules[d]) for d in GIFT_DIRECTIONS if rules.get(d) is not None}
    always = rules.get("always_declare", [])
    if not isinstance(always, list) or any(d not in GIFT_DIRECTIONS for d in always):
        raise ValidationError("The gift limits' always_declare must be a list of: given, received.")
    rates = rules.get("rates", {})
    if not isinstance(rates, dict):
        raise ValidationError("The gift limits' rates must map currency codes to numbers.")
    out_rates = {_currency(f"rate {c!r}", c): _number(f"rate for {c}", r) for c, r in rates.items()}
    if any(r == 0 for r in out_rates.values()):
        raise ValidationError("The gift limits' rates must be more than zero.")
    return GiftLimits(currency, limits, frozenset(always), out_rates)


def _publishers(conn: Connection, role: str) -> list[str] | None:
    """The origins whose references set limits here; None: any reference held."""
    own = [o for (o,) in conn.execute("SELECT origin FROM incarnations")]
    if role == "hq":
        return own
    hq = [
        o
        for (o,) in conn.execute(
            "SELECT o.origin FROM peer_origins o JOIN peers p ON p.fingerprint = o.fingerprint "
            "WHERE p.role = 'hq'"
        )
    ]
    return hq or None


def published_limits(
    conn: Connection, role: str, country: str | None, on: str
) -> PublishedLimits | None:
    """The limits in force on day `on` for `country`: the country's own, else the general.

    Of several references, the one effective latest at or before `on` (one without an
    effective date counts as always in force), then the most recently changed.
    """
    publishers = _publishers(conn, role)
    by = f" AND origin IN ({', '.join('?' * len(publishers))})" if publishers is not None else ""
    for wanted in ([country] if country else []) + [None]:
        rows = conn.execute(
            "SELECT id, title, country, body FROM protocol_refs WHERE deleted = 0 "
            f"AND category = ? AND country IS ? AND coalesce(effective_date, '') <= ?{by} "
            "ORDER BY coalesce(effective_date, '') DESC, updated_at DESC, id DESC",
            (CATEGORY, wanted, on, *(publishers or ())),
        )
        for ref_id, title, ref_country, body in rows:
            rules = rules_of(body)
            if rules is not None:
                return PublishedLimits(ref_id, title, ref_country, read_limits(rules))
    return None


def declaration(
    published: PublishedLimits, direction: str, value: Decimal, currency: str
) -> str | None:
    """Why an entry must be declared under `published`, as a sentence; None: it need not be."""
    limits = published.limits
    where = f"in {published.country}" if published.country else "under the general limits"
    noun = "hospitality or gifts"
    if direction in limits.always_declare:
        return f"Every entry {direction} is declared {where} (“{published.title}”)."
    limit = limits.limits.get(direction)
    if limit is None:
        return None
    cap = f"the limit of {limit} {limits.currency} on {noun} {direction} {where}"
    if currency == limits.currency:
        worth = value
        shown = f"{value} {currency}"
    elif currency in limits.rates:
        worth = (value * limits.rates[currency]).quantize(_CENT)
        shown = f"{value} {currency} (about {worth} {limits.currency})"
    else:
        return (
            f"{value} {currency} cannot be checked against {cap}: HQ publishes no rate for "
            f"{currency}, so it is declared."
        )
    return f"{shown} is over {cap}." if worth > limit else None
