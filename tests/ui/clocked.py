"""A session over a vault whose clock stands still, for what the GUI derives from "now"."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.station_zone import set_station_zone
from liaison_desk.core.vault import Vault
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock


def clocked_session(
    qtbot: QtBot, vault_dir: Path, runner: Runner, now_ms: int, zone: str | None = None
) -> Session:
    """An unlocked session whose vault reads `now_ms` as the time, at a station in `zone`."""
    vault = Vault.create(vault_dir, PASSPHRASE, name="Station", kdf=FAST_KDF)[0]
    if zone is not None:
        set_station_zone(vault.store, zone)
    vault.lock()
    session = Session(vault_dir, runner)
    clock = StepClock(now_ms, step=0)
    session.open(
        lambda: Vault.unlock(vault_dir, PASSPHRASE, clock=clock),
        lambda _: None,
        lambda e: pytest.fail(e.message),
        session,
    )
    qtbot.waitUntil(lambda: session.is_unlocked)
    return session
