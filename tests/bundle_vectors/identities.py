"""The fixed identities every test vector is written by and read as.

Their secret seeds are derived from their names (SHAKE-256), so the generator
always recreates the same four vaults' keys; `identities.json` keeps them
beside the vectors for a second implementation to use. They are test material
and protect nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.sync.identity import Identity, PeerIdentity

HERE = Path(__file__).parent
FILE = HERE / "identities.json"
ROLES = {"hq": "hq", "station": "station", "other-station": "station", "revoked-station": "station"}
RECIPIENT = "hq"  # every vector is read as HQ
ENROLLED = {"station": True, "revoked-station": False}  # HQ's peers: name -> still enrolled
_FIELDS = ("mldsa87_seed", "ecdsa_p384", "mlkem1024_seed", "kem_p384")


def _stream(name: str) -> Callable[[int], bytes]:
    """Deterministic 'random' bytes: SHAKE-256 over the name, read on from where it stopped."""
    seed = b"liaison-desk/test-vector-identity/" + name.encode()
    used = 0

    def take(n: int) -> bytes:
        nonlocal used
        out = hashlib.shake_256(seed).digest(used + n)[used:]
        used += n
        return out

    return take


def derive() -> dict[str, Identity]:
    return {
        name: Identity(SecretKeys.generate(_stream(name)), name=name, role=role)
        for name, role in ROLES.items()
    }


def to_json(identities: dict[str, Identity]) -> dict[str, dict[str, str]]:
    return {
        name: {
            "role": identity.public.role,
            "fingerprint": identity.fingerprint,
            **{f: getattr(identity.secrets, f).hex() for f in _FIELDS},
        }
        for name, identity in identities.items()
    }


def load(path: Path = FILE) -> dict[str, Identity]:
    """The identities as committed (what the vectors were written with)."""
    data = json.loads(path.read_text())
    return {
        name: Identity(
            SecretKeys(*(bytes.fromhex(entry[f]) for f in _FIELDS)), name=name, role=entry["role"]
        )
        for name, entry in data.items()
    }


Lookup = Callable[[str], "tuple[PeerIdentity, bool] | None"]


def lookup(identities: dict[str, Identity]) -> Lookup:
    """HQ's peer list: the station enrolled, the revoked station revoked, the other unknown."""
    peers = {identities[n].fingerprint: (identities[n].public, ok) for n, ok in ENROLLED.items()}
    return peers.get
