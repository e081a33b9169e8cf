"""Enrolment: a station asks, HQ approves after checking the fingerprint out of band, the
station pins HQ's keys.

Both files are small signed JSON documents. The request is self-signed (it
proves the station holds its keys; only the out-of-band fingerprint check
proves whose keys they are). The approval is signed by HQ and names the
station it approves, so it cannot be replayed to another station. It also
states HQ's recovery-slot policy (on unless HQ's operator turned it off): the
station shows it and, once HQ is pinned, adds HQ's key slot (`sync.recovery`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from liaison_desk.core import audit
from liaison_desk.core.clock import Clock, iso_from_ms
from liaison_desk.core.user_files import read_bounded
from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import EnrolmentError
from liaison_desk.sync.identity import (
    Identity,
    PeerIdentity,
    Signatures,
    canonical,
    short,
)
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import add_peer, get_peer, hq_peer
from liaison_desk.sync.recovery import add_hq_slot

REQUEST = "liaison-desk/enrolment-request"
APPROVAL = "liaison-desk/enrolment-approval"
MAX_FILE = 64 * 1024
ISSUED_PREFIX = "approvals:"  # at HQ, + a station's id: its approvals' digests since enrolled
PINNED_KEY = "hq_approval"  # at a station: the digest of the approval it pinned HQ from


def read_enrolment_file(path: Path) -> bytes:
    """A request's or an approval's bytes: a regular file no larger than such files may be,
    so a pipe or a device on the courier's drive gets a sentence instead of a hang."""
    return read_bounded(path, MAX_FILE, "enrolment files")


def _signed(identity: Identity, body: dict[str, Any], kind: str) -> bytes:
    body = {"format": kind, "version": 1, **body}
    sig = identity.sign(canonical(body), kind.encode())
    body["signatures"] = {
        "ml-dsa-87": base64.b64encode(sig.mldsa87).decode(),
        "ecdsa-p384": base64.b64encode(sig.ecdsa_p384).decode(),
    }
    return json.dumps(body, indent=2).encode() + b"\n"


