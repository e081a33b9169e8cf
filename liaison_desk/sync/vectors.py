"""What each vault holds and what each peer has acknowledged, as version vectors.

A vector maps an origin to the highest sequence number held *contiguously*
(for a station, contiguously among the ops routed to it). Our own origins are
counted from the oplog, which is dense for them; everyone else's from
`holdings`, which only grows when a bundle's declared coverage starts at or
below what we hold, so a lost bundle leaves a gap that the next one refills.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from liaison_desk.core.hlc import latest_at
from liaison_desk.core.sqlite_types import Connection

Vector = dict[str, int]


def own_origins(conn: Connection) -> list[str]:
    """This vault's incarnations, oldest first; the last is the one it writes under now.

    One learnt from a peer (`adopt_origins`) is listed after it was learnt but
    before the current one.
    """
    rows = conn.execute(
        "SELECT origin FROM incarnations "
        "ORDER BY origin = (SELECT value FROM meta WHERE key = 'origin'), rowid"
    )
    return [o for (o,) in rows]


def peer_origins(conn: Connection, peer: str) -> list[str]:
    """The origins `peer` has written under, as far as this vault knows, in the order learnt."""
    rows = conn.execute(
        "SELECT origin FROM peer_origins WHERE fingerprint = ? ORDER BY rowid", (peer,)
    )
    return [o for (o,) in rows]


def adopt_origins(conn: Connection, me: str, told: list[str], now: str) -> list[str]:
    """Take as our own the incarnations a peer knows us by and we do not (returns them).

    A vault restored twice from one backup does not know the incarnation the
    first copy wrote under; its peer does, and acknowledgements are judged by
    the incarnations a bundle lists (`record_acks`). An origin another peer
    writes under is never taken.
    """
    mine = set(own_origins(conn))
    taken = []
    for origin in told:
        if origin in mine:
            continue
        owner = conn.execute(
            "SELECT fingerprint FROM peer_origins WHERE origin = ?", (origin,)
        ).fetchone()
        if owner is not None and owner[0] != me:
            continue
        conn.execute("INSERT INTO incarnations (origin, started_at) VALUES (?, ?)", (origin, now))
        taken.append(origin)
    return taken


def max_seq(conn: Connection, origin: str) -> int:
    row = conn.execute("SELECT max(seq) FROM oplog WHERE origin = ?", (origin,)).fetchone()
    return int(row[0] or 0)


def vector(conn: Connection) -> Vector:
    held: Vector = dict(conn.execute("SELECT origin, seq FROM holdings").fetchall())
    for origin in own_origins(conn):
        held[origin] = max(held.get(origin, 0), max_seq(conn, origin))
    return {o: s for o, s in held.items() if s > 0}


def extend_holdings(conn: Connection, origin: str, start: int, end: int, current: int) -> bool:
    """Record that we now hold `origin` up to `end`, if the covered range joins what we hold."""
    if start > current or end <= current:
        return False
    conn.execute(
        "INSERT INTO holdings (origin, seq) VALUES (?, ?) "
        "ON CONFLICT (origin) DO UPDATE SET seq = excluded.seq",
        (origin, end),
    )
    return True


def tips(conn: Connection, peer: str) -> dict[str, tuple[int, str]]:
    """The newest op we hold of each of `peer`'s origins: sequence number and clock stamp.

    Counts alone cannot show that a peer's vault went back to an old copy and then
    wrote as many ops as the copy lost; the stamp at a number it reused can.
    """
    out: dict[str, tuple[int, str]] = {}
    rows = conn.execute("SELECT origin FROM peer_origins WHERE fingerprint = ?", (peer,))
    for (origin,) in rows.fetchall():
        row = conn.execute(
            "SELECT seq, hlc FROM oplog WHERE origin = ? ORDER BY seq DESC LIMIT 1", (origin,)
        ).fetchone()
        if row is not None:
            out[origin] = (int(row[0]), str(row[1]))
    return out


def dense(conn: Connection, origin: str) -> int:
    """How many of `origin`'s ops we hold without a gap, from number 1.

    Called for our own past incarnations, whose ops we wrote without a gap: one
    can only have gaps if peers sent some back (`record_returns` notes it), so the
    count is only made for those.
    """
    top = max_seq(conn, origin)
    if not top or origin not in _json_meta(conn, _SENT_BACK_KEY, []):
        return top
    (count,) = conn.execute("SELECT count(*) FROM oplog WHERE origin = ?", (origin,)).fetchone()
    if count == top:
        return top
    first = conn.execute("SELECT 1 FROM oplog WHERE origin = ? AND seq = 1", (origin,)).fetchone()
    if first is None:
        return 0
    (end,) = conn.execute(
        "SELECT min(seq) FROM oplog o WHERE origin = ? AND NOT EXISTS "
        "(SELECT 1 FROM oplog p WHERE p.origin = o.origin AND p.seq = o.seq + 1)",
        (origin,),
    ).fetchone()
    return int(end)


_SENT_BACK_KEY = "returned-origins"  # meta: our past incarnations of which peers sent ops back


def _returned_key(peer: str) -> str:
    return f"returned:{peer}"


def _json_meta(conn: Connection, key: str, default: Any) -> Any:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def _set_json_meta(conn: Connection, key: str, value: Any) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, json.dumps(value, sort_keys=True)),
    )


def returned(conn: Connection, peer: str) -> Vector:
    """Of our past incarnations, how far `peer` has sent us back what it holds of each."""
    return dict(_json_meta(conn, _returned_key(peer), {}))


def claims_for(conn: Connection, peer: str) -> Vector:
    """What our vector tells `peer` of our past incarnations (the current one is counted whole).

    A vault restored from a backup, or found to be an old copy, lacks ops of a
    past incarnation that its peers hold; each peer holds only the ops routed
    to it, so one's return says nothing of another's. We claim what we hold
    without a gap, or, from a peer that has sent its ops back, all it sent: it
    then stops, and the others still send theirs.
    """
    back = returned(conn, peer)
    return {o: max(dense(conn, o), back.get(o, 0)) for o in own_origins(conn)[:-1]}


def record_returns(conn: Connection, peer: str, coverage: dict[str, tuple[int, int]]) -> None:
    """Note which ops of our past incarnations `peer` has now sent back (see `claims_for`)."""
    past = set(own_origins(conn)[:-1]) & set(coverage)
    if not past:
        return
    sent_back = set(_json_meta(conn, _SENT_BACK_KEY, []))
    if not past <= sent_back:
        _set_json_meta(conn, _SENT_BACK_KEY, sorted(sent_back | past))
    claims = claims_for(conn, peer)
    back = returned(conn, peer)
    for origin in past:
        low, high = coverage[origin]
        if low <= claims[origin] and high > back.get(origin, 0):
            back[origin] = high
    _set_json_meta(conn, _returned_key(peer), back)


def return_bounds(conn: Connection, peer: str) -> dict[str, tuple[int, str]]:
    """Which ops of our past incarnations we take back from `peer`: numbered above what we
    claim of each (`claims_for`), stamped before our current incarnation began.

    An op carries no signature of its author: we cannot tell our own lost op
    from one a station makes up under our origin. These bounds keep such an op
    from being new work: stamped at the latest when the restore began, it loses
    to every change made since. What else it may do is judged by
    `Authority.may_return`.
    """
    row = conn.execute(
        "SELECT started_at FROM incarnations WHERE origin = "
        "(SELECT value FROM meta WHERE key = 'origin')"
    ).fetchone()
    began = datetime.fromisoformat(str(row[0]).replace("Z", "+00:00"))
    limit = latest_at(int(began.timestamp() * 1000))
    return {o: (claim, limit) for o, claim in claims_for(conn, peer).items()}


def returnable(conn: Connection, peer: str) -> list[str]:
    """The origins of `peer`'s we send back to it: every one but the one it writes under now.

    A peer restored from a backup, or found to be an old copy, asks for them by
    acknowledging less of them than we hold (`claims_for`).
    """
    row = conn.execute("SELECT ack_origin FROM peers WHERE fingerprint = ?", (peer,)).fetchone()
    current = row[0] if row else None
    if current is None:
        return []
    return [o for o in peer_origins(conn, peer) if o != current]


def acks(conn: Connection, peer: str) -> Vector:
    return dict(conn.execute("SELECT origin, seq FROM acks WHERE peer = ?", (peer,)).fetchall())


def record_acks(
    conn: Connection,
    peer: str,
    incarnations: list[str],
    bundle_seq: int,
    received: Vector,
) -> bool:
    """Take the vector of the peer's newest bundle as what it holds of ours.

    `incarnations` are the peer's origins, oldest first, as its bundle declares;
    the last is the one the bundle was written under. An older bundle delivered
    late, or one from an incarnation the peer has moved past, does not lower what
    we believe it holds; a new incarnation (a restored peer) replaces it, so what
    the restore lost is sent again.
    """
    bundle_origin = incarnations[-1]
    row = conn.execute(
        "SELECT ack_origin, ack_bundle FROM peers WHERE fingerprint = ?", (peer,)
    ).fetchone()
    known_origin, known_seq = row if row else (None, None)
    if known_origin == bundle_origin and known_seq is not None and bundle_seq <= known_seq:
        return False
    if known_origin not in (None, bundle_origin) and known_origin not in incarnations:
        return False  # the bundle predates the incarnation we last heard from
    conn.execute("DELETE FROM acks WHERE peer = ?", (peer,))
    conn.executemany(
        "INSERT INTO acks (peer, origin, seq) VALUES (?, ?, ?)",
        [(peer, o, s) for o, s in received.items()],
    )
    conn.execute(
        "UPDATE peers SET ack_origin = ?, ack_bundle = ? WHERE fingerprint = ?",
        (bundle_origin, bundle_seq, peer),
    )
    return True
