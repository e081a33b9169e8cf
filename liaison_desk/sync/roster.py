"""The roster HQ gives its relay: which stations may use it, as a file HQ signs.

The relay trusts nothing but HQ's public identity (given when it starts) and
what HQ signed: each station's public keys and whether it is enrolled or
revoked. Names and posts stay out; the relay needs to know keys, not people.

Each roster carries a sequence number HQ's vault counts up. The relay keeps a
roster until one with a higher number comes, whatever the two say about the
time (`supersedes`): HQ's clock may have run ahead once, and a roster dated a
year ahead must not outrank every revocation made after the clock was set
right. A replayed old roster has a lower number, so it cannot bring a revoked
station back. A roster from before sequence numbers reads as number 0.

Reading and checking a roster is part of the wire format (the relay does it
without a vault); HQ builds and signs one from its vault in `sync.hq_roster`.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.sync.errors import EnrolmentError, RosterError
from liaison_desk.sync.identity import PeerIdentity, Signatures, canonical

CONTEXT = b"liaison-desk/roster/v1"
MAX_ROSTER = 16 * 1024 * 1024
MAX_SEQ = 2**53 - 1  # every JSON reader holds it exactly
UNNUMBERED = 0  # the sequence of a roster from before rosters were numbered
MAX_REASON = 300


@dataclass(frozen=True)
class Roster:
    hq: str
    issued_ms: int
    stations: dict[str, PeerIdentity]  # every station on the roster, by id
    revoked: frozenset[str]
    seq: int = UNNUMBERED
    reasons: dict[str, str] = field(default_factory=dict)  # HQ's reason, per revoked station
    wipe_orders: dict[str, Any] = field(default_factory=dict)  # HQ's signed order, per station

    def active(self, fingerprint: str) -> PeerIdentity | None:
        if fingerprint in self.revoked:
            return None
        return self.stations.get(fingerprint)


def supersedes(new: Roster, held: Roster) -> bool:
    """Whether a relay holding `held` takes `new` in its place.

    A higher sequence number wins, whatever either says about the time; an equal
    or lower one never does. Between two unnumbered rosters (both older than
    sequence numbers) the rule before them holds: any but an older one.
    """
    if new.seq == held.seq == UNNUMBERED:
        return new.issued_ms >= held.issued_ms
    return new.seq > held.seq


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
        seq = _seq(body.get("seq", UNNUMBERED))
        reasons, orders = _notes(body["stations"])
        return Roster(
            str(body["hq"]), int(body["issued_ms"]), stations, revoked, seq, reasons, orders
        )
    except (ValueError, KeyError, TypeError, AttributeError, EnrolmentError) as exc:
        raise RosterError("The roster is damaged.") from exc


def _seq(value: Any) -> int:
    if type(value) is not int or not UNNUMBERED <= value <= MAX_SEQ:
        raise ValueError("a roster's sequence is a whole number")
    return value


def _notes(rows: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """What HQ says of each revoked station: its reason, and the wipe order it is to be
    handed (the relay passes it on; only the station checks it, against its pinned HQ)."""
    reasons: dict[str, str] = {}
    orders: dict[str, Any] = {}
    for row in rows:
        if row["status"] == "enrolled":
            continue
        station = PeerIdentity.from_json(
            {"name": "", "role": "station", "keys": row["keys"]}
        ).fingerprint
        if isinstance(row.get("reason"), str):
            reasons[station] = row["reason"][:MAX_REASON]
        if isinstance(row.get("wipe_order"), dict):
            orders[station] = row["wipe_order"]
    return reasons, orders


def _entries(rows: Any) -> tuple[dict[str, PeerIdentity], frozenset[str]]:
    stations: dict[str, PeerIdentity] = {}
    revoked = set()
    for row in rows:
        identity = PeerIdentity.from_json({"name": "", "role": "station", "keys": row["keys"]})
        stations[identity.fingerprint] = identity
        if row["status"] != "enrolled":
            revoked.add(identity.fingerprint)
    return stations, frozenset(revoked)
