"""Identity and enrolment files (docs/bundle-format.md §1 to §1.2), read again from the document.

An enrolment request and approval written by the code are checked here with
nothing but the document and the primitives: the fingerprint recomputed from
the base64 keys, the canonical JSON rebuilt, both signatures verified under
the `format` as context; and the private key forms give the public keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from liaison_desk.sync import enrol
from tests.bundle_vectors import identities
from tests.conftest import StepClock

KEYS = ("ml-dsa-87", "ecdsa-p384", "ml-kem-1024", "kem-p384")
SIZES = {"ml-dsa-87": 2592, "ecdsa-p384": 97, "ml-kem-1024": 1568, "kem-p384": 97}


def fingerprint(identity: dict[str, Any]) -> str:
    digest = hashlib.sha384(b"liaison-desk/identity/v1")
    for name in KEYS:
        key = base64.b64decode(identity["keys"][name], validate=True)
        assert len(key) == SIZES[name]
        digest.update(len(key).to_bytes(2, "big") + key)
    return digest.hexdigest()


def canonical(value: Any) -> bytes:
    """Keys sorted by code point at every level, no white space, non-ASCII as itself, UTF-8."""
    if isinstance(value, dict):
        inner = ",".join(
            json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]).decode()
            for k in sorted(value)
        )
        return ("{" + inner + "}").encode()
    if isinstance(value, list):
        return ("[" + ",".join(canonical(v).decode() for v in value) + "]").encode()
    return json.dumps(value, ensure_ascii=False).encode()


def verify(document: dict[str, Any], signer: dict[str, Any]) -> None:
    body = {k: v for k, v in document.items() if k != "signatures"}
    message, context = canonical(body), document["format"].encode()
    keys = signer["keys"]
    ml = mldsa.MLDSA87PublicKey.from_public_bytes(base64.b64decode(keys["ml-dsa-87"]))
    ml.verify(base64.b64decode(document["signatures"]["ml-dsa-87"]), message, context)
    point = base64.b64decode(keys["ecdsa-p384"])
    ecdsa = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP384R1(), point)
    signature = base64.b64decode(document["signatures"]["ecdsa-p384"])
    ecdsa.verify(signature, context + message, ec.ECDSA(hashes.SHA384()))


def test_a_request_and_an_approval_check_out_by_the_document() -> None:
    ids = identities.load()
    station, hq = ids["station"], ids[identities.RECIPIENT]
    clock = StepClock()

    request = json.loads(enrol.write_request(station, clock))
    assert request["format"] == "liaison-desk/enrolment-request" and request["version"] == 1
    assert request["identity"]["role"] == "station"
    assert fingerprint(request["identity"]) == request["identity"]["fingerprint"]
    verify(request, request["identity"])

    approval = json.loads(enrol.write_approval(hq, station.public, clock))
    assert approval["format"] == "liaison-desk/enrolment-approval"
    assert approval["station"] == fingerprint(request["identity"])
    assert fingerprint(approval["hq"]) == hq.fingerprint
    verify(approval, approval["hq"])


def test_the_stored_private_keys_give_the_public_ones() -> None:
    station = identities.load()["station"]
    secrets, public = station.secrets, station.public.to_json()["keys"]

    def point(scalar: bytes) -> bytes:
        key = ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP384R1())
        return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)

    ml = mldsa.MLDSA87PrivateKey.from_seed_bytes(secrets.mldsa87_seed).public_key()
    kem = mlkem.MLKEM1024PrivateKey.from_seed_bytes(secrets.mlkem1024_seed).public_key()
    derived = {
        "ml-dsa-87": ml.public_bytes_raw(),
        "ecdsa-p384": point(secrets.ecdsa_p384),
        "ml-kem-1024": kem.public_bytes_raw(),
        "kem-p384": point(secrets.kem_p384),
    }
    assert {k: base64.b64encode(v).decode() for k, v in derived.items()} == public
    assert [len(secrets.mldsa87_seed), len(secrets.ecdsa_p384)] == [32, 48]
    assert [len(secrets.mlkem1024_seed), len(secrets.kem_p384)] == [64, 48]
