"""HQ's key slot: the vault's data key sealed to HQ's HPKE key, so HQ can help an officer back in.

A third way to open the vault, beside the passphrase and the recovery code, for
an officer who lost both, and for travel mode (the only slot left while the
vault crosses a border). The data key is sealed with HPKE (RFC 9180; the
bundles' suite: ML-KEM-1024+P-384, HKDF-SHA384, AES-256-GCM) to HQ's key, with
the vault's id, the station's and HQ's fingerprints bound as `info`: HQ opens it
only for the vault and station it names (`sync.recovery`). The station alone
cannot open it; HQ alone never holds the slot (it travels to HQ in a recovery
request, made by the officer).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hpke

from liaison_desk.core.errors import KeySlotsDamaged

SUITE = hpke.Suite(hpke.KEM.MLKEM1024_P384, hpke.KDF.HKDF_SHA384, hpke.AEAD.AES_256_GCM)
CONTEXT = b"liaison-desk/hq-slot/v1"
SEALED_BYTES = 1665 + 32 + 16  # the encapsulation, then the data key and its tag
_FINGERPRINT_HEX = 96


def slot_info(vault_id: str, station: str, hq: str) -> bytes:
    """What the seal is bound to: this vault, this station, this HQ."""
    names = {"vault_id": vault_id, "station": station, "hq": hq}
    return CONTEXT + json.dumps(names, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class HqSlot:
    station: str  # the station's fingerprint
    hq: str  # HQ's fingerprint
    sealed: bytes

    @classmethod
    def seal(
        cls,
        data_key: bytearray,
        vault_id: str,
        station: str,
        hq: str,
        hq_key: hpke.MLKEM1024P384PublicKey,
    ) -> HqSlot:
        sealed = SUITE.encrypt(bytes(data_key), hq_key, info=slot_info(vault_id, station, hq))
        return cls(station, hq, sealed)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "hq",
            "station": self.station,
            "hq": self.hq,
            "sealed": base64.b64encode(self.sealed).decode("ascii"),
        }

    @classmethod
    def from_json(cls, raw: object) -> HqSlot:
        try:
            assert isinstance(raw, dict) and raw.get("kind") == "hq"
            station, hq = str(raw["station"]), str(raw["hq"])
            sealed = base64.b64decode(raw["sealed"], validate=True)
        except (AssertionError, KeyError, TypeError, ValueError):
            raise KeySlotsDamaged("keys.json is damaged: HQ's key slot is not readable.") from None
        if (
            len(sealed) != SEALED_BYTES
            or len(station) != _FINGERPRINT_HEX
            or len(hq) != _FINGERPRINT_HEX
        ):
            raise KeySlotsDamaged("keys.json is damaged: HQ's key slot has the wrong size.")
        return cls(station, hq, sealed)
