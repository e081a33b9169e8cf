"""Engagements counted per month: the data behind the charts (a contact's, a country's, HQ's).

The charts (`ui.charts`) only draw what these return, so what they show is
tested here without Qt. Months are calendar months of the meetings' stored
start (UTC, "YYYY-MM"); a chart covers a window of whole months ending with the
current one, months without any engagement counted as zero, so two charts of
the same window line up month by month.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from liaison_desk.core.store import Store

MONTHS_SHOWN = 24  # two years: a posting's length, long enough to see a relationship's rhythm


@dataclass(frozen=True)
class Series:
    """One line or set of bars of a chart: a count for each month of its timeline."""

    name: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Timeline:
    """Counts per month over a window of months, one series per thing counted."""

    title: str
    months: tuple[str, ...]  # "YYYY-MM", oldest first
    series: tuple[Series, ...]

    @property
    def total(self) -> int:
        return sum(s.total for s in self.series)


def months_ending(last: date, count: int = MONTHS_SHOWN) -> tuple[str, ...]:
    """`count` calendar months, oldest first, the last being the month of `last`."""
    index = last.year * 12 + last.month - 1
    return tuple(f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1))


def _series(name: str, months: Sequence[str], rows: Iterable[tuple[str, int]]) -> Series:
    found = dict(rows)
    return Series(name, tuple(int(found.get(month, 0)) for month in months))


def _bounds(months: Sequence[str]) -> tuple[str, str]:
    """The stored-start range of the window: from its first day to before the month after it."""
    year, month = (int(part) for part in months[-1].split("-"))
    after = f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    return months[0], after


def people_timeline(
    store: Store, contact_ids: Sequence[str], name: str, months: Sequence[str]
) -> Timeline:
    """How many meetings any of these contacts took part in, month by month (a contact's
    timeline, or an organization's through its people)."""
    first, after = _bounds(months)
    rows = store.conn.execute(
        "SELECT substr(m.starts_at, 1, 7), count(DISTINCT m.id) FROM participants p "
        "JOIN meetings m ON m.id = p.meeting_id AND m.deleted = 0 "
        "AND m.starts_at >= ? AND m.starts_at < ? "
        "WHERE p.contact_id IN (SELECT value FROM json_each(?)) AND p.deleted = 0 GROUP BY 1",
        (first, after, json.dumps(list(contact_ids))),
    ).fetchall()
    return Timeline(f"Engagements with {name}", tuple(months), (_series(name, months, rows),))


def country_timeline(store: Store, country: str, months: Sequence[str]) -> Timeline:
    """How many meetings had someone of the country (by the contact's country), month by month.

    The country's people's meetings are gathered first (from the index of each contact's
    meetings), then the window's meetings checked against them (from the index of each
    meeting's start): both read inside their indexes, never a table row per engagement.
    """
    first, after = _bounds(months)
    rows = store.conn.execute(
        "SELECT substr(m.starts_at, 1, 7), count(*) FROM meetings m "
        "WHERE m.deleted = 0 AND m.starts_at >= ? AND m.starts_at < ? AND m.id IN ("
        " SELECT p.meeting_id FROM contacts c CROSS JOIN participants p "
        " WHERE c.country = ? AND c.deleted = 0 AND p.contact_id = c.id AND p.deleted = 0"
        ") GROUP BY 1",
        (first, after, country),
    ).fetchall()
    return Timeline(f"Engagements with {country}", tuple(months), (_series(country, months, rows),))


def station_engagements(store: Store, own_name: str, months: Sequence[str]) -> Timeline:
    """At HQ: meetings recorded per station (by the origin that wrote them), month by month.

    A station is named as HQ enrolled it; HQ's own meetings are under `own_name`.
    """
    first, after = _bounds(months)
    rows = store.conn.execute(
        "SELECT coalesce(peers.name, nullif(o.name, ''), :own), substr(m.starts_at, 1, 7), "
        "count(*) FROM meetings m LEFT JOIN peer_origins o ON o.origin = m.origin "
        "LEFT JOIN peers ON peers.fingerprint = o.fingerprint "
        "WHERE m.deleted = 0 AND m.starts_at >= :first AND m.starts_at < :after "
        "GROUP BY 1, 2",
        {"own": own_name, "first": first, "after": after},
    ).fetchall()
    return Timeline("Engagements recorded per station", tuple(months), _grouped(months, rows))


def station_bundles(store: Store, months: Sequence[str]) -> Timeline:
    """At HQ: bundles received from each station (by when they were applied), month by month."""
    first, after = _bounds(months)
    rows = store.conn.execute(
        "SELECT coalesce(peers.name, b.sender), substr(b.applied_at, 1, 7), count(*) "
        "FROM bundles_in b LEFT JOIN peers ON peers.fingerprint = b.sender "
        "WHERE b.applied_at >= ? AND b.applied_at < ? GROUP BY 1, 2",
        (first, after),
    ).fetchall()
    return Timeline("Bundles received per station", tuple(months), _grouped(months, rows))


def _grouped(months: Sequence[str], rows: Iterable[tuple[str, str, int]]) -> tuple[Series, ...]:
    by_name: dict[str, list[tuple[str, int]]] = {}
    for name, month, count in rows:
        by_name.setdefault(name, []).append((month, count))
    return tuple(_series(name, months, by_name[name]) for name in sorted(by_name, key=str.lower))