def _read(data: bytes, kind: str) -> tuple[dict[str, Any], Signatures]:
    if len(data) > MAX_FILE:
        raise EnrolmentError("This file is too large to be an enrolment file.")
    try:
        body = json.loads(data)
        sig = body.pop("signatures")
        signatures = Signatures(
            base64.b64decode(sig["ml-dsa-87"], validate=True),
            base64.b64decode(sig["ecdsa-p384"], validate=True),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EnrolmentError("This is not an enrolment file, or it is damaged.") from exc
    if body.get("format") != kind:
        expected = "request" if kind == REQUEST else "approval"
        raise EnrolmentError(f"This is not an enrolment {expected}.")
    if body.get("version") != 1:
        raise EnrolmentError("This enrolment file was written by a newer Liaison Desk.")
    return body, signatures


def write_request(identity: Identity, clock: Clock) -> bytes:
    if identity.public.role != "station":
        raise EnrolmentError("Only a station asks to be enrolled; this vault is HQ.")
    return _signed(
        identity,
        {"identity": identity.public.to_json(), "created": iso_from_ms(clock.now_ms())},
        REQUEST,
    )


def read_request(data: bytes) -> PeerIdentity:
    """The station in a request, once its self-signature checks out."""
    body, signatures = _read(data, REQUEST)
    station = PeerIdentity.from_json(body.get("identity"))
    if station.role != "station":
        raise EnrolmentError("The request does not come from a station.")
    if not station.verify(canonical(body), signatures, REQUEST.encode()):
        raise EnrolmentError("The request's signatures do not match its keys; it was altered.")
    return station


def write_approval(
    hq: Identity, station: PeerIdentity, clock: Clock, recovery_slot: bool = True
) -> bytes:
    if hq.public.role != "hq":
        raise EnrolmentError("Only an HQ vault approves enrolments.")
    return _signed(
        hq,
        {
            "hq": hq.public.to_json(),
            "station": station.fingerprint,
            "created": iso_from_ms(clock.now_ms()),
            "recovery_slot": recovery_slot,
        },
        APPROVAL,
    )


def asks_recovery_slot(approval: bytes) -> bool:
    """HQ's policy in an approval (checked by `check_approval`): keep a slot HQ can open.
    An approval from before the policy asks for none."""
    body, _signatures = _read(approval, APPROVAL)
    return body.get("recovery_slot") is True


def approval_digest(data: bytes) -> str:
    """What names one approval: the SHA-256 of its signed body (its layout aside). A wipe
    order carries it, and a station obeys only one naming the approval it pinned
    (`sync.wipe_order`), so an order made before HQ enrolled it again is void."""
    body, _signatures = _read(data, APPROVAL)
    return hashlib.sha256(canonical(body)).hexdigest()


def issued_approvals(vault: Vault, station: str) -> list[str]:
    """At HQ: the digests of the approvals it gave `station` since it last enrolled it anew
    (new, or revoked before): the station may have pinned any of them. Empty for a station
    approved before approvals were remembered."""
    value = _meta(vault, ISSUED_PREFIX + station)
    return list(json.loads(value)) if value else []


def pinned_approval(vault: Vault) -> str | None:
    """At a station: the digest of the approval it pinned HQ from (None: pinned before
    approvals were remembered)."""
    return _meta(vault, PINNED_KEY)


def _meta(vault: Vault, key: str) -> str | None:
    row = vault.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row and row[0] else None


def read_approval(data: bytes, me: Identity) -> PeerIdentity:
    """HQ's identity from an approval addressed to us, once HQ's signatures check out."""
    body, signatures = _read(data, APPROVAL)
    hq = PeerIdentity.from_json(body.get("hq"))
    if hq.role != "hq":
        raise EnrolmentError("The approval does not come from an HQ vault.")
    if body.get("station") != me.fingerprint:
        raise EnrolmentError("This approval is for another station, not this vault.")
    if not hq.verify(canonical(body), signatures, APPROVAL.encode()):
        raise EnrolmentError("The approval's signatures do not match HQ's keys; it was altered.")
    return hq


def own_request(vault: Vault) -> tuple[PeerIdentity, bytes]:
    """This station's enrolment request, and the identity it carries (read aloud to HQ)."""
    me = load_identity(vault.conn)
    return me.public, write_request(me, vault.clock)


def approve(vault: Vault, request: bytes, recovery_slot: bool = True) -> tuple[PeerIdentity, bytes]:
    """HQ enrols the station in `request` (after the fingerprint was checked out of band).

    A station enrolled again (revoked, then found) starts clean: the approvals it
    had before no longer count, the wipe order HQ made for it is dropped, and
    HQ's next drive sync takes it and the revocation notice out of its mailbox
    (`sync.wipe_order.write_orders`). Approved again while enrolled, it may pin
    either approval.
    """
    me = load_identity(vault.conn)
    station = read_request(request)
    approval = write_approval(me, station, vault.clock, recovery_slot)
    known = get_peer(vault.conn, station.fingerprint)
    issued = issued_approvals(vault, station.fingerprint) if known and known.active else []
    with vault.store.transaction():
        add_peer(vault.conn, vault.clock, station)
        issued.append(approval_digest(approval))
        vault.set_meta(ISSUED_PREFIX + station.fingerprint, json.dumps(issued))
        vault.conn.execute(
            "UPDATE peers SET wipe_order = NULL WHERE fingerprint = ?", (station.fingerprint,)
        )
        audit.record(vault.conn, vault.clock, "enrolment", peer=short(station.fingerprint))
    return station, approval


def check_approval(vault: Vault, approval: bytes) -> PeerIdentity:
    """HQ's identity from its approval, verified, before anything is pinned.

    Writes nothing: the officer compares the fingerprint with HQ out of band first,
    then `pin_hq` keeps it. A second, different HQ is refused here already.
    """
    hq = read_approval(approval, load_identity(vault.conn))
    _refuse_another_hq(vault, hq)
    return hq


def pin_hq(vault: Vault, hq: PeerIdentity, approval: bytes) -> None:
    """Pin HQ's keys (`hq`, from `check_approval` of `approval`, once the fingerprint was
    compared), remember which approval they came from, and add HQ's key slot where its
    policy (`asks_recovery_slot`) says so."""
    if read_approval(approval, load_identity(vault.conn)).fingerprint != hq.fingerprint:
        raise EnrolmentError("This approval does not come from the HQ that was compared.")
    with vault.store.transaction():
        _refuse_another_hq(vault, hq)
        add_peer(vault.conn, vault.clock, hq)
        vault.set_meta(PINNED_KEY, approval_digest(approval))
        audit.record(vault.conn, vault.clock, "enrolment", peer=short(hq.fingerprint))
    if asks_recovery_slot(approval):
        add_hq_slot(vault)


def accept(vault: Vault, approval: bytes) -> PeerIdentity:
    """A station pins HQ's keys from HQ's approval, asking no one (for scripts and tests)."""
    hq = check_approval(vault, approval)
    pin_hq(vault, hq, approval)
    return hq


def _refuse_another_hq(vault: Vault, hq: PeerIdentity) -> None:
    pinned = hq_peer(vault.conn)
    if pinned is not None and pinned.fingerprint != hq.fingerprint:
        raise EnrolmentError(
            f"This station is already enrolled with {pinned.name}; "
            "an approval from a different HQ is refused."
        )
