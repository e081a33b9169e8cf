"""Seal for travel in the window: explained before, the vault sealed after, and said at start."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core.errors import VaultSealed
from liaison_desk.core.vault import Vault
from liaison_desk.sync.recovery import is_sealed
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.unlock import UnlockWidget
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, make_vault


@pytest.fixture
def enrolled_dir(tmp_path: Path) -> Path:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Lagos")
    enrol_station(hq, station)  # HQ's policy: a slot HQ can open
    hq.lock()
    station.lock()
    return station.path


def test_the_window_explains_then_seals_and_the_lock_screen_says_so(
    qtbot: QtBot,
    enrolled_dir: Path,
    runner: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from PySide6.QtCore import QSettings

    session = Session(enrolled_dir, runner)
    session.open(
        lambda: Vault.unlock(enrolled_dir, PASSPHRASE), lambda _: None, pytest.fail, session
    )
    qtbot.waitUntil(lambda: session.is_unlocked)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    asked: list[str] = []

    def no(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    window.travel.action.trigger()
    assert "nothing you know or carry opens this vault" in asked[0]
    assert session.is_unlocked and not is_sealed(enrolled_dir)

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(window.travel.sealed):
        window.travel.action.trigger()
    assert not session.is_unlocked
    assert is_sealed(enrolled_dir)
    error = window.lock_screen.findChild(QLabel, "unlockError")
    assert error is not None and "sealed for travel" in error.text()
    with pytest.raises(VaultSealed):
        Vault.unlock(enrolled_dir, PASSPHRASE)


def test_a_sealed_vault_says_so_at_start(qtbot: QtBot, enrolled_dir: Path, runner: Runner) -> None:
    from liaison_desk.sync.recovery import seal_keyfile

    seal_keyfile(enrolled_dir)
    widget = UnlockWidget(Session(enrolled_dir, runner), title="Lagos")
    qtbot.addWidget(widget)
    widget.show()
    error = widget.findChild(QLabel, "unlockError")
    assert error is not None and error.isVisible()
    assert "sealed for travel" in error.text()
    field = widget.findChild(QLineEdit, "unlockPassphrase")
    assert field is not None and not field.isEnabled()
