"""The roster HQ gives its relay: which stations may use it, as a file HQ signs.

The relay trusts nothing but HQ's public identity (given when it starts) and
what HQ signed: each station's public keys and whether it is enrolled or
revoked. Names and posts stay out; the relay needs to know keys, not people.
A roster older than the one the relay holds is refused, so an old copy cannot
bring a revoked station back.

Reading and checking a roster is part of the wire format (the relay does it
without a vault); HQ builds and signs one from its vault in `sync.hq_roster`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.sync.errors import EnrolmentError, RosterError
from liaison_desk.sync.identity import PeerIdentity, Signatures, canonical

CONTEXT = b"liaison-desk/roster/v1"
MAX_ROSTER = 16 * 1024 * 1024


@dataclass(frozen=True)
class Roster:
    hq: str
    issued_ms: int
    stations: dict[str, PeerIdentity]  # every station on the roster, by id
    revoked: frozenset[str]

    def active(self, fingerprint: str) -> PeerIdentity | None:
        if fingerprint in self.revoked:
            return None
        return self.stations.get(fingerprint)


def read_roster(data: bytes, hq: PeerIdentity) -> Roster:
    """Parse a roster and check HQ signed it; raise RosterError if not."""
    if len(data) > MAX_ROSTER:
        raise RosterError("The roster is too large.")
    try:
        document = json.loads(data)
        body = document["roster"]
        sigs = document["signatures"]
        signatures = Signatures(
            base64.b64decode(sigs["ml-dsa-87"], validate=True),
            base64.b64decode(sigs["ecdsa-p384"], validate=True),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise RosterError("The roster is damaged.") from exc
    if not hq.verify(canonical(body), signatures, CONTEXT):
        raise RosterError("The roster is not signed by this relay's HQ.")
    try:
        stations, revoked = _entries(body["stations"])
        return Roster(str(body["hq"]), int(body["issued_ms"]), stations, revoked)
    except (ValueError, KeyError, TypeError, EnrolmentError) as exc:
        raise RosterError("The roster is damaged.") from exc


def _entries(rows: Any) -> tuple[dict[str, PeerIdentity], frozenset[str]]:
    stations: dict[str, PeerIdentity] = {}
    revoked = set()
    for row in rows:
        identity = PeerIdentity.from_json({"name": "", "role": "station", "keys": row["keys"]})
        stations[identity.fingerprint] = identity
        if row["status"] != "enrolled":
            revoked.add(identity.fingerprint)
    return stations, frozenset(revoked)
