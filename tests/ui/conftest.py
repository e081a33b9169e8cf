"""Qt tests run offscreen, against real vaults and real widgets."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
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


PATIENCE_MS = 20_000


@pytest.fixture(autouse=True)
def patient_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Vault work runs on a worker thread: on a loaded 2-core CI machine it can take more
    than pytest-qt's 5 s default. A wait that succeeds returns as soon as it does."""
    from pytestqt.qtbot import QtBot

    wait_until, wait_signal = QtBot.waitUntil, QtBot.waitSignal

    def patient_until(self: QtBot, callback: object, *, timeout: int = PATIENCE_MS) -> None:
        wait_until(self, callback, timeout=timeout)  # type: ignore[arg-type]

    def patient_signal(
        self: QtBot, *args: object, timeout: int = PATIENCE_MS, **kw: object
    ) -> object:
        return wait_signal(self, *args, timeout=timeout, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(QtBot, "waitUntil", patient_until)
    monkeypatch.setattr(QtBot, "waitSignal", patient_signal)


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


@pytest.fixture
def window(qtbot: QtBot, session: Session, tmp_path: Path) -> MainWindow:
    """The main window over `session`, its settings in a file of the test's own."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.sections) and win.counts_label.text() != "")
    return win
