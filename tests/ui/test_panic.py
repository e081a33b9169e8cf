"""Panic in the window: Ctrl+Shift+L locks at once; a wipe only where chosen, and cancellable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel
from pytestqt.qtbot import QtBot

from liaison_desk.core.panic import request_lock
from liaison_desk.core.vault import Vault
from liaison_desk.core.wipe_policy import WipePolicy, save_policy
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.panic_actions import PanicCountdown
from liaison_desk.ui.session import Session
from tests.conftest import PASSPHRASE

PANIC = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture(autouse=True)
def quick_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    """A countdown second lasts 20 ms here: the test passes time instead of waiting for it."""
    monkeypatch.setattr(PanicCountdown, "TICK_MS", 20)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_the_shortcut_locks_at_once_and_wipes_nothing_by_default(
    qtbot: QtBot, window: MainWindow, session: Session, vault_dir: Path
) -> None:
    qtbot.keyClick(window, Qt.Key.Key_L, PANIC)

    assert not session.is_unlocked
    assert window.pages.currentIndex() == 1
    assert window.sections == []
    qtbot.wait(200)  # a countdown, if one were coming, would be open by now
    assert window.panic.countdown is None
    Vault.unlock(vault_dir, PASSPHRASE).lock()


def test_where_enabled_the_countdown_runs_out_and_the_vault_is_wiped(
    qtbot: QtBot, window: MainWindow, session: Session, vault_dir: Path
) -> None:
    save_policy(vault_dir, WipePolicy(panic_wipe=True))
    with qtbot.waitSignal(window.panic.wiped):
        window.panic.action.trigger()
        assert not session.is_unlocked
        qtbot.waitUntil(lambda: window.panic.countdown is not None)
        text = window.panic.countdown.findChild(QLabel, "panicCountdownText")
        assert text is not None and re.search(r"wiped in [1-5] s", text.text())

    assert list(vault_dir.iterdir()) == []
    assert window.lock_label.text() == "Wiped"
    assert not window.lock_screen.isEnabled()
    assert "was wiped" in window.statusBar().currentMessage()


def test_cancel_keeps_the_vault_locked_and_intact(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    vault_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    save_policy(vault_dir, WipePolicy(panic_wipe=True))
    # This one the officer cancels long before it runs out.
    monkeypatch.setattr(PanicCountdown, "TICK_MS", 60_000)
    window.panic.action.trigger()
    qtbot.waitUntil(lambda: window.panic.countdown is not None)
    qtbot.waitUntil(lambda: not session.runner.busy)
    kept = _files(vault_dir)
    countdown = window.panic.countdown
    assert countdown is not None
    buttons = countdown.findChild(QDialogButtonBox)
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    assert window.panic.countdown is None
    assert "Wipe cancelled" in window.statusBar().currentMessage()
    qtbot.wait(100)
    assert _files(vault_dir) == kept
    Vault.unlock(vault_dir, PASSPHRASE).lock()


def test_liaison_desk_panic_from_another_process_locks_the_window(
    qtbot: QtBot, window: MainWindow, session: Session, vault_dir: Path
) -> None:
    request_lock(vault_dir)  # what `liaison-desk panic` leaves for the window

    qtbot.waitUntil(lambda: not session.is_unlocked)
    assert window.pages.currentIndex() == 1
    qtbot.waitUntil(lambda: not (vault_dir / "panic-request").exists())
