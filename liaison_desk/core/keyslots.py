"""Key slots: the vault's data key, wrapped once per way of opening it (keys.json).

As in LUKS and KeePassXC, the database is encrypted with a random data key that
is never stored in the clear. Each slot wraps it with AES-256-GCM under a key
derived by Argon2id from a secret (the passphrase, or the recovery code). The
slot's header - kind, KDF parameters, salt, vault id - is the associated data,
so a slot whose parameters were lowered by hand no longer unwraps.

Key material lives in bytearrays, written in place by `cryptography` (`derive_into`,
`decrypt_into`) and overwritten by `wipe` once used: a bytes object cannot be wiped, and
its memory keeps the key after it is freed.
"""

from __future__ import annotations

import base64
import json
import os
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from liaison_desk.core.atomic import atomic_write, storage_error
from liaison_desk.core.errors import KeySlotsDamaged, VaultNotFound, VaultSealed, WrongPassphrase
from liaison_desk.core.hq_slot import HqSlot

FORMAT = "liaison-desk-keyslots"
FORMAT_VERSION = 1
DATA_KEY_BYTES = 32
_TAG_BYTES = 16  # AES-GCM's tag, after the wrapped key
SlotKind = Literal["passphrase", "recovery"]
_KINDS: tuple[SlotKind, ...] = ("passphrase", "recovery")

RandomBytes = Callable[[int], bytes]


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The floor guards against a keys.json weakened by hand."""

    memory_kib: int
    iterations: int
    lanes: int

    MIN_MEMORY_KIB = 64 * 1024
    MAX_MEMORY_KIB = 4 * 1024 * 1024
    MAX_ITERATIONS = 64
    MAX_LANES = 16

    @classmethod
    def default(cls) -> KdfParams:
        """256 MiB, 3 passes: about 0.6 s on the laptops we measured (benchmarks/vault.py)."""
        return cls(memory_kib=256 * 1024, iterations=3, lanes=4)

    @classmethod
    def floor(cls) -> KdfParams:
        """The cheapest slot we accept; for tests and the demo vault of fictional data."""
        return cls(memory_kib=cls.MIN_MEMORY_KIB, iterations=1, lanes=4)

    def problem(self) -> str | None:
        """Why these parameters are refused, or None when they are acceptable."""
        if self.memory_kib < self.MIN_MEMORY_KIB:
            return "Argon2id memory below 64 MiB is too weak for a key slot."
        if self.memory_kib > self.MAX_MEMORY_KIB:
            return "Argon2id memory above 4 GiB is more than this machine should be asked for."
        if not 1 <= self.iterations <= self.MAX_ITERATIONS:
            return f"Argon2id passes must be between 1 and {self.MAX_ITERATIONS}."
        if not 1 <= self.lanes <= self.MAX_LANES:
            return f"Argon2id lanes must be between 1 and {self.MAX_LANES}."
        return None

    def derive(self, secret: bytes, salt: bytes) -> bytearray:
        """The wrapping key, in a buffer the caller wipes."""
        key = bytearray(32)
        Argon2id(
            salt=salt,
            length=32,
            iterations=self.iterations,
            lanes=self.lanes,
            memory_cost=self.memory_kib,
        ).derive_into(secret, key)
        return key


def wipe(key: bytearray) -> None:
    """Overwrite key material in place, so the freed memory no longer holds it."""
    key[:] = bytes(len(key))


def normalize_passphrase(passphrase: str) -> bytes:
    """NFC, so the same passphrase typed on two keyboards gives the same bytes."""
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
RECOVERY_BYTES = 20


def new_recovery_code(random_bytes: RandomBytes = os.urandom) -> str:
    """160 random bits as 8 groups of 4 Crockford base32 characters, to write on paper."""
    value = int.from_bytes(random_bytes(RECOVERY_BYTES), "big")
    chars = [_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(RECOVERY_BYTES * 8 // 5))]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, len(chars), 4))


def normalize_recovery_code(code: str) -> bytes:
    """Forgive case, spaces, dashes and the letters people misread (O for 0, I/L for 1)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum()).translate(_CONFUSABLE)
    return cleaned.encode("ascii", errors="replace")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise KeySlotsDamaged(f"keys.json is damaged: {what} is missing.")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise KeySlotsDamaged(f"keys.json is damaged: {what} is not valid.") from exc


