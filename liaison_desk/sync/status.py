"""Where each peer stands: what we hold of theirs, what they acknowledged of ours, what waits.

`sync_overview` adds who this vault is and its relay: what the GUI's Sync section shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.clocks import own_clock_ahead
from liaison_desk.sync.exchange import owed_reader
from liaison_desk.sync.identity import PeerIdentity
from liaison_desk.sync.online import relay_url
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import Peer, hq_peer, list_peers
from liaison_desk.sync.refusals import RefusedBundle, refused_by_peers
from liaison_desk.sync.vectors import own_origins, vector


@dataclass(frozen=True)
class PeerStatus:
    peer: Peer
    held_of_theirs: int  # their ops we hold
    acked_of_ours: int  # our ops they have acknowledged
    ours: int  # our ops in all
    pending: int  # ops the next bundle for them would carry
    bundles_in: int
    bundles_out: int
    last_in_at: str | None
    last_out_at: str | None
    lag_seconds: int | None  # since their last bundle reached us


def _counts(conn: Connection, sql: str, parameters: tuple[str, ...] = ()) -> dict[str, int]:
    return {key: int(n) for key, n in conn.execute(sql, parameters)}


def peer_status(vault: Vault) -> list[PeerStatus]:
    """Every peer's status, each figure read for all peers at once: HQ shows 200 stations
    (their acknowledgements of our own incarnations only, through the index by origin)."""
    conn = vault.conn
    held = vector(conn)
    mine = own_origins(conn)
    now_ms = vault.clock.now_ms()
    peers = list_peers(conn)
    with owed_reader(vault) as owed:
        pending = owed.pending([p for p in peers if p.active])
    theirs: dict[str, int] = {}
    for fingerprint, origin in conn.execute("SELECT fingerprint, origin FROM peer_origins"):
        theirs[fingerprint] = theirs.get(fingerprint, 0) + held.get(origin, 0)
    marks = ", ".join("?" * len(mine))
    acked = _counts(
        conn, f"SELECT peer, sum(seq) FROM acks WHERE origin IN ({marks}) GROUP BY peer", (*mine,)
    )
    bundles_in = _counts(conn, "SELECT sender, count(*) FROM bundles_in GROUP BY sender")
    bundles_out = _counts(
        conn, "SELECT peer, count(*) FROM bundles_out WHERE bytes > 0 GROUP BY peer"
    )
    ours = sum(held.get(o, 0) for o in mine)
    out = []
    for peer in peers:
        fp = peer.fingerprint
        lag = None
        if peer.last_in_at:
            seen = datetime.fromisoformat(peer.last_in_at.replace("Z", "+00:00"))
            lag = max(0, (now_ms - int(seen.timestamp() * 1000)) // 1000)
        out.append(
            PeerStatus(
                peer,
                theirs.get(fp, 0),
                acked.get(fp, 0),
                ours,
                pending.get(fp, 0),
                bundles_in.get(fp, 0),
                bundles_out.get(fp, 0),
                peer.last_in_at,
                peer.last_out_at,
                lag,
            )
        )
    return out


@dataclass(frozen=True)
class SyncOverview:
    """This vault's public identity, its pinned HQ, every peer's status, the relay's address,
    how far its last change is stamped ahead of its clock (0 unless more than a day), and
    which peers last reported refusing a bundle of ours whole."""

    me: PeerIdentity
    hq: Peer | None
    peers: list[PeerStatus]
    relay: str | None = None
    clock_ahead_ms: int = 0
    refused_by_peers: tuple[tuple[str, RefusedBundle], ...] = ()  # our bundles refused whole


def sync_overview(vault: Vault) -> SyncOverview:
    """Read in one go (public keys only: no secret leaves the vault's worker)."""
    return SyncOverview(
        load_identity(vault.conn).public,
        hq_peer(vault.conn),
        peer_status(vault),
        relay_url(vault),
        own_clock_ahead(vault),
        tuple(refused_by_peers(vault.conn)),
    )
