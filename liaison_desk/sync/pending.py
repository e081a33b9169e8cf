"""How many ops each peer's next bundle would carry, for every peer at once.

HQ's `sync status` and its Sync section show this for 200 stations. Routing every
unacknowledged op once per station (`routes.Router`) costs stations x ops: right after
HQ sent a day's bundles, before the acknowledgements come back, 200 x 10,500. Here each
op is read once and its recipients decided once (`Reach`, the same rules as
`routes.Router`: distribution, groups, the station that wrote it, children following
their record, files the record they are attached to), then counted for every peer whose
span of its origin holds it. An op routed to every station is counted by position (one
sorted list per origin), once per distinct span, not station by station: right after HQ
sent, 200 stations are behind on 200 origins, but most acknowledged the same of each.

What is counted is what `exchange` would write: a revoked station's held ops
(`compromise.HeldOps`) are not carried, and each record a peer would be told to withdraw
counts as one.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync import compromise, routes, temp_rows
from liaison_desk.sync.peers import groups

# origin -> peer -> (after, up to): what a bundle for the peer covers, as `exchange` plans it
Spans = dict[str, dict[str, tuple[int, int]]]
Recipients = frozenset[str] | None  # the peers a record reaches; None: every one

_NOBODY: frozenset[str] = frozenset()
_CHUNK = 500  # record ids per query


def _join(a: Recipients, b: Recipients) -> Recipients:
    return None if a is None or b is None else a | b


class Reach:
    """Which peers a record reaches: `routes.Router`'s decisions, for every peer at once."""

    def __init__(self, conn: Connection, facts: routes.RecordFacts) -> None:
        self._conn = conn
        self._facts = facts
        facts.check(conn)
        self._writer = {
            origin: frozenset((fp,))
            for origin, fp in conn.execute("SELECT origin, fingerprint FROM peer_origins")
        }
        self._groups = groups(conn)
        self._cache: dict[tuple[str, str], Recipients] = {}  # by kind and id, as the router
        self._ever: dict[str, Recipients] = {}
        self._decided: dict[tuple[str, str], Recipients] = {}

    def of(self, entity: str, record_id: str) -> Recipients:
        """Whom `routes.Router.routed` would route the record to."""
        key = (entity, record_id)
        if key not in self._cache:
            self._cache[key] = self._decide(entity, record_id)
        return self._cache[key]

    def prefetch(self, records: Iterable[tuple[str, str]]) -> None:
        """Read the rows of many records (entity, id) at once, then those of their parents
        and of the records their files are attached to."""
        by_table: dict[str, set[str]] = defaultdict(set)
        for entity, record_id in records:
            by_table[BY_NAME[entity].table].add(record_id)
        parents: dict[str, set[str]] = defaultdict(set)
        for table, ids in by_table.items():
            self._facts.prefetch(self._conn, table, ids)
            kind = next((k for k in BY_NAME.values() if k.table == table), None)
            for record_id in ids:
                row = self._facts.row(self._conn, table, record_id)
                if row is None:
                    continue
                if kind is not None and kind.parent is not None:
                    parents[BY_NAME[kind.parent[0]].table].add(row[1])
                elif table == "attachments":
                    for owner_table in routes.OWNER_TABLES:
                        parents[owner_table].add(row[1])
        for table, ids in parents.items():
            self._facts.prefetch(self._conn, table, ids)

    def routed(
        self, rows: list[tuple[Any, ...]]
    ) -> Iterator[tuple[tuple[Any, ...], Recipients, Recipients]]:
        """Each oplog row (its entity, record id and, if it may set a distribution, fields
        at 3, 4 and 5) with whom it is routed to and, for one setting a distribution and
        not routed to every peer, whom any distribution of its record reached: those it
        withdraws the record from when not routed to them (nobody for any other op).
        The rows' records are read at once."""
        self.prefetch((row[3], row[4]) for row in rows)
        self.prefetch_ever((row[3], row[4]) for row in rows if row[5] is not None)
        for row in rows:
            whom = self.of(row[3], row[4])
            ever: Recipients = _NOBODY
            if whom is not None and row[5] is not None and "distribution" in json.loads(row[5]):
                ever = self.ever(row[3], row[4])
            yield row, whom, ever

    def prefetch_ever(self, records: Iterable[tuple[str, str]]) -> None:
        """`ever` for many records (entity, id) at once: every distribution logged for them
        read in a few queries, their origins from the rows `prefetch` read."""
        wanted = sorted(
            {(e, r) for e, r in records if e in routes.OWNER_ENTITIES and r not in self._ever}
        )
        logged: dict[str, set[str]] = defaultdict(set)
        for start in range(0, len(wanted), _CHUNK):
            chunk = [r for _, r in wanted[start : start + _CHUNK]]
            marks = ", ".join("?" * len(chunk))
            for record_id, distribution in self._conn.execute(
                "SELECT record_id, json_extract(fields, '$.distribution') FROM oplog "
                f"WHERE record_id IN ({marks}) "
                "AND json_extract(fields, '$.distribution') IS NOT NULL",
                chunk,
            ):
                logged[record_id].add(distribution)
        for entity, record_id in wanted:
            row = self._facts.row(self._conn, BY_NAME[entity].table, record_id)
            reached: Recipients = _NOBODY
            if row is not None:
                for distribution in logged.get(record_id, ()):
                    reached = _join(reached, self._allowed(distribution, row[1]))
            self._ever[record_id] = reached

    def ever(self, entity: str, record_id: str) -> Recipients:
        """Whom any distribution logged for the record reached (`routes.Router.reached`)."""
        if entity not in routes.OWNER_ENTITIES:
            return _NOBODY
        if record_id not in self._ever:
            self.prefetch_ever([(entity, record_id)])
        return self._ever[record_id]

    def _decide(self, entity: str, record_id: str) -> Recipients:
        kind = BY_NAME[entity]
        row = self._facts.row(self._conn, kind.table, record_id)
        if row is None:
            return _NOBODY
        if kind.parent is not None:  # a meeting's participant, a contact's point...
            return _join(self._wrote(row[0]), self.of(kind.parent[0], row[1]))
        if entity == "attachment":
            return _join(self._wrote(row[0]), self._owner(row[1]))
        return self._allowed(row[0], row[1])

    def _owner(self, owner_id: str) -> Recipients:
        for table in routes.OWNER_TABLES:
            row = self._facts.row(self._conn, table, owner_id)
            if row is not None:
                return self._allowed(row[0], row[1])
        return _NOBODY

    def _wrote(self, origin: str) -> frozenset[str]:
        return self._writer.get(origin, _NOBODY)

    def _allowed(self, distribution: str, origin: str) -> Recipients:
        """Decided once per (distribution, origin): a day's 10,000 records share a few."""
        key = (distribution, origin)
        if key not in self._decided:
            self._decided[key] = self._parse(distribution, origin)
        return self._decided[key]

    def _parse(self, distribution: str, origin: str) -> Recipients:
        dist = routes.parse_distribution(distribution)
        if dist.scope == "all":
            return None
        named: Iterable[str] = ()
        if dist.scope == "stations":
            named = dist.members
        elif dist.scope == "group":
            named = self._groups.get(dist.members[0], ())
        return self._wrote(origin) | frozenset(named)


