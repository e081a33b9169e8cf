"""A vault damaged mid-file: the window gives the sentence, not "Something went wrong"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import PASSPHRASE
from tests.damaged_vault import SENTENCE, make_damaged_vault


@pytest.fixture
def damaged_session(tmp_path: Path, runner: Runner, qtbot: QtBot) -> Iterator[Session]:
    folder = tmp_path / "vault"
    make_damaged_vault(folder)
    session = Session(folder, runner)
    session.open(lambda: Vault.unlock(folder, PASSPHRASE), lambda _: None, pytest.fail, session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    yield session
    session.lock()


def test_the_contacts_list_of_a_damaged_vault_shows_the_sentence(
    qtbot: QtBot, damaged_session: Session, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(damaged_session, settings)
    qtbot.addWidget(win)
    shown: list[str] = []
    win.statusBar().messageChanged.connect(shown.append)
    win.show()
    qtbot.waitUntil(lambda: bool(win.sections))
    contacts = win.sections[0]
    assert contacts.title == "Contacts"
    qtbot.waitUntil(lambda: SENTENCE in shown)
    assert contacts.model.rowCount() == 0
    assert not [m for m in shown if "went wrong" in m]
