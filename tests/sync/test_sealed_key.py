"""The sealed file key (docs/bundle-format.md §3), written again from the document alone.

The hybrid KEM, the combiner, the order of the two encapsulations, the X
coordinate as the ECDH secret and RFC 9180's key schedule are coded here
from the document, with nothing but the primitives: a key sealed by a real
bundle opens this way, and one sealed this way opens in a real reader. If the
code and the document ever part, one of these fails.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.hazmat.primitives.asymmetric import ec, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.sync.bundle import SUITE
from tests.bundle_vectors import generate, identities

KEM_ID, KDF_ID, AEAD_ID = 0x0051, 0x0002, 0x0002
SUITE_ID = b"HPKE" + b"".join(n.to_bytes(2, "big") for n in (KEM_ID, KDF_ID, AEAD_ID))
LABEL = b"MLKEM1024-P384"
MLKEM_CT, POINT = 1568, 97
PREFIX, SEALED = 144, 1713
CONTEXT = b"liaison-desk/bundle/v1"


def _extract(salt: bytes, label: bytes, ikm: bytes) -> bytes:
    key = salt or bytes(48)
    return hmac.digest(key, b"HPKE-v1" + SUITE_ID + label + ikm, "sha384")


def _expand(prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + SUITE_ID + label + info
    out, block, n = b"", b"", 1
    while len(out) < length:
        block = hmac.digest(prk, block + labeled + bytes([n]), "sha384")
        out, n = out + block, n + 1
    return out[:length]


def _key_and_nonce(shared: bytes, info: bytes) -> tuple[bytes, bytes]:
    """RFC 9180 §5.1, base mode, no PSK: the AEAD key and nonce of the first (only) message."""
    context = b"\x00" + _extract(b"", b"psk_id_hash", b"") + _extract(b"", b"info_hash", info)
    secret = _extract(shared, b"secret", b"")
    return _expand(secret, b"key", context, 32), _expand(secret, b"base_nonce", context, 12)


def _combined(ss_pq: bytes, ss_t: bytes, ct_t: bytes, ek_t: bytes) -> bytes:
    return hashlib.sha3_256(ss_pq + ss_t + ct_t + ek_t + LABEL).digest()


def _private(secrets: SecretKeys) -> tuple[mlkem.MLKEM1024PrivateKey, ec.EllipticCurvePrivateKey]:
    """The recipient's two KEM keys, from what a vault stores: a 64-byte ML-KEM seed and a
    48-byte big-endian P-384 scalar."""
    scalar = int.from_bytes(secrets.kem_p384, "big")
    return (
        mlkem.MLKEM1024PrivateKey.from_seed_bytes(secrets.mlkem1024_seed),
        ec.derive_private_key(scalar, ec.SECP384R1()),
    )


def open_sealed(sealed: bytes, prefix: bytes, secrets: SecretKeys, ek_t: bytes) -> bytes:
    ml, p384 = _private(secrets)
    ct_pq, ct_t, ciphertext = sealed[:MLKEM_CT], sealed[MLKEM_CT : MLKEM_CT + POINT], sealed[1665:]
    ss_pq = ml.decapsulate(ct_pq)
    ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), ct_t)
    ss_t = p384.exchange(ec.ECDH(), ephemeral)  # the shared point's X coordinate, 48 bytes
    key, nonce = _key_and_nonce(_combined(ss_pq, ss_t, ct_t, ek_t), CONTEXT + prefix)
    return AESGCM(key).decrypt(nonce, ciphertext, None)


def test_a_real_bundles_key_opens_by_the_document() -> None:
    hq = identities.load()[identities.RECIPIENT]
    data = (generate.HERE / "accepted-one-op.ldbundle").read_bytes()
    prefix, sealed = data[:PREFIX], data[PREFIX + 2 : PREFIX + 2 + SEALED]
    assert int.from_bytes(data[PREFIX : PREFIX + 2], "big") == SEALED

    file_key = open_sealed(sealed, prefix, hq.secrets, hq.public.keys.kem_p384)

    # It is the file key: it opens the payload's only chunk (§4: nonce 0, flagged last).
    assert len(file_key) == 32
    payload_len = int.from_bytes(prefix[132:140], "big")
    chunk = data[PREFIX + 2 + SEALED : PREFIX + 2 + SEALED + payload_len + 16]
    assert AESGCM(file_key).decrypt(bytes(11) + b"\x01", chunk, None)


def test_a_key_sealed_by_the_document_opens_in_the_reader() -> None:
    secrets = SecretKeys.generate(os.urandom)
    public = secrets.public()
    prefix, file_key = os.urandom(PREFIX), os.urandom(32)
    recipient_pq = mlkem.MLKEM1024PublicKey.from_public_bytes(public.mlkem1024)
    recipient_t = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), public.kem_p384)

    ss_pq, ct_pq = recipient_pq.encapsulate()
    ephemeral = ec.generate_private_key(ec.SECP384R1())
    ss_t = ephemeral.exchange(ec.ECDH(), recipient_t)
    ct_t = ephemeral.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    key, nonce = _key_and_nonce(_combined(ss_pq, ss_t, ct_t, public.kem_p384), CONTEXT + prefix)
    sealed = ct_pq + ct_t + AESGCM(key).encrypt(nonce, file_key, None)

    assert len(sealed) == SEALED
    assert SUITE.decrypt(sealed, secrets.kem_key(), info=CONTEXT + prefix) == file_key
