"""HQ writing one sync's bundles for its stations: each covered op read and routed once.

Right after a busy day, each of 200 stations' bundles covers the same 10,000 ops of 200
origins, and most of them go to no station (other stations' records, distributed to HQ
only). Routing them station by station (`routes.Router`) read and decided 200 x 10,000
ops, and asked the log of every narrowed record once per station. Here each op's light
row (no base; the fields only of an op that may set a distribution) is read once per sync
and its recipients decided once
(`pending.Reach`: the same rules as `routes.Router`); a station's bundle then reads in
full only the ops it gets, in log order, with those that tell it to withdraw a record.

What is decided is kept for the next bundle only while what is kept stays within a day's
worth of ops (`_SHARED`). A station's first bundle covers the whole history (a million ops
at a large HQ) and goes to that station alone: it is routed a window of the log at a time
and nothing is kept, so memory stays bounded. So is a bundle whose span, joined to what
is kept, would pass that bound (a station's bundle cut short by its attachments, while
another's runs to the top).

Shared by the bundles of one sync, as `routes.RecordFacts` (which it holds) is: the holder
writes no record between two bundles, and a commit by another connection
(`PRAGMA data_version`) empties it. Ops logged between two bundles (HQ's snapshots for a
station that joined a group) lie past the span read: a coverage reaching past it reads
the origin again.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync import pending, routes, temp_rows
from liaison_desk.sync.ops import OPLOG_COLUMNS
from liaison_desk.sync.vectors import Vector, acks

Coverage = dict[str, tuple[int, int]]  # origin -> (after, up to), as `exchange` plans it
Progress = Callable[[int, int], None]
Row = tuple[Any, ...]

_SHARED = 100_000  # covered ops of one bundle routed and kept for the next; past it, streamed
_WINDOW = 20_000  # oplog rows routed at a time when streamed
_CHUNK = 500  # op numbers per query when a bundle's ops are read in full
# An op's light row: the fields only of an op that may set a distribution, the base not at all.
_LIGHT = (
    "o.origin, o.seq, o.n, o.entity, o.record_id, "
    "CASE WHEN instr(o.fields, '\"distribution\"') > 0 THEN o.fields END"
)


def _withdrawal(peer: str, whom: pending.Recipients, ever: pending.Recipients) -> bool | None:
    """Whether `peer`'s bundle carries the op as a withdrawal (True) or as itself (False);
    None if it does not carry it."""
    if whom is None or peer in whom:
        return False
    if ever is None or peer in ever:
        return True
    return None


@dataclass
class _Origin:
    """One origin's ops inside (after, upto], routed: by seq, each list sorted."""

    after: int
    upto: int
    to_all: list[tuple[int, int]] = field(default_factory=list)  # (seq, n)
    named: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # peer -> (seq, n)
    # (seq, n, whom, ever) of ops setting the distribution of a record that some station
    # it reached once no longer gets (see `pending.Reach.routed`)
    narrowing: list[tuple[int, int, frozenset[str], pending.Recipients]] = field(
        default_factory=list
    )

    def holds(self, after: int, upto: int) -> bool:
        return self.after <= after and upto <= self.upto


