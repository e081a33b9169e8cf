"""The demo in the window: kept between starts, rebuilt on request, marked DEMO however opened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QRadioButton
from pytestqt.qtbot import QtBot

from liaison_desk.core import audit
from liaison_desk.core.demo import DEMO_PASSPHRASE, create_demo_vault
from liaison_desk.core.records import Contact
from liaison_desk.ui.app import Launcher
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import FAST_KDF
from tests.ui.test_first_run import child


@pytest.fixture
def small_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    vault, _ = create_demo_vault(folder, contacts=10, meetings=10)
    vault.store.add(Contact(full_name="Tried out by a newcomer"))
    vault.lock()
    return folder


def test_a_demo_opened_with_vault_says_demo_and_audits_a_failed_unlock(
    qtbot: QtBot, small_demo: Path, tmp_path: Path, runner: Runner
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    launcher = Launcher(small_demo, tmp_path / "unused-demo", settings, runner, kdf=FAST_KDF)
    launcher.start()
    dialog = launcher.dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    field = child(dialog, QLineEdit, "unlockPassphrase")
    qtbot.keyClicks(field, "not the demo passphrase")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    error = child(dialog, QLabel, "unlockError")
    qtbot.waitUntil(lambda: error.isVisible() and field.isEnabled())

    field.clear()
    qtbot.keyClicks(field, DEMO_PASSPHRASE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: launcher.window is not None)
    window = launcher.window
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    session = window.session

    assert window.windowTitle().startswith("DEMO")
    assert window.vault_label.text().startswith("DEMO")
    heading = child(window.lock_screen, QLabel, "unlockTitle")
    assert heading.text().startswith("DEMO · ")

    with qtbot.waitCallback() as read:
        session.read(lambda vault: audit.entries(vault.conn, 3), read, context=window)
    events = read.args[0]
    assert [e.event for e in events[:2]] == ["unlock", "unlock-failed"]
    assert events[1].detail["attempts"] == 1
    session.lock()


def _open_demo(qtbot: QtBot, demo_dir: Path, runner: Runner, rebuild: bool) -> Session:
    wizard = FirstRunWizard(demo_dir.parent / "vault", demo_dir, runner, kdf=FAST_KDF)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    demo = child(wizard, QRadioButton, "chooseDemo")
    afresh = child(wizard, QCheckBox, "rebuildDemo")
    assert not afresh.isEnabled()
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert afresh.isEnabled()
    if rebuild:
        qtbot.keyClick(afresh, Qt.Key.Key_Space)
    with qtbot.waitSignal(wizard.opened, timeout=60_000) as opened:
        qtbot.keyClick(demo, Qt.Key.Key_Return)
    session = opened.args[0]
    assert isinstance(session, Session)
    return session


def _names(qtbot: QtBot, session: Session) -> list[str]:
    with qtbot.waitCallback() as listed:
        session.read(
            lambda vault: [c.full_name for c in vault.store.list(Contact)], listed, context=session
        )
    names: Any = listed.args[0]
    return list(names)


def test_the_wizard_reopens_the_kept_demo_and_rebuilds_it_on_request(
    qtbot: QtBot, small_demo: Path, runner: Runner
) -> None:
    kept = _open_demo(qtbot, small_demo, runner, rebuild=False)
    assert kept.demo
    names = _names(qtbot, kept)
    assert "Tried out by a newcomer" in names and len(names) == 11
    kept.lock()
    qtbot.waitUntil(lambda: not runner.busy)

    rebuilt = _open_demo(qtbot, small_demo, runner, rebuild=True)
    assert rebuilt.demo
    assert "Tried out by a newcomer" not in _names(qtbot, rebuilt)
    rebuilt.lock()
