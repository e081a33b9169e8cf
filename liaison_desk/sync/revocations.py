"""Revocations a restore cannot undo: HQ's signed notice of the stations it has revoked.

A revocation is kept in HQ's vault alone; HQ restored from a backup made
before it would hold the station as enrolled and accept its bundles again. So
every bundle HQ sends carries a notice, signed by HQ, of the stations it has
revoked; each station keeps the newest notice it received and sends it back in
every bundle; and HQ, reading a notice it signed that names a station it holds
as enrolled since before the notice, revokes that station again
(`peers.revoke_again`). The relay's roster, also signed by HQ, serves the same
way when HQ syncs online (`sync.online`).

A station cannot forge or alter a notice (HQ checks its own signatures), nor
hide one: every other station that synced since the revocation carries it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import PeerIdentity, Signatures, canonical
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.peers import list_peers, revoke_again

CONTEXT = b"liaison-desk/revocations/v1"
FIELD = "revocations"  # the start item's field
_SIGNED_KEY = "revocation_notice"  # at HQ: the notice it last signed
_KEPT_KEY = "hq_revocation_notice"  # at a station: the newest notice HQ sent
_MAX_STATIONS = 100_000


@dataclass(frozen=True)
class Notice:
    hq: str
    issued_ms: int
    revoked: tuple[str, ...]


def for_start(vault: Vault) -> dict[str, Any]:
    """The notice a bundle carries: HQ's own (signed anew when its revocations change, so a
    station enrolled again is dropped from it), or, at a station, the newest HQ sent.
    Empty while no station has ever been revoked."""
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        kept = _meta(vault, _KEPT_KEY)
        return {FIELD: json.loads(kept)} if kept else {}
    revoked = sorted(
        p.fingerprint for p in list_peers(vault.conn) if p.role == "station" and not p.active
    )
    signed = _meta(vault, _SIGNED_KEY)
    if signed and json.loads(signed)["notice"]["revoked"] == revoked:
        return {FIELD: json.loads(signed)}
    if not revoked and signed is None:
        return {}
    body = {"hq": me.fingerprint, "issued_ms": vault.clock.now_ms(), "revoked": revoked}
    signatures = me.sign(canonical(body), CONTEXT)
    document = {
        "notice": body,
        "signatures": {
            "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
            "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
        },
    }
    with vault.store.transaction():
        vault.set_meta(_SIGNED_KEY, json.dumps(document))
    return {FIELD: document}


def read_notice(document: Any, hq: PeerIdentity) -> Notice:
    """Check HQ signed the notice; a bundle carrying one it did not sign is malformed."""
    try:
        body = document["notice"]
        signatures = Signatures(
            base64.b64decode(document["signatures"]["ml-dsa-87"], validate=True),
            base64.b64decode(document["signatures"]["ecdsa-p384"], validate=True),
        )
        signed = hq.verify(canonical(body), signatures, CONTEXT)
        notice = Notice(str(body["hq"]), body["issued_ms"], tuple(body["revoked"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise malformed("its revocation notice is damaged") from None
    if not signed or notice.hq != hq.fingerprint:
        raise malformed("its revocation notice is not signed by HQ")
    if (
        type(notice.issued_ms) is not int
        or len(notice.revoked) > _MAX_STATIONS
        or not all(isinstance(f, str) for f in notice.revoked)
    ):
        raise malformed("its revocation notice is damaged")
    return notice


def take(vault: Vault, document: Any, sender: str) -> list[str]:
    """Act on the notice a bundle carries (inside the import's transaction).

    A station keeps the newest notice from HQ, to send back. HQ revokes again
    each station its own notice names that it holds as enrolled since before the
    notice (never the sender itself: its bundle brought the notice); returns them.
    """
    if document is None:
        return []
    me = load_identity(vault.conn)
    if me.public.role == "hq":
        notice = read_notice(document, me.public)
        named = [f for f in notice.revoked if f != sender]
        return revoke_again(vault, named, notice.issued_ms, "revocation notice")
    hq = next((p.identity for p in list_peers(vault.conn) if p.fingerprint == sender), None)
    assert hq is not None
    notice = read_notice(document, hq)
    kept = _meta(vault, _KEPT_KEY)
    if kept is None or json.loads(kept)["notice"]["issued_ms"] < notice.issued_ms:
        vault.set_meta(_KEPT_KEY, json.dumps(document))
    return []


def _meta(vault: Vault, key: str) -> str | None:
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row and row[0] else None
