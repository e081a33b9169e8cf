"""Qt tests run offscreen, against real vaults and real widgets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.vault import Vault
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import FAST_KDF, PASSPHRASE


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal question nobody answers would hang the suite; fail the test instead."""
    from PySide6.QtWidgets import QMessageBox

    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"unexpected modal dialog: {args[2] if len(args) > 2 else args}")

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, unexpected)


@pytest.fixture
def runner(qapp: object) -> Iterator[Runner]:
    r = Runner("test-vault")
    yield r
    r.shutdown()


@pytest.fixture
def session(vault_dir: Path, runner: Runner, qtbot: object) -> Iterator[Session]:
    """An unlocked session over a fresh vault (created at the fast KDF floor)."""
    Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF)[0].lock()
    s = Session(vault_dir, runner)
    s.open(lambda: Vault.unlock(vault_dir, PASSPHRASE), lambda _: None, pytest.fail, s)
    qtbot.waitUntil(lambda: s.is_unlocked, timeout=10_000)  # type: ignore[attr-defined]
    yield s
    s.lock()
