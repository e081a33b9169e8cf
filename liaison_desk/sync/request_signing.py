"""Signed relay requests, in the manner of HTTP Message Signatures (RFC 9421).

Every request to the relay covers its method, its path and the SHA-384
`Content-Digest` of its body (RFC 9530), with the time it was made, a random
nonce and the signer's id. It carries two signatures over that one signature
base, labelled `pq` (ML-DSA-87) and `ec` (ECDSA P-384), and both must verify,
as for bundles.

Only one exact serialisation is accepted: both ends are ours, and a strict
form leaves a parser nothing to be lenient about.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from liaison_desk.sync.errors import RequestRefused
from liaison_desk.sync.identity import Identity, PeerIdentity, Signatures

CONTEXT = b"liaison-desk/relay-request/v1"
WINDOW_SECONDS = 300
COMPONENTS = '("@method" "@path" "content-digest")'
TAG = "liaison-desk"
EMPTY_DIGEST = hashlib.sha384(b"").digest()

_PARAMS = re.compile(
    re.escape(COMPONENTS)
    + r';created=(?P<created>[0-9]{1,12});keyid="(?P<keyid>[0-9a-f]{96})"'
    + r';nonce="(?P<nonce>[A-Za-z0-9_-]{22,64})";tag="'
    + TAG
    + '"'
)
_SIGNATURE = re.compile(r"pq=:(?P<pq>[A-Za-z0-9+/]+={0,2}):, ec=:(?P<ec>[A-Za-z0-9+/]+={0,2}):")
_DIGEST = re.compile(r"sha-384=:(?P<d>[A-Za-z0-9+/]{64}):")
MAX_SIGNATURE_HEADER = 8192


def content_digest(sha384: bytes) -> str:
    return f"sha-384=:{base64.b64encode(sha384).decode()}:"


def body_digest(header: str | None) -> bytes:
    """The SHA-384 a `Content-Digest` header declares."""
    match = _DIGEST.fullmatch(header or "")
    if match is None:
        raise RequestRefused("bad-digest", "Content-Digest is missing or not sha-384.")
    return base64.b64decode(match["d"])


def signature_base(method: str, path: str, digest: str, params: str) -> bytes:
    return (
        f'"@method": {method.upper()}\n'
        f'"@path": {path}\n'
        f'"content-digest": {digest}\n'
        f'"@signature-params": {params}'
    ).encode()


def sign_request(
    me: Identity, method: str, path: str, sha384: bytes, now_s: int, nonce: str | None = None
) -> dict[str, str]:
    """The headers that sign one request: Content-Digest, Signature-Input and Signature."""
    digest = content_digest(sha384)
    nonce = nonce or secrets.token_urlsafe(24)
    params = f'{COMPONENTS};created={now_s};keyid="{me.fingerprint}";nonce="{nonce}";tag="{TAG}"'
    signed = me.sign(signature_base(method, path, digest, params), CONTEXT)
    b64 = base64.b64encode
    return {
        "Content-Digest": digest,
        "Signature-Input": f"pq={params}, ec={params}",
        "Signature": f"pq=:{b64(signed.mldsa87).decode()}:, ec=:{b64(signed.ecdsa_p384).decode()}:",
    }


@dataclass(frozen=True)
class SignedClaims:
    """What a request says about itself, before anyone has checked the signatures."""

    keyid: str
    created: int
    nonce: str
    params: str
    signatures: Signatures


def read_claims(signature_input: str | None, signature: str | None) -> SignedClaims:
    if not signature_input or not signature:
        raise RequestRefused("unsigned", "The request is not signed.")
    if len(signature) > MAX_SIGNATURE_HEADER or len(signature_input) > MAX_SIGNATURE_HEADER:
        raise RequestRefused("malformed-signature", "The request's signature is too long.")
    pq, _, ec = signature_input.partition(", ec=")
    params = _PARAMS.fullmatch(ec)
    sigs = _SIGNATURE.fullmatch(signature)
    if params is None or sigs is None or pq != f"pq={ec}":
        raise RequestRefused("malformed-signature", "The request's signature is malformed.")
    try:
        signatures = Signatures(base64.b64decode(sigs["pq"]), base64.b64decode(sigs["ec"]))
    except ValueError:  # binascii.Error: padding that does not add up
        raise RequestRefused(
            "malformed-signature", "The request's signature is malformed."
        ) from None
    return SignedClaims(
        keyid=params["keyid"],
        created=int(params["created"]),
        nonce=params["nonce"],
        params=ec,
        signatures=signatures,
    )


def verify_claims(
    claims: SignedClaims,
    signer: PeerIdentity,
    method: str,
    path: str,
    digest: str,
    now_s: int,
) -> None:
    """Raise RequestRefused unless the request is fresh and both signatures verify."""
    if abs(now_s - claims.created) > WINDOW_SECONDS:
        raise RequestRefused(
            "stale", "The request's time is more than 5 minutes from the relay's clock."
        )
    base = signature_base(method, path, digest, claims.params)
    if not signer.verify(base, claims.signatures, CONTEXT):
        raise RequestRefused("bad-signature", "The request's signatures do not verify.")
