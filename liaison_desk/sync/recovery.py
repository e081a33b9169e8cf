"""HQ opens a station's vault for its officer: recovery request, grant and apply; travel mode.

An officer who lost both the passphrase and the recovery code, or who sealed the
vault for travel (`seal_for_travel`: every slot destroyed but HQ's), gets back in
in three steps:

1. `write_request` (station, locked): HQ's slot from keys.json, and a reply key
   made for this request alone, whose private half waits beside the vault
   (`recovery-pending.json`). Nothing in the request opens anything without
   HQ's private key. Its code (from its digest) is read aloud to HQ. The
   request goes on a drive, or through HQ's relay signed by the reply key
   (`sync.recovery_relay`), the one key a locked-out laptop holds.
2. `grant` (HQ, after checking the officer and the code out of band): HQ opens
   its slot (bound to that vault, station and HQ), seals the data key to the
   reply key, bound to the request's digest, and signs the grant.
3. `apply_grant` (station): the reply key opens the grant, the data key opens
   the vault, the grant's signatures are checked against the HQ the vault
   pinned, and a new passphrase and a new recovery code are set. The reply key
   is then removed: a grant applies once, and only to the request it answers.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ec, mlkem

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.clock import Clock, SystemClock, iso_from_ms
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.hq_slot import SUITE, HqSlot, slot_info
from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.keyslots import (
    KdfParams,
    KeyFile,
    KeySlot,
    new_recovery_code,
    normalize_passphrase,
    normalize_recovery_code,
    read_keyfile,
    write_keyfile,
)
from liaison_desk.core.passphrase_policy import weakness
from liaison_desk.core.vault import KEY_FILE, Vault
from liaison_desk.sync.errors import RecoveryError
from liaison_desk.sync.identity import Identity, Signatures, canonical, short
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import Peer, get_peer, hq_peer
from liaison_desk.sync.recovery_wire import (
    GRANT,
    REQUEST,
    read_document,
    read_request,
    request_code,
)

GRANT_CONTEXT = b"liaison-desk/recovery-grant/v1"
PENDING_FILE = "recovery-pending.json"
RandomBytes = Callable[[int], bytes]


def policy_text(recovery_slot: bool) -> str:
    """HQ's recovery-slot policy, as a station's officer reads it before accepting HQ."""
    if recovery_slot:
        return (
            "HQ's policy: a third key slot that HQ can open, so HQ can let you set a new "
            "passphrase if you lose both it and the recovery code, and open the vault after "
            "travel mode. HQ cannot use it alone: only with a recovery request from you."
        )
    return (
        "HQ's policy: no key slot for HQ. If you lose both the passphrase and the recovery "
        "code, nobody can open this vault."
    )


def add_hq_slot(vault: Vault) -> None:
    """At a station that pinned its HQ: seal the data key to HQ's key in a third slot."""
    hq = hq_peer(vault.conn)
    if hq is None:
        raise RecoveryError("This station is not enrolled with an HQ yet.")
    station = load_identity(vault.conn).fingerprint

    def change(keyfile: KeyFile, data_key: bytearray) -> KeyFile:
        slot = HqSlot.seal(
            data_key, keyfile.vault_id, station, hq.fingerprint, hq.identity.keys.kem_key()
        )
        return replace(keyfile, hq=slot)

    vault.change_keys(change, "hq-slot-added", hq=short(hq.fingerprint))


SEALING = (
    "Sealing for travel destroys the passphrase and recovery code slots: from then on "
    "nothing you know or carry opens this vault, so nobody can make you open it at a "
    "border. Only HQ can: on arrival, make a recovery request, call HQ to be checked and "
    "read them its code, and apply the grant HQ sends to set a new passphrase. Sync "
    "first: what HQ has not received waits sealed until then."
)


def note_sealing(vault: Vault) -> None:
    """Check the vault can be sealed (HQ's slot) and audit it, before the window locks."""
    if vault.keyfile.hq is None:
        raise RecoveryError(
            "This vault has no HQ slot, so sealing it would lock it for good; it was not sealed."
        )
    vault.audit("travel-sealed")


def seal_keyfile(folder: Path) -> None:
    """Destroy every slot but HQ's (the vault is locked, or about to be: nothing else changes)."""
    keyfile = read_keyfile(folder / KEY_FILE)
    if keyfile.hq is None:
        raise RecoveryError("This vault has no HQ slot; it was not sealed.")
    write_keyfile(folder / KEY_FILE, replace(keyfile, slots=(), sealed=True))


