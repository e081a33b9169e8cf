"""Wipe at next contact: an order HQ signs for one lost station, obeyed only by that station.

`liaison-desk peers wipe ID` at HQ revokes the station as lost and signs an
order naming HQ, the station, the incarnation HQ last heard it write under, and
when. It rides to the station at its next contact: in its mailbox on every
drive HQ syncs (`wipe-order.json`, beside where its bundles would be: HQ sends
a lost station no more bundles, so no more data), and in the relay's answer
refusing the station's requests (through HQ's signed roster). The station
obeys only an order that its pinned HQ signed, addressed to its own identity,
its current incarnation and the approval it pinned HQ from: a forged one, one
for another station, one for an incarnation it no longer writes under (a vault
restored since), one replayed to a vault enrolled anew (a new identity), or one
made before HQ approved the station again (the laptop was found) changes
nothing. HQ drops a station's order when it approves it again, and its next
drive sync takes the order and any revocation notice out of the mailbox.
Before wiping, while its keys still exist, the station leaves HQ a signed
acknowledgement naming the order it obeyed: on the drive
(`wiped-<station>.json`), or through the relay, which refuses it everything
else but takes this (`relay.wipe_acks`). HQ takes it only for the order it
stored.

A station revoked but not lost is told too, at its next contact: on a drive by
a notice HQ signs (`revoked.json`, with HQ's reason), through the relay by its
refusal, which gives the reason.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.user_files import read_bounded
from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import held_count, revoke_station
from liaison_desk.sync.enrol import issued_approvals, pinned_approval
from liaison_desk.sync.errors import PeerError, SyncError
from liaison_desk.sync.identity import Identity, PeerIdentity, Signatures, canonical, short
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import get_peer, hq_peer, list_peers
from liaison_desk.sync.vectors import peer_origins

log = logging.getLogger("liaison_desk.sync")

ORDER = "liaison-desk/wipe-order"
DONE = "liaison-desk/wipe-done"
ORDER_FILE = "wipe-order.json"
NOTICE = "liaison-desk/revoked"
NOTICE_FILE = "revoked.json"  # a revoked station's news, when it is not to be wiped
DONE_PREFIX = "wiped-"
LOST = "Lost: to be wiped at its next contact"
MAX_FILE = 64 * 1024


class WipeOrderRefused(SyncError):
    """A wipe order this vault does not obey; nothing was changed."""


class StationRevoked(SyncError):
    """HQ told this station, signed, that it is revoked; the sentence gives HQ's reason."""


def sign(identity: Identity, body: dict[str, Any]) -> dict[str, Any]:
    """The document with both signatures, in the context its `format` names."""
    signatures = identity.sign(canonical(body), str(body["format"]).encode())
    return body | {
        "signatures": {
            "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
            "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
        }
    }


def order_digest(body: dict[str, Any]) -> str:
    """What names one order (its signed body): an acknowledgement carries it."""
    return hashlib.sha256(canonical(body)).hexdigest()


