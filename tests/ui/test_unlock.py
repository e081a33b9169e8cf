"""The lock screen: a wrong passphrase is said plainly, the right one opens, recovery works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QPushButton, QToolButton

from liaison_desk.core.errors import WrongPassphrase
from liaison_desk.core.vault import Vault
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.unlock import UnlockWidget
from tests.conftest import FAST_KDF, PASSPHRASE

NEW_PASSPHRASE = "amber lantern orbit quartz"
Q = TypeVar("Q", bound=QObject)


def child(parent: QObject, cls: type[Q], name: str) -> Q:
    found = parent.findChild(cls, name)
    assert found is not None, name
    return found


@pytest.fixture
def recovery_code(vault_dir: Path) -> str:
    vault, code = Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    vault.lock()
    return code


@pytest.fixture
def locked_session(vault_dir: Path, runner: Runner, recovery_code: str) -> Iterator[Session]:
    session = Session(vault_dir, runner)
    yield session
    session.lock()


@pytest.fixture
def widget(qtbot: Any, locked_session: Session) -> UnlockWidget:
    widget = UnlockWidget(locked_session, title="Paris")
    qtbot.addWidget(widget)
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    return widget


def test_wrong_passphrase_is_said_then_right_one_unlocks(
    qtbot: Any, widget: UnlockWidget, locked_session: Session
) -> None:
    field = child(widget, QLineEdit, "unlockPassphrase")
    error = child(widget, QLabel, "unlockError")
    assert child(widget, QLabel, "unlockTitle").text() == "Paris"
    assert field.hasFocus()

    qtbot.keyClicks(field, "not my passphrase at all")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not field.isEnabled()
    assert not child(widget, QPushButton, "unlockButton").isEnabled()
    assert child(widget, QProgressBar, "unlockBusy").isVisible()
    qtbot.waitUntil(error.isVisible, timeout=20_000)
    assert error.text() == "The passphrase is wrong."
    assert field.text() == "" and field.isEnabled() and field.hasFocus()
    assert not child(widget, QProgressBar, "unlockBusy").isVisible()
    assert not locked_session.is_unlocked

    qtbot.keyClicks(field, PASSPHRASE)
    with qtbot.waitSignal(widget.unlocked, timeout=20_000):
        qtbot.mouseClick(child(widget, QPushButton, "unlockButton"), Qt.MouseButton.LeftButton)
    assert locked_session.is_unlocked
    assert locked_session.info is not None and locked_session.info.name == "Paris"
    assert field.text() == ""
    assert not error.isVisible()


def test_recovery_code_sets_a_new_passphrase_and_unlocks(
    qtbot: Any,
    widget: UnlockWidget,
    locked_session: Session,
    runner: Runner,
    recovery_code: str,
    vault_dir: Path,
) -> None:
    qtbot.mouseClick(child(widget, QPushButton, "forgotPassphrase"), Qt.MouseButton.LeftButton)
    code = child(widget, QLineEdit, "recoveryCodeInput")
    first = child(widget, QLineEdit, "passphrase")
    again = child(widget, QLineEdit, "passphraseAgain")
    recover = child(widget, QPushButton, "recoverButton")
    error = child(widget, QLabel, "unlockError")
    assert code.isVisible() and code.hasFocus()

    qtbot.keyClicks(code, "0000-1111-2222-3333-4444-5555-6666-7777")
    qtbot.keyClicks(first, "too short")
    qtbot.keyClicks(again, "too short")
    assert not recover.isEnabled()
    assert child(widget, QLabel, "strengthReason").isVisible()
    first.clear()
    again.clear()
    qtbot.keyClicks(first, NEW_PASSPHRASE)
    qtbot.keyClicks(again, NEW_PASSPHRASE)
    assert recover.isEnabled()
    qtbot.keyClick(again, Qt.Key.Key_Return)
    qtbot.waitUntil(error.isVisible, timeout=20_000)
    assert error.text() == "The recovery code is wrong."
    assert not locked_session.is_unlocked

    code.clear()
    qtbot.keyClicks(code, recovery_code.lower())
    with qtbot.waitSignal(widget.unlocked, timeout=20_000):
        qtbot.mouseClick(recover, Qt.MouseButton.LeftButton)
    assert locked_session.is_unlocked
    assert code.text() == "" and first.text() == ""
    assert child(widget, QLineEdit, "unlockPassphrase").isVisible()

    locked_session.lock()
    qtbot.waitUntil(lambda: not runner.busy, timeout=20_000)
    Vault.unlock(vault_dir, NEW_PASSPHRASE).lock()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, PASSPHRASE)


def test_the_lock_screen_passphrase_has_show_hide_and_caps_lock_warning(
    qtbot: Any, widget: UnlockWidget
) -> None:
    field = child(widget, QLineEdit, "unlockPassphrase")
    toggle = child(widget, QToolButton, "unlockPassphraseShow")
    warning = child(widget, QLabel, "unlockPassphraseCapsLock")
    qtbot.keyClicks(field, "amber")
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert field.echoMode() == QLineEdit.EchoMode.Normal
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert field.echoMode() == QLineEdit.EchoMode.Password
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    qtbot.keyClick(field, "Q")  # a capital with no Shift held
    assert warning.isVisible() and warning.text() == "Caps Lock is on."
    # the recovery form's new passphrase fields have them too
    for name in ("passphrase", "passphraseAgain"):
        child(widget, QToolButton, f"{name}Show")
        child(widget, QLabel, f"{name}CapsLock")