class Fanout:
    """The routing of one sync's covered ops, decided once for every station."""

    def __init__(self) -> None:
        self.facts = routes.RecordFacts()
        self._version: int | None = None
        self._origins: dict[str, _Origin] = {}
        self._reach: pending.Reach | None = None
        self._acks: dict[str, Vector] = {}

    def check(self, conn: Connection) -> None:
        """Forget what was read if another connection has written the vault since: each
        bundle asks first, inside the transaction it is written in."""
        self._current(conn)

    def _current(self, conn: Connection) -> pending.Reach:
        (version,) = conn.execute("PRAGMA data_version").fetchone()
        if version != self._version or self._reach is None:
            self._version = int(version)
            self._origins.clear()
            self._acks.clear()
            self._reach = pending.Reach(conn, self.facts)
        return self._reach

    def acks_of(self, conn: Connection, fingerprint: str) -> Vector:
        """What a station last said it held (`routes.authors_held` asks it for every
        origin of every bundle): read once per sync."""
        if fingerprint not in self._acks:
            self._acks[fingerprint] = acks(conn, fingerprint)
        return self._acks[fingerprint]

    def ops_for(
        self, conn: Connection, peer: str, coverage: Coverage, progress: Progress | None = None
    ) -> Iterator[tuple[Row, bool]]:
        """`exchange._for_peer` at HQ: the covered ops `peer` gets, in log order, each with
        False; with True, an op that narrows away a record the peer held."""
        if not self._load(conn, coverage):
            yield from _streamed(conn, peer, coverage, progress)
            return
        chosen: list[tuple[int, bool]] = []
        for origin, (after, upto) in coverage.items():
            routed = self._origins[origin]
            low, high = (after, 1 << 62), (upto, 1 << 62)
            for ops in (routed.to_all, routed.named.get(peer, ())):
                start, end = bisect.bisect_right(ops, low), bisect.bisect_right(ops, high)
                chosen.extend((n, False) for _, n in ops[start:end])
            chosen.extend(
                (n, True)
                for seq, n, whom, ever in routed.narrowing
                if after < seq <= upto and _withdrawal(peer, whom, ever)
            )
        chosen.sort()
        yield from _in_full(conn, chosen, progress)

    def _load(self, conn: Connection, coverage: Coverage) -> bool:
        """Read and route the ops of each origin whose span is not read yet; False, reading
        nothing, if what would be kept then passes `_SHARED`."""
        reach = self._current(conn)
        spans = {}
        for origin, (after, upto) in coverage.items():
            known = self._origins.get(origin)
            if known is None:
                spans[origin] = (after, upto)
            elif not known.holds(after, upto):
                spans[origin] = (min(after, known.after), max(upto, known.upto))
        kept = {o: (r.after, r.upto) for o, r in self._origins.items()} | spans
        if sum(upto - after for after, upto in kept.values()) > _SHARED:
            return False
        if not spans:
            return True
        temp_rows.fill_spans(conn, "fanout_range", spans)
        rows = conn.execute(
            f"SELECT {_LIGHT} FROM oplog o JOIN fanout_range r "
            "ON o.origin = r.origin AND o.seq > r.after AND o.seq <= r.upto"
        ).fetchall()
        for origin, (after, upto) in spans.items():
            self._origins[origin] = _Origin(after, upto)
        named: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        for (origin, seq, n, *_), whom, ever in reach.routed(rows):
            routed = self._origins[origin]
            if whom is None:
                routed.to_all.append((seq, n))
                continue
            for peer in whom:
                named[origin][peer].append((seq, n))
            if ever is None or ever - whom:
                routed.narrowing.append((seq, n, whom, ever))
        for origin in spans:
            routed = self._origins[origin]
            routed.to_all.sort()
            routed.narrowing.sort()
            routed.named = {peer: sorted(ops) for peer, ops in named[origin].items()}
        return True


def _streamed(
    conn: Connection, peer: str, coverage: Coverage, progress: Progress | None
) -> Iterator[tuple[Row, bool]]:
    """`Fanout.ops_for` for a bundle covering much of the log: the log from the first
    covered op on, a window at a time, each routed with what it alone reads."""
    first = last = None
    for origin, (after, upto) in coverage.items():
        low, high = conn.execute(
            "SELECT min(n), max(n) FROM oplog WHERE origin = ? AND seq > ? AND seq <= ?",
            (origin, after, upto),
        ).fetchone()
        if low is not None:
            first = low if first is None else min(first, low)
            last = high if last is None else max(last, high)
    if first is None or last is None:
        return
    total = sum(upto - after for after, upto in coverage.values())
    seen, before = 0, first - 1
    while before < last and (
        rows := conn.execute(
            f"SELECT {_LIGHT} FROM oplog o WHERE o.n > ? AND o.n <= ? ORDER BY o.n LIMIT {_WINDOW}",
            (before, last),
        ).fetchall()
    ):
        before = rows[-1][2]
        covered = [
            row
            for row in rows
            if row[0] in coverage and coverage[row[0]][0] < row[1] <= coverage[row[0]][1]
        ]
        seen += len(covered)
        if progress:
            progress(min(seen, total), total)
        reach = pending.Reach(conn, routes.RecordFacts())  # kept for this window only
        chosen = [
            (n, gets)
            for (_, _, n, *_), whom, ever in reach.routed(covered)
            if (gets := _withdrawal(peer, whom, ever)) is not None
        ]
        yield from _in_full(conn, chosen, None)


def _in_full(
    conn: Connection, chosen: Iterable[tuple[int, bool]], progress: Progress | None
) -> Iterator[tuple[Row, bool]]:
    """The oplog rows of `chosen` (op number, withdrawn), sorted by number, read in full."""
    chosen = list(chosen)
    for start in range(0, len(chosen), _CHUNK):
        if progress:
            progress(start, len(chosen))
        chunk = dict(chosen[start : start + _CHUNK])
        marks = ", ".join("?" * len(chunk))
        for n, *row in conn.execute(
            f"SELECT o.n, {OPLOG_COLUMNS} FROM oplog o WHERE o.n IN ({marks}) ORDER BY o.n",
            list(chunk),
        ):
            yield tuple(row), chunk[n]
