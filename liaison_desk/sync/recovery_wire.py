"""The recovery request and grant as files: what HQ's relay may read of them as well.

The relay passes requests and grants between a locked-out station and HQ
(`relay.recovery_box`); it checks their form and who they name with this module
alone, without the vault. The cryptography that opens anything is in
`sync.recovery`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from liaison_desk.sync.errors import EnrolmentError, RecoveryError
from liaison_desk.sync.identity import PeerIdentity, canonical

REQUEST = "liaison-desk/recovery-request"
GRANT = "liaison-desk/recovery-grant"
MAX_FILE = 64 * 1024


def request_code(digest: str) -> str:
    """The request's first 80 bits, in groups of four: read aloud to HQ."""
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


def read_request(data: bytes) -> tuple[dict[str, Any], str]:
    """A request's body and digest, checked for form."""
    body = read_document(data, REQUEST, "recovery request")
    try:
        for key in ("vault_id", "station", "hq", "hq_slot", "created"):
            assert isinstance(body[key], str)
        assert isinstance(body["reply"]["ml-kem-1024"], str)
        assert isinstance(body["reply"]["kem-p384"], str)
    except (AssertionError, KeyError, TypeError):
        raise RecoveryError("This recovery request is damaged.") from None
    return body, hashlib.sha256(canonical(body)).hexdigest()


def reply_identity(body: dict[str, Any]) -> PeerIdentity:
    """The key a request names for its reply: who may fetch its grant from the relay."""
    try:
        return PeerIdentity.from_json(
            {"name": "recovery request", "role": "station", "keys": body["reply"]}
        )
    except (EnrolmentError, KeyError, TypeError):
        raise RecoveryError("This recovery request names no usable reply key.") from None


def read_grant(data: bytes) -> tuple[str, str]:
    """The station and the request digest a grant names (its form only; nothing verified)."""
    body = read_document(data, GRANT, "recovery grant")
    station, request = body.get("station"), body.get("request")
    if not isinstance(station, str) or not isinstance(request, str):
        raise RecoveryError("This recovery grant is damaged.")
    return station, request


def read_document(data: bytes, kind: str, what: str) -> dict[str, Any]:
    if len(data) > MAX_FILE:
        raise RecoveryError(f"This file is too large to be a {what}.")
    try:
        body = json.loads(data)
    except ValueError:
        raise RecoveryError(f"This is not a {what}, or it is damaged.") from None
    if not isinstance(body, dict) or body.get("format") != kind:
        raise RecoveryError(f"This is not a {what}.")
    if body.get("version") != 1:
        raise RecoveryError(f"This {what} was written by a newer Liaison Desk.")
    return body
