"""Shared fixtures: real vaults in tmp_path, at the Argon2id floor so tests stay fast."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.vault import Vault

PASSPHRASE = "saffron lighthouse quarry mosaic"
FAST_KDF = KdfParams.floor()


class StepClock:
    """A clock that moves only when told to (each reading advances by `step` ms)."""

    def __init__(self, start_ms: int = 1_780_000_000_000, step: int = 1) -> None:
        self.ms = start_ms
        self.step = step

    def now_ms(self) -> int:
        self.ms += self.step
        return self.ms


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def created(vault_dir: Path) -> Iterator[tuple[Vault, str]]:
    """A fresh vault and its recovery code."""
    vault, code = Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF, clock=StepClock())
    yield vault, code
    vault.lock()


@pytest.fixture
def vault(created: tuple[Vault, str]) -> Vault:
    return created[0]
