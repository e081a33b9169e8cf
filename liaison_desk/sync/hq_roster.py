"""HQ's side of the relay's roster: built from HQ's vault, numbered and signed (`sync.roster`).

The vault remembers the last number it issued, and under which incarnation.
A vault restored from a backup writes under a new incarnation and remembers
a number the relay may have left behind; `sync online` then asks the relay
for the number it holds (`roster_number_known`) and issues above it.
"""

from __future__ import annotations

import base64

from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import RosterError
from liaison_desk.sync.identity import canonical
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import list_peers
from liaison_desk.sync.roster import CONTEXT, MAX_SEQ, UNNUMBERED
from liaison_desk.sync.wipe_order import revocation_notes

ROSTER_SEQ_KEY = "roster_seq"  # the last roster number this vault issued
ROSTER_ORIGIN_KEY = "roster_origin"  # the incarnation that issued it


def last_roster_number(vault: Vault) -> int:
    """The number of the last roster this vault issued (0 if none)."""
    value = _meta(vault, ROSTER_SEQ_KEY)
    return int(value) if value and value.isdigit() else UNNUMBERED


def roster_number_known(vault: Vault) -> bool:
    """Whether this vault's own count can be trusted to be the highest issued.

    Not for a vault that never issued a numbered roster (the relay may hold one
    from before an upgrade, or from the vault this one was restored from), nor
    for one writing under another incarnation than the one that issued its last.
    """
    return (
        last_roster_number(vault) != UNNUMBERED
        and _meta(vault, ROSTER_ORIGIN_KEY) == vault.info.origin
    )


def build_roster(vault: Vault, above: int = UNNUMBERED) -> bytes:
    """HQ's roster of its stations, signed; what `sync online` uploads to the relay.

    Its number is one more than the last this vault issued, or than `above` (the
    number the relay holds) if that is higher; the vault records it at once, so
    no two rosters it signs share a number.
    """
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        raise RosterError("Only HQ issues the relay's roster.")
    seq = max(last_roster_number(vault), above) + 1
    if seq > MAX_SEQ:
        raise RosterError("The relay's roster has run out of numbers.")
    with vault.store.transaction():
        vault.set_meta(ROSTER_SEQ_KEY, str(seq))
        vault.set_meta(ROSTER_ORIGIN_KEY, vault.info.origin)
    notes = revocation_notes(vault.conn)
    body = {
        "hq": me.fingerprint,
        "seq": seq,
        "issued_ms": vault.clock.now_ms(),
        "stations": [
            {"keys": peer.identity.to_json()["keys"], "status": peer.status}
            | notes.get(peer.fingerprint, {})
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


def _meta(vault: Vault, key: str) -> str | None:
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row and row[0] else None
