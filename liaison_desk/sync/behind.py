"""Which stations have yet to acknowledge something HQ holds, decided in SQL.

HQ asks "is anything owed?" at every auto-sync check. Reading every station's
acknowledgements to answer it costs 200 stations x 200 origins rows, most of them
equal to what HQ holds. Here the index of acknowledgements by origin (migration 12)
is read only where a station falls short: per origin, the rows below what HQ holds,
and the stations with no row at all, looked for only when an origin has fewer rows
than there are active stations. A station not found here is owed no op.
"""

from __future__ import annotations

from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync import temp_rows
from liaison_desk.sync.vectors import Vector


def behind(conn: Connection, top: Vector, active: set[str], others: set[str]) -> set[str]:
    """Of the `active` peers, those that acknowledged less of some origin than `top` holds.

    `others` are the peers not active (revoked): their rows are left out of the count.
    """
    wanted: list[tuple[object, ...]] = [(o, s) for o, s in top.items() if s > 0]
    if not wanted or not active:
        return set()
    temp_rows.fill(conn, "owed_top", "origin TEXT PRIMARY KEY, seq INT", wanted)
    temp_rows.fill(conn, "owed_others", "peer TEXT PRIMARY KEY", [(p,) for p in others])
    # Read origin by origin, and no further once every active peer is found short: right
    # after HQ sent, its own origin's 200 rows answer, not the 40,000 of every origin.
    short: set[str] = set()
    for (peer,) in conn.execute(
        "SELECT a.peer FROM owed_top t CROSS JOIN acks a INDEXED BY acks_by_origin "
        "ON a.origin = t.origin AND a.seq < t.seq"
    ):
        if peer in active:
            short.add(peer)
            if len(short) == len(active):
                return short
    # An origin some active peer has no row for: fewer rows, less the others', than peers.
    unlisted = conn.execute(
        "SELECT t.origin FROM owed_top t WHERE (SELECT count(*) FROM acks a "
        "WHERE a.origin = t.origin) - (SELECT count(*) FROM owed_others p "
        "CROSS JOIN acks a ON a.peer = p.peer AND a.origin = t.origin) < ?",
        (len(active),),
    ).fetchall()
    for (origin,) in unlisted:
        listed = {p for (p,) in conn.execute("SELECT peer FROM acks WHERE origin = ?", (origin,))}
        short |= active - listed
    return short
