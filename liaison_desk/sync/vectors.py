"""What each vault holds and what each peer has acknowledged, as version vectors.

A vector maps an origin to the highest sequence number held *contiguously*
(for a station, contiguously among the ops routed to it). Our own origins are
counted from the oplog, which is dense for them; everyone else's from
`holdings`, which only grows when a bundle's declared coverage starts at or
below what we hold, so a lost bundle leaves a gap that the next one refills.
"""

from __future__ import annotations

from liaison_desk.core.sqlite_types import Connection

Vector = dict[str, int]


def own_origins(conn: Connection) -> list[str]:
    """This vault's incarnations, oldest first; the last is the one it writes under now."""
    return [o for (o,) in conn.execute("SELECT origin FROM incarnations ORDER BY rowid")]


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