@dataclass(frozen=True)
class KeySlot:
    kind: SlotKind
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    wrapped: bytes

    def header(self, vault_id: str) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "vault_id": vault_id,
            "kind": self.kind,
            "kdf": {
                "name": "argon2id",
                "memory_kib": self.kdf.memory_kib,
                "iterations": self.kdf.iterations,
                "lanes": self.kdf.lanes,
            },
            "salt": _b64(self.salt),
        }

    def _aad(self, vault_id: str) -> bytes:
        return json.dumps(self.header(vault_id), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def seal(
        cls,
        kind: SlotKind,
        secret: bytes,
        data_key: bytearray,
        vault_id: str,
        kdf: KdfParams,
        random_bytes: RandomBytes = os.urandom,
    ) -> KeySlot:
        if (problem := kdf.problem()) is not None:
            raise KeySlotsDamaged(problem)
        unsealed = cls(kind, kdf, random_bytes(16), random_bytes(12), b"")
        wrapping_key = kdf.derive(secret, unsealed.salt)
        try:
            wrapped = AESGCM(wrapping_key).encrypt(
                unsealed.nonce, data_key, unsealed._aad(vault_id)
            )
        finally:
            wipe(wrapping_key)
        return replace(unsealed, wrapped=wrapped)

    def open(self, secret: bytes, vault_id: str) -> bytearray:
        """The data key, in a buffer the caller owns and wipes (the vault does, on lock)."""
        wrapping_key = self.kdf.derive(secret, self.salt)
        data_key = bytearray(max(len(self.wrapped) - _TAG_BYTES, 0))
        try:
            AESGCM(wrapping_key).decrypt_into(
                self.nonce, self.wrapped, self._aad(vault_id), data_key
            )
        except InvalidTag:
            wipe(data_key)
            raise WrongPassphrase(
                "The passphrase is wrong."
                if self.kind == "passphrase"
                else "The recovery code is wrong."
            ) from None
        finally:
            wipe(wrapping_key)
        return data_key

    def to_json(self, vault_id: str) -> dict[str, Any]:
        return self.header(vault_id) | {"nonce": _b64(self.nonce), "wrapped": _b64(self.wrapped)}

    @classmethod
    def from_json(cls, raw: object, vault_id: str) -> KeySlot:
        if not isinstance(raw, dict) or raw.get("kind") not in _KINDS:
            raise KeySlotsDamaged("keys.json is damaged: a key slot is not readable.")
        kdf_raw = raw.get("kdf")
        if not isinstance(kdf_raw, dict) or kdf_raw.get("name") != "argon2id":
            raise KeySlotsDamaged("keys.json is damaged: a key slot names an unknown KDF.")
        try:
            kdf = KdfParams(
                memory_kib=int(kdf_raw["memory_kib"]),
                iterations=int(kdf_raw["iterations"]),
                lanes=int(kdf_raw["lanes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KeySlotsDamaged("keys.json is damaged: KDF parameters are missing.") from exc
        if (problem := kdf.problem()) is not None:
            raise KeySlotsDamaged(f"keys.json was altered and is refused: {problem}")
        if raw.get("vault_id") != vault_id:
            raise KeySlotsDamaged("keys.json is damaged: a key slot belongs to another vault.")
        slot = cls(
            kind=raw["kind"],
            kdf=kdf,
            salt=_unb64(raw.get("salt"), "a salt"),
            nonce=_unb64(raw.get("nonce"), "a nonce"),
            wrapped=_unb64(raw.get("wrapped"), "a wrapped key"),
        )
        if len(slot.salt) != 16 or len(slot.nonce) != 12 or len(slot.wrapped) != 48:
            raise KeySlotsDamaged("keys.json is damaged: a key slot has the wrong size.")
        return slot


@dataclass(frozen=True)
class KeyFile:
    """Everything in keys.json: which vault, and the slots that open it.

    `hq` is HQ's slot (`core.hq_slot`), kept apart from `slots` so an older reader,
    which refuses a slot kind it does not know, still reads the file. A vault
    sealed for travel keeps HQ's slot alone (`sealed`, with no other slot).
    """

    vault_id: str
    slots: tuple[KeySlot, ...]
    hq: HqSlot | None = None
    sealed: bool = False

    def slot(self, kind: SlotKind) -> KeySlot:
        if self.sealed:
            raise VaultSealed(
                "This vault is sealed for travel: nothing you know opens it. Ask HQ to "
                "open it for you (liaison-desk travel restore)."
            )
        for slot in self.slots:
            if slot.kind == kind:
                return slot
        raise KeySlotsDamaged(f"keys.json has no {kind} slot.")

    def with_slot(self, new: KeySlot) -> KeyFile:
        kept = tuple(s for s in self.slots if s.kind != new.kind)
        return replace(self, slots=(*kept, new))

    def to_bytes(self) -> bytes:
        body: dict[str, Any] = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "slots": [s.to_json(self.vault_id) for s in self.slots],
        }
        if self.hq is not None:
            body["hq_slot"] = self.hq.to_json()
        if self.sealed:
            body["sealed"] = True
        return (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyFile:
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise KeySlotsDamaged("keys.json is damaged and cannot be read.") from exc
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise KeySlotsDamaged("keys.json is damaged: it is not a Liaison Desk key file.")
        if raw.get("version") != FORMAT_VERSION:
            raise KeySlotsDamaged("keys.json was written by a newer Liaison Desk.")
        vault_id = raw.get("vault_id")
        slots_raw = raw.get("slots")
        hq = HqSlot.from_json(raw["hq_slot"]) if "hq_slot" in raw else None
        sealed = raw.get("sealed") is True and hq is not None
        if not isinstance(vault_id, str) or not isinstance(slots_raw, list):
            raise KeySlotsDamaged("keys.json is damaged: it holds no key slots.")
        if not slots_raw and not sealed:
            raise KeySlotsDamaged("keys.json is damaged: it holds no key slots.")
        slots = () if sealed else tuple(KeySlot.from_json(s, vault_id) for s in slots_raw)
        return cls(vault_id, slots, hq, sealed)


def read_keyfile(path: Path) -> KeyFile:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise VaultNotFound(f"There is no vault in {path.parent}.") from None
    except OSError as exc:
        raise storage_error(exc, path) from exc
    return KeyFile.from_bytes(data)


def write_keyfile(path: Path, keyfile: KeyFile) -> None:
    atomic_write(path, keyfile.to_bytes())
