"""Where each peer stands: what we hold of theirs, what they acknowledged of ours, what waits.

`sync_overview` adds who this vault is and its relay: what the GUI's Sync section shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison_desk.core.vault import Vault
from liaison_desk.sync.clocks import own_clock_ahead
from liaison_desk.sync.exchange import owed_reader
from liaison_desk.sync.identity import PeerIdentity
from liaison_desk.sync.online import relay_url
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import Peer, hq_peer, list_peers
from liaison_desk.sync.refusals import RefusedBundle, refused_by_peers
from liaison_desk.sync.vectors import acks, own_origins, vector


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


def peer_status(vault: Vault) -> list[PeerStatus]:
    conn = vault.conn
    held = vector(conn)
    mine = own_origins(conn)
    now_ms = vault.clock.now_ms()
    out = []
    with owed_reader(vault) as owed:
        pending = owed.pending([p for p in list_peers(conn) if p.active])
    for peer in list_peers(conn):
        theirs = [
            o
            for (o,) in conn.execute(
                "SELECT origin FROM peer_origins WHERE fingerprint = ?", (peer.fingerprint,)
            )
        ]
        acked = acks(conn, peer.fingerprint)
        (bundles_in,) = conn.execute(
            "SELECT count(*) FROM bundles_in WHERE sender = ?", (peer.fingerprint,)
        ).fetchone()
        (bundles_out,) = conn.execute(
            "SELECT count(*) FROM bundles_out WHERE peer = ? AND bytes > 0", (peer.fingerprint,)
        ).fetchone()
        lag = None
        if peer.last_in_at:
            seen = datetime.fromisoformat(peer.last_in_at.replace("Z", "+00:00"))
            lag = max(0, (now_ms - int(seen.timestamp() * 1000)) // 1000)
        out.append(
            PeerStatus(
                peer,
                sum(held.get(o, 0) for o in theirs),
                sum(acked.get(o, 0) for o in mine),
                sum(held.get(o, 0) for o in mine),
                pending.get(peer.fingerprint, 0),
                int(bundles_in),
                int(bundles_out),
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
