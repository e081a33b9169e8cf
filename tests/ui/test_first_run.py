"""The first-run wizard, driven as an officer would: keyboard first, real vaults, real Argon2id."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QWizard,
)

from liaison_desk.core.demo_people import STATION_NAME
from liaison_desk.core.kinds import MEETING
from liaison_desk.core.passphrase_policy import weakness
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import DB_FILE, KEY_FILE, Vault
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.record_fields import load_edit_state
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.ui.vault_work import on_vault

Q = TypeVar("Q", bound=QObject)
NEXT = QWizard.WizardButton.NextButton
FINISH = QWizard.WizardButton.FinishButton


def child(parent: QObject, cls: type[Q], name: str) -> Q:
    found = parent.findChild(cls, name)
    assert found is not None, name
    return found


@pytest.fixture
def wizard(qtbot: Any, vault_dir: Path, tmp_path: Path, runner: Runner) -> FirstRunWizard:
    wizard = FirstRunWizard(vault_dir, tmp_path / "demo", runner, kdf=FAST_KDF)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitExposed(wizard)
    return wizard


def fill_in_and_create(qtbot: Any, wizard: FirstRunWizard, name: str) -> None:
    """Welcome, passphrase and station pages, with Enter to move on as a user would."""
    qtbot.keyClick(child(wizard, QRadioButton, "chooseCreate"), Qt.Key.Key_Return)
    qtbot.keyClicks(child(wizard, QLineEdit, "passphrase"), PASSPHRASE)
    again = child(wizard, QLineEdit, "passphraseAgain")
    qtbot.keyClicks(again, PASSPHRASE)
    qtbot.keyClick(again, Qt.Key.Key_Return)
    qtbot.keyClick(child(wizard, QRadioButton, "roleHq"), Qt.Key.Key_Space)
    station = child(wizard, QLineEdit, "stationName")
    qtbot.keyClicks(station, name)
    assert wizard.button(NEXT).text().replace("&", "") == "Create the vault"
    qtbot.keyClick(station, Qt.Key.Key_Return)


def test_create_vault_with_confirmed_recovery_code(
    qtbot: Any, wizard: FirstRunWizard, vault_dir: Path, runner: Runner, monkeypatch: Any
) -> None:
    creating_threads: list[threading.Thread] = []
    real_create = Vault.create

    def create(*args: Any, **kwargs: Any) -> tuple[Vault, str]:
        creating_threads.append(threading.current_thread())
        return real_create(*args, **kwargs)

    monkeypatch.setattr(Vault, "create", create)
    fill_in_and_create(qtbot, wizard, "Defence section, Paris")

    code_label = child(wizard, QLabel, "recoveryCode")
    qtbot.waitUntil(lambda: code_label.text() != "", timeout=20_000)
    assert creating_threads and creating_threads[0] is not threading.main_thread()
    assert (vault_dir / DB_FILE).is_file() and (vault_dir / KEY_FILE).is_file()
    assert child(wizard, QLineEdit, "passphrase").text() == ""
    code = code_label.text()
    last_group = code.rsplit("-", 1)[-1]
    finish = wizard.button(FINISH)
    assert not finish.isEnabled()

    qtbot.keyClick(child(wizard, QCheckBox, "recoveryWritten"), Qt.Key.Key_Space)
    assert not finish.isEnabled()
    confirm = child(wizard, QLineEdit, "recoveryLastGroup")
    qtbot.keyClicks(confirm, last_group[:3])
    assert not finish.isEnabled()
    qtbot.keyClicks(confirm, last_group[3].lower())
    assert finish.isEnabled()

    with qtbot.waitSignal(wizard.opened, timeout=20_000) as opened:
        qtbot.keyClick(confirm, Qt.Key.Key_Return)
    session = opened.args[0]
    assert isinstance(session, Session)
    assert session.is_unlocked and not session.demo
    assert session.info is not None
    assert (session.info.name, session.info.role) == ("Defence section, Paris", "hq")

    session.lock()
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    Vault.recover(vault_dir, code, "a brand new passphrase", kdf=FAST_KDF).lock()
    Vault.unlock(vault_dir, "a brand new passphrase").lock()


def test_weak_or_mismatched_passphrase_keeps_next_disabled(
    qtbot: Any, wizard: FirstRunWizard
) -> None:
    wizard.next()
    first = child(wizard, QLineEdit, "passphrase")
    again = child(wizard, QLineEdit, "passphraseAgain")
    reason = child(wizard, QLabel, "strengthReason")
    mismatch = child(wizard, QLabel, "mismatch")
    meter = child(wizard, QProgressBar, "strengthMeter")
    next_button = wizard.button(NEXT)

    qtbot.keyClicks(first, "password1234")
    qtbot.keyClicks(again, "password1234")
    problem = weakness("password1234")
    assert problem is not None and reason.isVisible()
    assert reason.text() == f"Weak: {problem}"
    assert "very common password" in reason.text()
    assert meter.value() < 3
    assert not next_button.isEnabled()

    first.clear()
    again.clear()
    qtbot.keyClicks(first, PASSPHRASE)
    qtbot.keyClicks(again, PASSPHRASE + "!")
    assert reason.text().startswith("Very strong: about centuries to guess")
    assert meter.value() >= 3
    assert mismatch.isVisible() and mismatch.text() == "The two passphrases differ."
    assert not next_button.isEnabled()

    qtbot.keyClick(again, Qt.Key.Key_Backspace)
    assert not mismatch.isVisible()
    assert next_button.isEnabled()


def test_creation_error_is_a_sentence_and_can_be_retried(
    qtbot: Any, wizard: FirstRunWizard, vault_dir: Path
) -> None:
    vault_dir.mkdir()
    stray = vault_dir / "notes.txt"
    stray.write_text("not a vault")
    fill_in_and_create(qtbot, wizard, "Paris")

    error = child(wizard.currentPage(), QLabel, "workError")
    qtbot.waitUntil(error.isVisible, timeout=20_000)
    assert "not empty" in error.text()
    assert not wizard.button(FINISH).isEnabled()

    stray.unlink()
    qtbot.mouseClick(
        child(wizard.currentPage(), QPushButton, "tryAgain"), Qt.MouseButton.LeftButton
    )
    code_label = child(wizard, QLabel, "recoveryCode")
    qtbot.waitUntil(lambda: code_label.text() != "", timeout=20_000)
    assert not error.isVisible()


def test_demo_replaces_an_old_demo_and_opens_fictional_data(
    qtbot: Any, wizard: FirstRunWizard, tmp_path: Path
) -> None:
    demo_dir = tmp_path / "demo"
    Vault.create(demo_dir, PASSPHRASE, name="Last week's demo", kdf=FAST_KDF)[0].lock()

    demo = child(wizard, QRadioButton, "chooseDemo")
    qtbot.keyClick(demo, Qt.Key.Key_Space)
    assert wizard.button(NEXT).text().replace("&", "") == "Open the demo"
    with qtbot.waitSignal(wizard.opened, timeout=60_000) as opened:
        qtbot.keyClick(demo, Qt.Key.Key_Return)
        assert child(wizard.currentPage(), QProgressBar, "workBusy").isVisible()
    session = opened.args[0]
    assert isinstance(session, Session)
    assert session.demo and session.vault_dir == demo_dir
    assert session.info is not None and session.info.name == STATION_NAME
    assert session.info.demo
    assert not wizard.isVisible()

    with qtbot.waitCallback(timeout=20_000) as counted:
        session.read(lambda vault: vault.store.count(Contact), counted, context=session)
    counted.assert_called_with(300)
    session.lock()


def test_the_station_zone_asked_at_creation_is_where_new_meetings_are_read(
    qtbot: Any, wizard: FirstRunWizard, vault_dir: Path, runner: Runner
) -> None:
    qtbot.keyClick(child(wizard, QRadioButton, "chooseCreate"), Qt.Key.Key_Return)
    qtbot.keyClicks(child(wizard, QLineEdit, "passphrase"), PASSPHRASE)
    again = child(wizard, QLineEdit, "passphraseAgain")
    qtbot.keyClicks(again, PASSPHRASE)
    qtbot.keyClick(again, Qt.Key.Key_Return)
    qtbot.keyClicks(child(wizard, QLineEdit, "stationName"), "Tokyo")
    zone = child(wizard, QComboBox, "stationZone")
    zone.setCurrentText("Asia/Nowhere")
    assert not wizard.button(NEXT).isEnabled()  # not a zone: cannot go on
    zone.setCurrentText("Asia/Tokyo")
    assert wizard.button(NEXT).isEnabled()
    wizard.next()
    code_label = child(wizard, QLabel, "recoveryCode")
    qtbot.waitUntil(lambda: code_label.text() != "", timeout=20_000)
    session = wizard._create.session
    state = on_vault(qtbot, session, lambda v: load_edit_state(v, MEETING, None, None))
    assert state.blank["timezone"] == "Asia/Tokyo"  # a new meeting's zone, as the editor opens
    wizard.reject()
