"""Revocations a restore cannot undo: HQ's signed, numbered notices of the stations it revoked.

A revocation is kept in HQ's vault alone; HQ restored from a backup made
before one would hold the station as enrolled and accept its bundles again. So
HQ signs a notice listing the stations it holds as revoked, numbered and
marked with the incarnation that signed it, anew whenever that list changes,
and every bundle it sends carries its latest. Each station keeps, for each of
HQ's incarnations, the highest-numbered notice it received, and sends them
back in every bundle. HQ reads each with its own signatures: a notice it has
not seen (numbered above what it knows of that incarnation, or a different
notice under a number it issued itself: a copy that diverged) names
revocations it lost, and it revokes those stations again (`peers.revoke_again`).
The relay's roster, also signed by HQ, serves the same way when HQ syncs online
(`sync.online`).

A station cannot forge or alter a notice, nor hide one: every other station
that synced since the revocation carries it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.hlc import is_origin
from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import reasons as compromise_reasons
from liaison_desk.sync.identity import Identity, PeerIdentity, Signatures, canonical
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.payload import malformed
from liaison_desk.sync.peers import get_peer, revoke_again

CONTEXT = b"liaison-desk/revocations/v1"
FIELD = "revocations"  # the start item's field: a list of signed notices
SIGNED_KEY = "revocation_notice"  # at HQ: the notice it last signed
_KNOWN_KEY = "revocation_notices_known"  # at HQ: the highest number known per incarnation
KEPT_KEY = "hq_revocation_notices"  # at a station: HQ's newest notice per incarnation
_MAX_NOTICES = 64
_MAX_STATIONS = 100_000


@dataclass(frozen=True)
class Notice:
    origin: str
    seq: int
    issued_ms: int
    revoked: tuple[str, ...]
    body: dict[str, Any]


def for_start(vault: Vault, me: Identity) -> dict[str, Any]:
    """The notices a bundle carries: HQ's latest (signed anew when its revocations change),
    or, at a station, the newest of each HQ incarnation. None while no station was ever revoked.
    """
    if me.public.role != "hq":
        kept = _json_meta(vault, KEPT_KEY)
        return {FIELD: [kept[o] for o in sorted(kept)]} if kept else {}
    rows = vault.conn.execute(
        "SELECT fingerprint FROM peers WHERE role = 'station' AND status != 'enrolled'"
    )
    revoked = sorted(fingerprint for (fingerprint,) in rows)
    why = {f: r for f, r in compromise_reasons(vault.conn).items() if f in revoked}
    signed = _json_meta(vault, SIGNED_KEY)
    if (
        signed
        and signed["notice"]["revoked"] == revoked
        and signed["notice"].get("reasons", {}) == why
    ):
        return {FIELD: [signed]}
    if not revoked and not signed:
        return {}
    known = _json_meta(vault, _KNOWN_KEY)
    origin, seq = vault.info.origin, max(known.values(), default=0) + 1
    body = {
        "hq": me.fingerprint,
        "origin": origin,
        "seq": seq,
        "issued_ms": vault.clock.now_ms(),
        "revoked": revoked,
    }
    if why:
        body["reasons"] = why
    signatures = me.sign(canonical(body), CONTEXT)
    document = {
        "notice": body,
        "signatures": {
            "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
            "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
        },
    }
    known[origin] = seq
    with vault.store.transaction():
        _set_json_meta(vault, SIGNED_KEY, document)
        _set_json_meta(vault, _KNOWN_KEY, known)
    return {FIELD: [document]}


def read_notice(document: Any, hq: PeerIdentity) -> Notice:
    """Check HQ signed the notice; a bundle carrying one it did not sign is malformed."""
    try:
        body = document["notice"]
        signatures = Signatures(
            base64.b64decode(document["signatures"]["ml-dsa-87"], validate=True),
            base64.b64decode(document["signatures"]["ecdsa-p384"], validate=True),
        )
        signed = hq.verify(canonical(body), signatures, CONTEXT)
        notice = Notice(
            body["origin"], body["seq"], body["issued_ms"], tuple(body["revoked"]), body
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise malformed("a revocation notice is damaged") from None
    if not signed or body.get("hq") != hq.fingerprint:
        raise malformed("a revocation notice is not signed by HQ")
    if (
        not is_origin(notice.origin)
        or not all(type(n) is int and n >= 0 for n in (notice.seq, notice.issued_ms))
        or len(notice.revoked) > _MAX_STATIONS
        or not all(isinstance(f, str) for f in notice.revoked)
    ):
        raise malformed("a revocation notice is damaged")
    return notice


def take(vault: Vault, documents: Any, sender: str) -> list[str]:
    """Act on the notices a bundle carries (inside the import's transaction).

    A station keeps HQ's newest notice of each incarnation, to send back. HQ
    revokes again each station named by a notice it had not seen (never the
    sender itself: its bundle brought the notice); returns them.
    """
    if documents is None:
        return []
    if not isinstance(documents, list) or len(documents) > _MAX_NOTICES:
        raise malformed("its revocation notices are not a short list")
    me = load_identity(vault.conn)
    if me.public.role == "hq":
        return _revoke_unseen(vault, [read_notice(d, me.public) for d in documents], sender)
    peer = get_peer(vault.conn, sender)
    assert peer is not None
    kept = _json_meta(vault, KEPT_KEY)
    for document in documents:
        notice = read_notice(document, peer.identity)
        held = kept.get(notice.origin)
        if held is None or held["notice"]["seq"] < notice.seq:
            kept[notice.origin] = document
    _set_json_meta(vault, KEPT_KEY, kept)
    return []


def _revoke_unseen(vault: Vault, notices: list[Notice], sender: str) -> list[str]:
    known = _json_meta(vault, _KNOWN_KEY)
    signed = _json_meta(vault, SIGNED_KEY)
    mine = signed["notice"] if signed else None
    again: list[str] = []
    for notice in notices:
        unseen = notice.seq > known.get(notice.origin, 0)
        diverged = (
            mine is not None
            and (mine["origin"], mine["seq"]) == (notice.origin, notice.seq)
            and mine != notice.body
        )
        if not (unseen or diverged):
            continue
        named = [f for f in notice.revoked if f != sender]
        again += revoke_again(vault, named, notice.issued_ms, "revocation notice")
        known[notice.origin] = max(known.get(notice.origin, 0), notice.seq)
        _set_json_meta(vault, _KNOWN_KEY, known)
    return again


def _json_meta(vault: Vault, key: str) -> dict[str, Any]:
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def _set_json_meta(vault: Vault, key: str, value: dict[str, Any]) -> None:
    vault.set_meta(key, json.dumps(value, sort_keys=True))
