"""HQ's side of the relay's roster: built from HQ's vault and signed (see `sync.roster`)."""

from __future__ import annotations

import base64

from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import RosterError
from liaison_desk.sync.identity import canonical
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import list_peers
from liaison_desk.sync.roster import CONTEXT


def build_roster(vault: Vault) -> bytes:
    """HQ's roster of its stations, signed; what `sync online` uploads to the relay."""
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        raise RosterError("Only HQ issues the relay's roster.")
    body = {
        "hq": me.fingerprint,
        "issued_ms": vault.clock.now_ms(),
        "stations": [
            {"keys": peer.identity.to_json()["keys"], "status": peer.status}
            for peer in list_peers(vault.conn)
            if peer.role == "station"
        ],
    }
    signatures = me.sign(canonical(body), CONTEXT)
    b64 = base64.b64encode
    return canonical(
        {
            "roster": body,
            "signatures": {
                "ml-dsa-87": b64(signatures.mldsa87).decode(),
                "ecdsa-p384": b64(signatures.ecdsa_p384).decode(),
            },
        }
    )
