"""A vault's own key material: two signing keys and a hybrid KEM key, kept inside the vault.

ML-DSA-87 and ML-KEM-1024 are the CNSA 2.0 parameter sets; each is paired with
a P-384 key so a flaw in either family alone breaks nothing. Only seeds and
scalars are stored (176 bytes in all); the key objects are rebuilt on unlock.
Lives in core because the schema migration that gives older vaults an
identity needs it; everything that uses the keys is in `liaison_desk.sync`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

FINGERPRINT_CONTEXT = b"liaison-desk/identity/v1"
_P384_SCALAR = 48


def _p384_private(scalar: bytes) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP384R1())


def _p384_scalar(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(_P384_SCALAR, "big")


def p384_point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


@dataclass(frozen=True)
class PublicKeys:
    """What a peer needs to verify our signatures and seal bundles to us (raw encodings)."""

    mldsa87: bytes
    ecdsa_p384: bytes
    mlkem1024: bytes
    kem_p384: bytes

    def fingerprint(self) -> str:
        """SHA-384 over the four keys, length-prefixed in a fixed order: the station id."""
        digest = hashlib.sha384(FINGERPRINT_CONTEXT)
        for part in (self.mldsa87, self.ecdsa_p384, self.mlkem1024, self.kem_p384):
            digest.update(struct.pack(">H", len(part)) + part)
        return digest.hexdigest()

    def signature_keys(self) -> tuple[mldsa.MLDSA87PublicKey, ec.EllipticCurvePublicKey]:
        """Raises ValueError if a key is malformed (a peer file is checked with this)."""
        return (
            mldsa.MLDSA87PublicKey.from_public_bytes(self.mldsa87),
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), self.ecdsa_p384),
        )

    def kem_key(self) -> hpke.MLKEM1024P384PublicKey:
        return hpke.MLKEM1024P384PublicKey(
            mlkem.MLKEM1024PublicKey.from_public_bytes(self.mlkem1024),
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), self.kem_p384),
        )


@dataclass(frozen=True)
class SecretKeys:
    mldsa87_seed: bytes
    ecdsa_p384: bytes
    mlkem1024_seed: bytes
    kem_p384: bytes

    @classmethod
    def generate(cls, random_bytes: Callable[[int], bytes]) -> SecretKeys:
        # Seeds come from the caller's randomness so tests can make fixed identities.
        def scalar() -> bytes:
            while True:
                candidate = random_bytes(_P384_SCALAR)
                try:
                    return _p384_scalar(_p384_private(candidate))
                except ValueError:  # zero or beyond the group order: draw again
                    continue

        return cls(random_bytes(32), scalar(), random_bytes(64), scalar())

    def signing_keys(self) -> tuple[mldsa.MLDSA87PrivateKey, ec.EllipticCurvePrivateKey]:
        return (
            mldsa.MLDSA87PrivateKey.from_seed_bytes(self.mldsa87_seed),
            _p384_private(self.ecdsa_p384),
        )

    def kem_key(self) -> hpke.MLKEM1024P384PrivateKey:
        return hpke.MLKEM1024P384PrivateKey(
            mlkem.MLKEM1024PrivateKey.from_seed_bytes(self.mlkem1024_seed),
            _p384_private(self.kem_p384),
        )

    def public(self) -> PublicKeys:
        ml, ecdsa = self.signing_keys()
        kem_ml = mlkem.MLKEM1024PrivateKey.from_seed_bytes(self.mlkem1024_seed)
        return PublicKeys(
            mldsa87=ml.public_key().public_bytes_raw(),
            ecdsa_p384=p384_point(ecdsa.public_key()),
            mlkem1024=kem_ml.public_key().public_bytes_raw(),
            kem_p384=p384_point(_p384_private(self.kem_p384).public_key()),
        )