def _in_spans(seqs: list[int], spans: dict[str, tuple[int, int]], found: dict[str, int]) -> None:
    """Add to each peer's count the sorted `seqs` inside its span. Most stations
    acknowledged the same of an origin: each distinct span is counted once."""
    known: dict[tuple[int, int], int] = {}
    for peer, span in spans.items():
        if span not in known:
            after, upto = span
            known[span] = bisect.bisect_right(seqs, upto) - bisect.bisect_right(seqs, after)
        found[peer] += known[span]


def counts(conn: Connection, spans: Spans, facts: routes.RecordFacts) -> dict[str, int]:
    """For each peer (by fingerprint) with a span of some origin, the ops its next bundle
    would carry; a peer left out is owed none."""
    found = dict.fromkeys(set().union(*spans.values()), 0)
    if not spans:
        return found
    temp_rows.fill_spans(
        conn,
        "pending_range",
        {o: (min(s.values())[0], max(b for _, b in s.values())) for o, s in spans.items()},
    )
    reach = Reach(conn, facts)
    held = compromise.HeldOps(conn)
    to_all: dict[str, list[int]] = defaultdict(list)  # origin -> seqs of ops routed to every peer
    gone: dict[str, set[str]] = defaultdict(set)  # peer -> records it would be told to withdraw
    # Oplog rows as `compromise.HeldOps.holds` reads them; the fields only of an op that may
    # set a distribution, the base not at all.
    rows = conn.execute(
        "SELECT o.origin, o.seq, o.hlc, o.entity, o.record_id, "
        "CASE WHEN instr(o.fields, '\"distribution\"') > 0 THEN o.fields END, NULL, o.clocks "
        "FROM oplog o "
        "JOIN pending_range r ON o.origin = r.origin AND o.seq > r.after AND o.seq <= r.upto"
    ).fetchall()
    for row, routed, ever in reach.routed(rows):
        if held and held.holds(row):  # a revoked station's, after its compromise
            continue
        origin, seq, record_id = row[0], row[1], row[4]
        if routed is None:
            to_all[origin].append(seq)
            continue
        covering = spans[origin]
        for peer in routed:
            span = covering.get(peer)
            if span is not None and span[0] < seq <= span[1]:
                found[peer] += 1
        for peer in covering if ever is None else ever:
            span = covering.get(peer)
            if peer not in routed and span is not None and span[0] < seq <= span[1]:
                gone[peer].add(record_id)
    for origin, seqs in to_all.items():
        seqs.sort()
        _in_spans(seqs, spans[origin], found)
    for peer, records in gone.items():
        found[peer] += len(records)
    return found
