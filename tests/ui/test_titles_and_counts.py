"""The station's name on every window and dialog, and counts that read as English."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, FollowUp, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.ui.app import Launcher, UnlockDialog
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.preferences import PreferencesDialog
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.ui.on_screen import REAL_QUESTION
from tests.ui.vault_work import on_vault


def test_counts_say_one_contact_and_leave_done_follow_ups_out(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    def work(vault: Vault) -> None:
        vault.store.add(Contact(full_name="Hélène Girard"))
        vault.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T10:00Z"))
        vault.store.add(FollowUp(action="Send the agenda"))
        vault.store.add(FollowUp(action="Book the room", status="done"))

    on_vault(qtbot, session, work)
    session.changed.emit("followup")
    qtbot.waitUntil(
        lambda: window.counts_label.text() == "1 contact · 1 meeting · 1 open follow-up"
    )
    contacts = window.sections[0]
    qtbot.waitUntil(lambda: contacts.count_label.text() == "1 contact")
    followups = window.sections[3]
    qtbot.waitUntil(lambda: followups.count_label.text() == "1 follow-up")


def test_every_dialog_over_the_window_names_the_station(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert window.windowTitle() == "Paris — Liaison Desk"
    seen: list[str] = []

    def answer() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, PreferencesDialog | QMessageBox) and widget.isVisible():
                seen.append(widget.windowTitle())
                widget.reject()

    QTimer.singleShot(0, answer)
    window.edit_prefs()
    assert seen == ["Preferences — Paris"]

    monkeypatch.setattr(QMessageBox, "question", REAL_QUESTION)
    contacts = window.sections[0]
    contacts.new_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    contacts.editor.fields["full_name"].set("Hélène Girard")
    contacts.editor.changed.emit()
    QTimer.singleShot(0, answer)
    assert not window._settle_unsaved("Lock the vault")  # cancelled: nothing locks
    assert seen[-1] == "Lock the vault — Paris"
    contacts.discard_changes()


def test_the_unsaved_question_names_the_section_in_a_sentence(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts: list[str] = []

    def question(parent: object, title: str, text: str, *rest: object) -> object:
        texts.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", question)
    contacts = window.sections[0]
    contacts.new_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    contacts.editor.fields["full_name"].set("Hélène Girard")
    window.lock()
    assert texts == ["Unsaved changes in Contacts. Save them first?"]
    contacts.discard_changes()


def test_start_up_unlock_names_no_station_and_none_is_kept_outside_the_vault(
    qtbot: QtBot, vault_dir: Path, tmp_path: Path, runner: Runner, session: Session
) -> None:
    """The name is inside the encryption: neither the dialog nor the settings file beside
    it tell a lost laptop's finder which station it serves, nor does the folder's name."""
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    for _ in range(2):  # and after an unlock here, still nothing
        launcher = Launcher(vault_dir, tmp_path / "demo", settings, runner)
        launcher.start()
        dialog = launcher.dialog
        assert isinstance(dialog, UnlockDialog)
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "Unlock — Liaison Desk"
        heading = dialog.findChild(QLabel, "unlockTitle")
        assert heading is not None and heading.text() == "Liaison Desk"
        assert vault_dir.name not in dialog.windowTitle() + heading.text()
        launcher.show_main(session)  # what an unlock leads to
        assert launcher.window is not None
        qtbot.addWidget(launcher.window)
        launcher.window.close()
    settings.sync()
    assert b"Paris" not in (tmp_path / "settings.ini").read_bytes()
