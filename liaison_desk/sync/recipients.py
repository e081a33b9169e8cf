"""Whom a record can be shared with from this vault: the choices a distribution offers.

The forms' distribution picker lists these by name instead of asking for
`stations:<96 hex digits>`; the text it writes is still routing's.
"""

from __future__ import annotations

from dataclasses import dataclass

from liaison_desk.core.vault import Vault
from liaison_desk.sync.peers import groups, list_peers


@dataclass(frozen=True)
class Recipients:
    """The enrolled stations (id, name) and the groups a record can be shared with."""

    stations: tuple[tuple[str, str], ...] = ()
    groups: tuple[str, ...] = ()


def known_recipients(vault: Vault) -> Recipients:
    """Active stations by name and the groups HQ defined (revoked stations receive nothing)."""
    stations = tuple(
        (p.fingerprint, p.name) for p in list_peers(vault.conn) if p.role == "station" and p.active
    )
    return Recipients(stations, tuple(groups(vault.conn)))