def _verified(document: Any, kind: str, signer: PeerIdentity) -> dict[str, Any]:
    try:
        body = {k: v for k, v in document.items() if k != "signatures"}
        signatures = Signatures(
            base64.b64decode(document["signatures"]["ml-dsa-87"], validate=True),
            base64.b64decode(document["signatures"]["ecdsa-p384"], validate=True),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        raise WipeOrderRefused("The wipe order is damaged.") from None
    if body.get("format") != kind or body.get("version") != 1:
        raise WipeOrderRefused("This is not a wipe order this version reads.")
    if not signer.verify(canonical(body), signatures, kind.encode()):
        raise WipeOrderRefused("The wipe order is not signed by this station's HQ.")
    return body


def order_wipe(
    vault: Vault, fingerprint: str, reason: str = LOST, compromised_since_ms: int | None = None
) -> dict[str, Any]:
    """HQ marks a station lost: revoked (`compromise.revoke_station`, with the reason and
    date of compromise given), and a signed order to wipe at its next contact."""
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        raise PeerError("Only HQ orders a station wiped; this vault is a station.")
    peer = get_peer(vault.conn, fingerprint)
    if peer is None or peer.role != "station":
        raise PeerError("Only an enrolled station can be ordered wiped.")
    origins = peer_origins(vault.conn, fingerprint)
    if not origins:
        raise PeerError(
            f"HQ has had no bundle from {peer.name} yet, so it does not know the incarnation "
            "to address the order to."
        )
    order = sign(
        me,
        {
            "format": ORDER,
            "version": 1,
            "hq": me.fingerprint,
            "station": fingerprint,
            "origin": origins[-1],
            "approvals": issued_approvals(vault, fingerprint),
            "issued_ms": vault.clock.now_ms(),
            "nonce": os.urandom(16).hex(),
        },
    )
    with vault.store.transaction():
        revoke_station(vault, fingerprint, reason, compromised_since_ms)
        vault.conn.execute(
            "UPDATE peers SET wipe_order = ? WHERE fingerprint = ?",
            (json.dumps(order, sort_keys=True), fingerprint),
        )
        vault.audit("wipe-ordered", peer=short(fingerprint))
    return order


def revoke_lost_or_not(
    vault: Vault, fingerprint: str, reason: str, compromised_since_ms: int | None, lost: bool
) -> int:
    """The Sync section's revoke: revoked with its reason (and date of compromise), and if
    lost, ordered wiped; returns the records held for review."""
    if lost:
        order_wipe(vault, fingerprint, reason, compromised_since_ms)
        return held_count(vault.conn, fingerprint)
    return revoke_station(vault, fingerprint, reason, compromised_since_ms)


def revocation_notes(conn: Connection) -> dict[str, dict[str, Any]]:
    """For the relay's roster: each revoked station's reason, and its wipe order if any."""
    rows = conn.execute(
        "SELECT fingerprint, revoke_reason, wipe_order FROM peers "
        "WHERE role = 'station' AND status != 'enrolled'"
    ).fetchall()
    notes: dict[str, dict[str, Any]] = {}
    for fingerprint, reason, order in rows:
        note: dict[str, Any] = {}
        if reason:
            note["reason"] = reason
        if order:
            note["wipe_order"] = json.loads(order)
        if note:
            notes[fingerprint] = note
    return notes


def write_orders(vault: Vault, mailbox: Callable[[str], Path]) -> int:
    """HQ: tell each revoked station on a drive, in its mailbox: a lost station its wipe
    order, any other its revocation and HQ's reason, signed. A station enrolled again
    has both taken away. Returns how many were told."""
    written = 0
    me = load_identity(vault.conn)
    notes = revocation_notes(vault.conn)
    for peer in list_peers(vault.conn):
        if peer.role == "station" and peer.fingerprint not in notes:
            _take_away(mailbox(peer.fingerprint), (ORDER_FILE, NOTICE_FILE))
    for fingerprint, note in notes.items():
        box = mailbox(fingerprint)
        box.mkdir(parents=True, exist_ok=True)
        if "wipe_order" in note:
            document, name = note["wipe_order"], ORDER_FILE
        else:
            body = {
                "format": NOTICE,
                "version": 1,
                "hq": me.fingerprint,
                "station": fingerprint,
                "reason": note.get("reason", ""),
                "approvals": issued_approvals(vault, fingerprint),
                "issued_ms": vault.clock.now_ms(),
            }
            document, name = sign(me, body), NOTICE_FILE
        _take_away(box, tuple({ORDER_FILE, NOTICE_FILE} - {name}))
        atomic_write(box / name, json.dumps(document, indent=2).encode())
        written += 1
    return written


def _take_away(box: Path, names: tuple[str, ...]) -> None:
    for name in names:
        if os.path.lexists(box / name):
            (box / name).unlink()


def revoked_notice(vault: Vault, path: Path) -> StationRevoked | None:
    """HQ's news, on a drive, that this station is revoked (None if none, or not HQ's)."""
    hq = hq_peer(vault.conn)
    if hq is None or not os.path.lexists(path):
        return None
    try:
        body = _verified(json.loads(read_bounded(path, MAX_FILE, "notices")), NOTICE, hq.identity)
    except (ValueError, WipeOrderRefused):
        log.warning("a revocation notice on the drive is damaged or not HQ's; it was ignored")
        return None
    if body.get("station") != load_identity(vault.conn).fingerprint or not _for_pinned(vault, body):
        return None  # for another station, or from before HQ approved this one again
    reason = str(body.get("reason") or "no reason given")
    return StationRevoked(
        f"HQ has revoked this station ({reason}): nothing was exchanged. Call HQ."
    )


def check_order(vault: Vault, document: Any) -> dict[str, Any]:
    """The order's body, if this vault is to obey it; else WipeOrderRefused (nothing changed)."""
    me = load_identity(vault.conn)
    hq = hq_peer(vault.conn)
    if me.public.role != "station" or hq is None:
        raise WipeOrderRefused("Only an enrolled station obeys a wipe order.")
    body = _verified(document, ORDER, hq.identity)
    if body.get("hq") != hq.fingerprint:
        raise WipeOrderRefused("The wipe order names another HQ.")
    if body.get("station") != me.fingerprint:
        raise WipeOrderRefused("The wipe order is addressed to another station.")
    if body.get("origin") != vault.info.origin:
        raise WipeOrderRefused(
            "The wipe order is for an incarnation this vault no longer writes under."
        )
    if not _for_pinned(vault, body):
        raise WipeOrderRefused(
            "The wipe order was made before HQ approved this station again; it is void."
        )
    return body


def acknowledgement(vault: Vault, body: dict[str, Any]) -> bytes:
    """The station's signed word that it obeys the order whose body this is."""
    me = load_identity(vault.conn)
    done = {
        "format": DONE,
        "version": 1,
        "station": me.fingerprint,
        "order": order_digest(body),
        "at_ms": vault.clock.now_ms(),
    }
    return canonical(sign(me, done))


def _for_pinned(vault: Vault, body: dict[str, Any]) -> bool:
    """Whether HQ's order or notice names the approval this station pinned HQ from (any, for
    a station that pinned HQ before approvals were remembered)."""
    pinned = pinned_approval(vault)
    approvals = body.get("approvals")
    return pinned is None or (isinstance(approvals, list) and pinned in approvals)


def obey(vault: Vault, document: Any, ack_box: Path | None = None) -> None:
    """Check the order, leave HQ an acknowledgement where there is a way, and wipe the vault.

    Raises WipeOrderRefused, having changed nothing, for an order not to be obeyed.
    """
    body = check_order(vault, document)
    if ack_box is not None:
        name = f"{DONE_PREFIX}{short(load_identity(vault.conn).fingerprint)}.json"
        try:
            ack_box.mkdir(parents=True, exist_ok=True)
            atomic_write(ack_box / name, acknowledgement(vault, body))
        except Exception:
            log.warning("the wipe could not be acknowledged on the drive")
    wipe_now(vault)


def wipe_now(vault: Vault) -> bool:
    """Wipe the vault, the order checked (and acknowledged where there was a way)."""
    log.warning("wipe order from HQ obeyed")
    vault.wipe()
    return True


def obey_file(vault: Vault, path: Path, ack_box: Path | None) -> bool:
    """A drive's order for this station, if there is one: obeyed (True) or refused (raised)."""
    if not os.path.lexists(path):
        return False
    data = read_bounded(path, MAX_FILE, "wipe orders")
    try:
        document = json.loads(data)
    except ValueError:
        raise WipeOrderRefused("The wipe order is damaged.") from None
    obey(vault, document, ack_box)
    return True


def take_acks(vault: Vault, box: Path) -> list[str]:
    """HQ: the stations whose signed acknowledgement of a wipe waits in HQ's mailbox.

    An acknowledgement counts only if it names the order HQ stored for that station;
    one naming another (an older order, one HQ dropped, a forgery by a station that
    holds its own keys) is refused: logged and audited by station id, and taken away.
    """
    done: list[str] = []
    try:
        names = sorted(p.name for p in box.iterdir() if p.name.startswith(DONE_PREFIX))
    except FileNotFoundError:
        return done
    for name in names:
        path = box / name
        try:
            taken = take_ack(vault, read_bounded(path, MAX_FILE, "wipe acknowledgements"))
        except (OSError, WipeOrderRefused):
            log.warning("a wipe acknowledgement on the drive was not readable or not signed")
            continue
        if taken is not None:
            done.append(taken)
        path.unlink(missing_ok=True)
    return done


def take_ack(vault: Vault, data: bytes) -> str | None:
    """HQ: the station whose acknowledgement this is, audited as wiped; None if it names
    another order than HQ stored for it (refused, audited). WipeOrderRefused if it is not
    a station's signed acknowledgement at all."""
    try:
        document = json.loads(data)
        station = next(
            p for p in list_peers(vault.conn) if p.fingerprint == document.get("station")
        )
    except (ValueError, StopIteration, AttributeError):
        raise WipeOrderRefused("The wipe acknowledgement is damaged.") from None
    body = _verified(document, DONE, station.identity)
    if body.get("order") != stored_order_digest(vault.conn, station.fingerprint):
        log.warning(
            "a wipe acknowledgement from station %s names no order HQ holds for it; refused",
            short(station.fingerprint),
        )
        vault.audit("wipe-ack-refused", peer=short(station.fingerprint))
        return None
    vault.audit("station-wiped", peer=short(station.fingerprint))
    return station.fingerprint


def stored_order_digest(conn: Connection, station: str) -> str | None:
    """The digest of the wipe order HQ holds for `station` (None if it holds none)."""
    row = conn.execute("SELECT wipe_order FROM peers WHERE fingerprint = ?", (station,)).fetchone()
    if row is None or not row[0]:
        return None
    order = json.loads(row[0])
    return order_digest({k: v for k, v in order.items() if k != "signatures"})


def relayed_order(vault: Vault, order: object) -> bytes | None:
    """An order the relay passed on with its refusal: the acknowledgement to leave HQ at the
    relay before `wipe_now`; None for an order not to be obeyed (logged, nothing changed)."""
    try:
        return acknowledgement(vault, check_order(vault, order))
    except WipeOrderRefused as exc:
        log.warning("a wipe order from the relay was not obeyed: %s", exc.message)
        return None