def seal_for_travel(vault: Vault) -> None:
    """Destroy the passphrase and recovery slots: only HQ's slot opens the vault. Locks it."""
    note_sealing(vault)
    vault.lock()
    seal_keyfile(vault.path)


def is_sealed(folder: Path) -> bool:
    """Whether the vault in `folder` is sealed for travel (False if there is none)."""
    try:
        return read_keyfile(folder / KEY_FILE).sealed
    except Exception:
        return False


def write_request(
    folder: Path, clock: Clock | None = None, random_bytes: RandomBytes = os.urandom
) -> tuple[bytes, str]:
    """A recovery request for HQ, and its code; keeps the reply key beside the vault."""
    clock = clock or SystemClock()
    keyfile = read_keyfile(folder / KEY_FILE)
    if keyfile.hq is None:
        raise RecoveryError(
            "This vault has no HQ slot (HQ's policy was off when it enrolled): HQ cannot open it."
        )
    # Its KEM half opens the grant; its signing half signs this laptop's relay requests for it.
    reply = SecretKeys.generate(random_bytes)
    public = reply.public()
    b64 = base64.b64encode
    body = {
        "format": REQUEST,
        "version": 1,
        "vault_id": keyfile.vault_id,
        "station": keyfile.hq.station,
        "hq": keyfile.hq.hq,
        "hq_slot": b64(keyfile.hq.sealed).decode(),
        "reply": {
            "ml-dsa-87": b64(public.mldsa87).decode(),
            "ecdsa-p384": b64(public.ecdsa_p384).decode(),
            "ml-kem-1024": b64(public.mlkem1024).decode(),
            "kem-p384": b64(public.kem_p384).decode(),
        },
        "created": iso_from_ms(clock.now_ms()),
    }
    digest = hashlib.sha256(canonical(body)).hexdigest()
    _write_pending(folder, Pending(digest, reply))
    return json.dumps(body, indent=2).encode() + b"\n", request_code(digest)


def grant(vault: Vault, data: bytes) -> tuple[Peer, str, bytes]:
    """HQ answers a request (after checking the officer and its code out of band).

    Returns the station, the request's code (to compare with the officer's) and
    the signed grant, which only the laptop that made the request can use.
    """
    me = load_identity(vault.conn)
    if me.public.role != "hq":
        raise RecoveryError("Only HQ grants a recovery; this vault is a station.")
    body, digest = read_request(data)
    if body["hq"] != me.fingerprint:
        raise RecoveryError("This recovery request is for another HQ.")
    peer = get_peer(vault.conn, body["station"])
    if peer is None or peer.role != "station":
        raise RecoveryError("This recovery request comes from a station HQ never enrolled.")
    if not peer.active:
        raise RecoveryError(f"{peer.name} is revoked: HQ grants it no recovery.")
    info = slot_info(body["vault_id"], body["station"], body["hq"])
    try:
        data_key = SUITE.decrypt(base64.b64decode(body["hq_slot"], validate=True), me.kem_key, info)
        reply = hpke.MLKEM1024P384PublicKey(
            mlkem.MLKEM1024PublicKey.from_public_bytes(
                base64.b64decode(body["reply"]["ml-kem-1024"], validate=True)
            ),
            ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP384R1(), base64.b64decode(body["reply"]["kem-p384"], validate=True)
            ),
        )
    except Exception:
        raise RecoveryError(
            "HQ's slot in this request does not open with HQ's key: it was altered, or it "
            "names another vault."
        ) from None
    sealed = SUITE.encrypt(data_key, reply, GRANT_CONTEXT + digest.encode())
    grant_body = {
        "format": GRANT,
        "version": 1,
        "station": peer.fingerprint,
        "vault_id": body["vault_id"],
        "request": digest,
        "sealed": base64.b64encode(sealed).decode(),
        "created": iso_from_ms(vault.clock.now_ms()),
    }
    signatures = me.sign(canonical(grant_body), GRANT.encode())
    grant_body["signatures"] = {
        "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
        "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
    }
    vault.audit("recovery-granted", peer=short(peer.fingerprint))
    return peer, request_code(digest), json.dumps(grant_body, indent=2).encode() + b"\n"


