"""The peers a vault exchanges with (HQ for a station; the stations for HQ) and HQ's groups.

Only enrolled, unrevoked peers are accepted. Peer ids are fingerprints; people
type a unique prefix of at least eight characters.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from liaison_desk.core import audit
from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.identity_keys import PublicKeys
from liaison_desk.core.routing import GROUP_NAME
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync.errors import PeerError
from liaison_desk.sync.identity import PeerIdentity, short

if TYPE_CHECKING:  # the wire format imports this module; it must not load the vault
    from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.sync")

MIN_PREFIX = 8


@dataclass(frozen=True)
class Peer:
    identity: PeerIdentity
    status: str  # enrolled | revoked
    enrolled_at: str
    revoked_at: str | None
    last_in_at: str | None
    last_out_at: str | None

    @property
    def fingerprint(self) -> str:
        return self.identity.fingerprint

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def role(self) -> str:
        return self.identity.role

    @property
    def active(self) -> bool:
        return self.status == "enrolled"


_COLUMNS = "fingerprint, name, role, post, status, enrolled_at, revoked_at, last_in_at, last_out_at"

# Peers' identities as stored, by (fingerprint, name, role, post): public keys only.
_IDENTITIES: dict[tuple[str, str, str, str], PeerIdentity] = {}


def _identity(conn: Connection, fingerprint: str, name: str, role: str, post: str) -> PeerIdentity:
    """A peer's identity. Its keys were checked when it was enrolled (`PeerIdentity.from_json`)
    and its fingerprint is their digest, so they never change under it: they are read and
    decoded once per process, not at every listing (HQ lists two hundred at every status
    read, every "anything owed?" check and every bundle it writes, and each peer's keys
    fill several pages of the vault)."""
    key = (fingerprint, name, role, post)
    if key not in _IDENTITIES:
        (stored,) = conn.execute(
            "SELECT keys FROM peers WHERE fingerprint = ?", (fingerprint,)
        ).fetchone()
        keys = json.loads(str(stored))["keys"]
        public = PublicKeys(
            mldsa87=base64.b64decode(keys["ml-dsa-87"]),
            ecdsa_p384=base64.b64decode(keys["ecdsa-p384"]),
            mlkem1024=base64.b64decode(keys["ml-kem-1024"]),
            kem_p384=base64.b64decode(keys["kem-p384"]),
        )
        _IDENTITIES[key] = PeerIdentity(name, role, post, public)
    return _IDENTITIES[key]


def _peer(conn: Connection, row: tuple[object, ...]) -> Peer:
    return Peer(
        _identity(conn, str(row[0]), str(row[1]), str(row[2]), str(row[3])),
        str(row[4]),
        str(row[5]),
        *(None if v is None else str(v) for v in row[6:9]),
    )


def add_peer(conn: Connection, clock: Clock, identity: PeerIdentity) -> Peer:
    """Enrol (or re-enrol) a peer. Joins the caller's transaction."""
    conn.execute(
        "INSERT INTO peers (fingerprint, name, post, role, keys, status, enrolled_at) "
        "VALUES (?, ?, ?, ?, ?, 'enrolled', ?) ON CONFLICT (fingerprint) DO UPDATE SET "
        "name = excluded.name, post = excluded.post, status = 'enrolled', revoked_at = NULL, "
        "enrolled_at = CASE WHEN peers.status = 'enrolled' THEN peers.enrolled_at "
        "ELSE excluded.enrolled_at END",
        (
            identity.fingerprint,
            identity.name,
            identity.post,
            identity.role,
            json.dumps(identity.to_json()),
            iso_from_ms(clock.now_ms()),
        ),
    )
    peer = get_peer(conn, identity.fingerprint)
    assert peer is not None
    return peer


def get_peer(conn: Connection, fingerprint: str) -> Peer | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM peers WHERE fingerprint = ?", (fingerprint,)
    ).fetchone()
    return _peer(conn, row) if row else None


def list_peers(conn: Connection) -> list[Peer]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM peers ORDER BY role, name, fingerprint")
    return [_peer(conn, row) for row in rows.fetchall()]


def exchange_peers(conn: Connection) -> list[Peer]:
    """Whom this vault exchanges bundles with: a station its HQ, HQ its active stations."""
    return [p for p in list_peers(conn) if p.active]


def find_peer(conn: Connection, prefix: str) -> Peer:
    """The peer whose id starts with `prefix` (spaces ignored, so a read-out id works)."""
    wanted = "".join(prefix.split()).lower()
    if len(wanted) < MIN_PREFIX:
        raise PeerError(f"Give at least {MIN_PREFIX} characters of the peer id.")
    matches = [p for p in list_peers(conn) if p.fingerprint.startswith(wanted)]
    if not matches:
        raise PeerError(f"No enrolled peer has an id starting with {wanted}.")
    if len(matches) > 1:
        raise PeerError(f"Several peers have ids starting with {wanted}; give more characters.")
    return matches[0]


def revoke(vault: Vault, fingerprint: str) -> None:
    """Refuse the peer's bundles from now on, with its entry in the audit log: one transaction.

    The GUI's Sync section and `liaison-desk peers revoke` both call this.
    """
    with vault.store.transaction():
        vault.conn.execute(
            "UPDATE peers SET status = 'revoked', revoked_at = ? WHERE fingerprint = ?",
            (iso_from_ms(vault.clock.now_ms()), fingerprint),
        )
        audit.record(vault.conn, vault.clock, "peer-revoked", peer=short(fingerprint))


def revoke_again(vault: Vault, stations: Iterable[str], revoked_ms: int, source: str) -> list[str]:
    """Revoke once more the stations HQ's own signature says it revoked at `revoked_ms`.

    A vault restored from a backup made before a revocation holds the station
    as enrolled; a roster or revocation notice HQ signed since says otherwise
    (`source` names which). A station enrolled here after that moment (enrolled
    again after its revocation) stays enrolled. Joins the caller's transaction;
    returns the stations revoked.
    """
    when = iso_from_ms(revoked_ms)
    again = []
    with vault.store.transaction():
        for fingerprint in sorted(set(stations)):
            peer = get_peer(vault.conn, fingerprint)
            if peer is None or not peer.active or peer.role != "station":
                continue
            if peer.enrolled_at >= when:
                continue
            vault.conn.execute(
                "UPDATE peers SET status = 'revoked', revoked_at = ? WHERE fingerprint = ?",
                (when, fingerprint),
            )
            audit.record(
                vault.conn, vault.clock, "peer-revoked", peer=short(fingerprint), source=source
            )
            again.append(fingerprint)
    if again:
        log.warning("%d station(s) revoked again from HQ's %s", len(again), source)
    return again


def hq_peer(conn: Connection) -> Peer | None:
    """The HQ a station has pinned, if it has enrolled."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM peers WHERE role = 'hq'").fetchone()
    return _peer(conn, row) if row else None


def set_group(conn: Connection, name: str, members: list[str]) -> None:
    """Define (or redefine) a group of stations by their full ids; an empty list removes it."""
    if not GROUP_NAME.match(name):
        raise PeerError(f"{name!r} is not a group name (lower-case letters, digits and dashes).")
    if members:
        conn.execute(
            "INSERT INTO station_groups (name, members) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET members = excluded.members",
            (name, json.dumps(sorted(set(members)))),
        )
    else:
        conn.execute("DELETE FROM station_groups WHERE name = ?", (name,))


def groups(conn: Connection) -> dict[str, tuple[str, ...]]:
    rows = conn.execute("SELECT name, members FROM station_groups ORDER BY name")
    return {name: tuple(json.loads(members)) for name, members in rows}
