"""The officer's wipe settings, kept beside keys.json: readable while the vault is shut.

Two choices, both off by default: wipe when Panic is pressed (after a
cancellable countdown), and wipe after N failed unlocks in a row (5, 10 or 20).
They must be read before any secret is known (a panic while locked, a wrong
passphrase), so they cannot live in the encrypted vault. They hold no secret
and nothing typed.

Honestly: the failed-unlock wipe protects against someone guessing passphrases
at this laptop's keyboard. Someone who copies the disk guesses against the copy,
where no counter runs; only the passphrase's strength and Argon2id stop them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.errors import ValidationError, VaultLocked

if TYPE_CHECKING:  # the vault reads the policy at each failed unlock
    from liaison_desk.core.vault import Vault

log = logging.getLogger("liaison_desk.vault")

POLICY_FILE = "wipe-policy.json"
FAILURE_LIMITS = (0, 5, 10, 20)  # 0: never wipe after failed unlocks
PANIC_COUNTDOWN_S = 5
_MAX_BYTES = 4096


@dataclass(frozen=True)
class WipePolicy:
    panic_wipe: bool = False
    after_failures: int = 0

    def __post_init__(self) -> None:
        if self.after_failures not in FAILURE_LIMITS:
            raise ValidationError("Wipe after 5, 10 or 20 failed unlocks, or never (0).")


def load_policy(folder: Path) -> WipePolicy:
    """The settings, or the defaults (off) when there are none or they cannot be read."""
    try:
        with open(folder / POLICY_FILE, "rb") as f:
            raw = json.loads(f.read(_MAX_BYTES))
        return WipePolicy(bool(raw["panic_wipe"]), int(raw["after_failures"]))
    except FileNotFoundError:
        return WipePolicy()
    except (OSError, ValueError, KeyError, TypeError, ValidationError):
        log.warning("the wipe settings are unreadable; both wipes are off")
        return WipePolicy()


def save_policy(folder: Path, policy: WipePolicy) -> None:
    atomic_write(folder / POLICY_FILE, json.dumps(asdict(policy)).encode())


def set_policy(vault: Vault, policy: WipePolicy) -> None:
    """Change the settings; only an unlocked vault may (the officer proved who they are)."""
    if vault.locked:
        raise VaultLocked("The vault is locked.")
    save_policy(vault.path, policy)
    vault.audit(
        "wipe-policy-changed",
        panic_wipe=int(policy.panic_wipe),
        after_failures=policy.after_failures,
    )