def apply_grant(
    folder: Path,
    data: bytes,
    new_passphrase: str,
    *,
    kdf: KdfParams | None = None,
    clock: Clock | None = None,
) -> tuple[Vault, str]:
    """Open the vault with HQ's grant and set a new passphrase; returns it unlocked with a new
    recovery code (shown once). The vault is unsealed if it was sealed for travel."""
    if (problem := weakness(new_passphrase)) is not None:
        raise ValidationError(problem)
    clock = clock or SystemClock()
    keyfile = read_keyfile(folder / KEY_FILE)
    pending = read_pending(folder)
    body = read_document(data, GRANT, "recovery grant")
    try:
        signatures = Signatures(
            base64.b64decode(body["signatures"]["ml-dsa-87"], validate=True),
            base64.b64decode(body["signatures"]["ecdsa-p384"], validate=True),
        )
        signed = {k: v for k, v in body.items() if k != "signatures"}
        sealed = base64.b64decode(body["sealed"], validate=True)
    except (KeyError, TypeError, ValueError):
        raise RecoveryError("This recovery grant is damaged.") from None
    if keyfile.hq is None or body.get("vault_id") != keyfile.vault_id:
        raise RecoveryError("This recovery grant is for another vault.")
    if body.get("station") != keyfile.hq.station:
        raise RecoveryError("This recovery grant is for another station.")
    if body.get("request") != pending.request:
        raise RecoveryError(
            "This recovery grant answers another request (an older one, or one made on "
            "another laptop); it was not used."
        )
    try:
        opened = SUITE.decrypt(
            sealed, pending.reply.kem_key(), GRANT_CONTEXT + pending.request.encode()
        )
    except Exception:
        raise RecoveryError("This recovery grant is damaged or was altered.") from None
    vault = Vault.open_with_key(folder, keyfile, bytearray(opened), clock)
    try:
        hq = hq_peer(vault.conn)
        if hq is None or not hq.identity.verify(canonical(signed), signatures, GRANT.encode()):
            raise RecoveryError("This recovery grant is not signed by this station's HQ.")
        code = new_recovery_code()
        was_sealed = keyfile.sealed
        slot_kdf = kdf or KdfParams.default()

        def change(current: KeyFile, data_key: bytearray) -> KeyFile:
            slots = (
                KeySlot.seal(
                    "passphrase",
                    normalize_passphrase(new_passphrase),
                    data_key,
                    current.vault_id,
                    slot_kdf,
                ),
                KeySlot.seal(
                    "recovery", normalize_recovery_code(code), data_key, current.vault_id, slot_kdf
                ),
            )
            return replace(current, slots=slots, sealed=False)

        vault.change_keys(change, "travel-restored" if was_sealed else "recovery-applied")
    except BaseException:
        vault.lock()
        raise
    (folder / PENDING_FILE).unlink(missing_ok=True)
    return vault, code


@dataclass(frozen=True)
class Pending:
    """The request waiting for HQ's grant: its digest, its reply key, and the relay it went
    through (`sync.recovery_relay`), if it did."""

    request: str
    reply: SecretKeys
    relay_url: str | None = None
    relay_authority: str | None = None

    def identity(self) -> Identity:
        """The reply key as a signer of relay requests."""
        return Identity(self.reply, "recovery request", "station")


def _write_pending(folder: Path, pending: Pending) -> None:
    b64 = base64.b64encode
    atomic_write(
        folder / PENDING_FILE,
        json.dumps(
            {
                "request": pending.request,
                "mldsa87_seed": b64(pending.reply.mldsa87_seed).decode(),
                "ecdsa_p384": b64(pending.reply.ecdsa_p384).decode(),
                "mlkem1024_seed": b64(pending.reply.mlkem1024_seed).decode(),
                "kem_p384": b64(pending.reply.kem_p384).decode(),
                "relay_url": pending.relay_url,
                "relay_authority": pending.relay_authority,
            }
        ).encode(),
    )


def remember_relay(folder: Path, url: str, authority: str | None) -> None:
    """Keep, beside the waiting request, the relay it went to: its grant comes back there."""
    _write_pending(folder, replace(read_pending(folder), relay_url=url, relay_authority=authority))


def read_pending(folder: Path) -> Pending:
    """The request waiting for a grant; RecoveryError if none waits or it is damaged."""
    try:
        raw = json.loads((folder / PENDING_FILE).read_bytes())
        seeds = [
            base64.b64decode(raw[k], validate=True)
            for k in ("mldsa87_seed", "ecdsa_p384", "mlkem1024_seed", "kem_p384")
        ]
        url, authority = raw.get("relay_url"), raw.get("relay_authority")
        assert url is None or isinstance(url, str)
        assert authority is None or isinstance(authority, str)
        return Pending(str(raw["request"]), SecretKeys(*seeds), url, authority)
    except FileNotFoundError:
        raise RecoveryError(
            "No recovery was requested from this vault, or its grant was already used: "
            "make a new request (liaison-desk recovery request)."
        ) from None
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise RecoveryError(
            "The waiting recovery request is damaged: make a new one (liaison-desk recovery "
            "request)."
        ) from None
