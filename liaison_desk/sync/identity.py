"""A vault's identity as peers see it, and the two signatures every signed file carries.

Both signatures (ML-DSA-87 and ECDSA P-384 with SHA-384) must verify: a forger
would have to break both the lattice and the elliptic-curve scheme.
"""

from __future__ import annotations

import base64
import functools
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, mldsa

from liaison_desk.core.identity_keys import PublicKeys, SecretKeys
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync.errors import EnrolmentError

ROLES = ("station", "hq")
MLDSA87_SIGNATURE = 4627
MAX_ECDSA_SIGNATURE = 120  # DER of two 48-byte integers


def grouped(fingerprint: str) -> str:
    """The fingerprint in groups of four, six groups a line, for reading aloud."""
    groups = [fingerprint[i : i + 4] for i in range(0, len(fingerprint), 4)]
    return "\n".join(" ".join(groups[i : i + 6]) for i in range(0, len(groups), 6))


def short(fingerprint: str) -> str:
    return fingerprint[:16]


@dataclass(frozen=True)
class Signatures:
    mldsa87: bytes
    ecdsa_p384: bytes


@dataclass(frozen=True)
class PeerIdentity:
    """Public keys plus the name a vault gives itself; its id is the keys' fingerprint."""

    name: str
    role: str
    post: str
    keys: PublicKeys

    @functools.cached_property
    def fingerprint(self) -> str:
        return self.keys.fingerprint()

    def to_json(self) -> dict[str, Any]:
        b64 = base64.b64encode
        return {
            "name": self.name,
            "role": self.role,
            "post": self.post,
            "fingerprint": self.fingerprint,
            "keys": {
                "ml-dsa-87": b64(self.keys.mldsa87).decode(),
                "ecdsa-p384": b64(self.keys.ecdsa_p384).decode(),
                "ml-kem-1024": b64(self.keys.mlkem1024).decode(),
                "kem-p384": b64(self.keys.kem_p384).decode(),
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> PeerIdentity:
        """Parse and check a peer's public identity (keys well-formed, fingerprint matching)."""
        try:
            keys = data["keys"]
            identity = cls(
                name=str(data["name"])[:200],
                role=str(data["role"]),
                post=str(data.get("post", ""))[:200],
                keys=PublicKeys(
                    mldsa87=base64.b64decode(keys["ml-dsa-87"], validate=True),
                    ecdsa_p384=base64.b64decode(keys["ecdsa-p384"], validate=True),
                    mlkem1024=base64.b64decode(keys["ml-kem-1024"], validate=True),
                    kem_p384=base64.b64decode(keys["kem-p384"], validate=True),
                ),
            )
            identity.keys.signature_keys()
            identity.keys.kem_key()
        except (KeyError, TypeError, ValueError) as exc:
            raise EnrolmentError("The identity in this file is damaged or incomplete.") from exc
        if identity.role not in ROLES:
            raise EnrolmentError("The identity in this file has no valid role.")
        if data.get("fingerprint") not in (None, identity.fingerprint):
            raise EnrolmentError("The identity's fingerprint does not match its keys.")
        return identity

    @functools.cached_property
    def _verifiers(self) -> tuple[mldsa.MLDSA87PublicKey, ec.EllipticCurvePublicKey]:
        # Decoding a P-384 point is a good part of a verification: once per identity.
        return self.keys.signature_keys()

    def verify(self, message: bytes, signatures: Signatures, context: bytes) -> bool:
        """True only if both signatures verify over `message` in this `context`."""
        ml, ecdsa = self._verifiers
        try:
            ml.verify(signatures.mldsa87, message, context)
            ecdsa.verify(signatures.ecdsa_p384, context + message, ec.ECDSA(hashes.SHA384()))
        except InvalidSignature:
            return False
        return True


class Identity:
    """Our own identity: the public part plus the secrets to sign and to open bundles."""

    def __init__(self, secrets: SecretKeys, name: str, role: str, post: str = "") -> None:
        self.secrets = secrets
        self.public = PeerIdentity(name, role, post, secrets.public())
        self._ml, self._ecdsa = secrets.signing_keys()
        self.kem_key = secrets.kem_key()

    @property
    def fingerprint(self) -> str:
        return self.public.fingerprint

    def sign(self, message: bytes, context: bytes) -> Signatures:
        return Signatures(
            self._ml.sign(message, context),
            self._ecdsa.sign(context + message, ec.ECDSA(hashes.SHA384())),
        )


def load_identity(conn: Connection) -> Identity:
    row = conn.execute(
        "SELECT mldsa87_seed, ecdsa_p384, mlkem1024_seed, kem_p384 FROM identity"
    ).fetchone()
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    return Identity(
        SecretKeys(bytes(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])),
        name=meta["name"],
        role=meta["role"],
        post=meta.get("post", ""),
    )


def canonical(data: Any) -> bytes:
    """The bytes a JSON document is signed as: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
