"""The Vault menu in the real window: passphrase change, backup and restore, the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QMainWindow, QMenu
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, Meeting, Participant
from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.session import Session
from liaison_desk.ui.vault_dialogs import ChangePassphraseDialog, RestoreDialog
from tests.conftest import PASSPHRASE
from tests.ui.vault_work import on_vault

NEW_PASSPHRASE = "violet anchor gravel tundra 47"


def unlock_with(qtbot: QtBot, window: MainWindow, passphrase: str) -> None:
    field = window.lock_screen.findChild(QLineEdit, "unlockPassphrase")
    assert field is not None
    qtbot.waitUntil(field.isEnabled)
    qtbot.keyClicks(field, passphrase)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_changed_passphrase_opens_the_vault_and_the_old_one_is_refused(
    qtbot: QtBot, window: MainWindow
) -> None:
    tools = window.vault_tools
    tools.passphrase_action.trigger()
    dialog = tools.dialog
    assert isinstance(dialog, ChangePassphraseDialog) and dialog.isVisible()
    first = dialog.form.findChild(QLineEdit, "passphrase")
    again = dialog.form.findChild(QLineEdit, "passphraseAgain")
    assert first is not None and again is not None
    qtbot.keyClicks(dialog.current, "not the passphrase")
    qtbot.keyClicks(first, NEW_PASSPHRASE)
    qtbot.keyClicks(again, NEW_PASSPHRASE)
    assert dialog.change_button.isEnabled()
    dialog.change_button.click()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    assert "wrong" in dialog.error.text().lower() and dialog.isVisible()

    dialog.current.clear()
    qtbot.keyClicks(dialog.current, PASSPHRASE)
    dialog.change_button.click()
    qtbot.waitUntil(lambda: "Passphrase changed" in window.statusBar().currentMessage())
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog))  # closed, gone with its secrets

    window.lock()
    unlock_with(qtbot, window, PASSPHRASE)
    error = window.lock_screen.findChild(QLabel, "unlockError")
    assert error is not None
    qtbot.waitUntil(error.isVisible)
    assert window.pages.currentIndex() == 1  # still locked
    unlock_with(qtbot, window, NEW_PASSPHRASE)
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 0 and bool(window.sections))


def test_a_backup_restored_into_a_new_folder_opens_on_the_same_records(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def add(vault: Vault) -> tuple[str, str]:
        contact = vault.store.add(Contact(full_name="Hélène Girard"))
        meeting = vault.store.add(Meeting(title="Staff talks", starts_at="2026-03-14T10:00Z"))
        vault.store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
        return contact.id, meeting.id

    contact_id, meeting_id = on_vault(qtbot, session, add)
    backup = tmp_path / "usb" / "paris"
    backup.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(backup), ""))
    tools = window.vault_tools
    tools.backup_action.trigger()
    qtbot.waitUntil(lambda: "Backup written" in window.statusBar().currentMessage())
    written = backup.with_suffix(".ldbackup")
    assert written.stat().st_size > 0 and tools.progress is None

    tools.restore_action.trigger()
    dialog = tools.dialog
    assert isinstance(dialog, RestoreDialog)
    restored = tmp_path / "restored"
    dialog.source.setText(str(written))
    dialog.dest.setText(str(restored))
    qtbot.keyClicks(dialog.secret, "not the passphrase")
    dialog.restore_button.click()
    qtbot.waitUntil(dialog.error.isVisible)
    assert "does not open this backup" in dialog.error.text() and not restored.exists()
    qtbot.keyClicks(dialog.secret, PASSPHRASE)
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: len(tools.windows) == 1)
    other = tools.windows[0]
    assert isinstance(other, MainWindow) and other.session.vault_dir == restored
    qtbot.waitUntil(lambda: bool(other.sections) and other.sections[0].model.rowCount() == 1)
    contacts, meetings = other.sections[0].model, other.sections[2].model
    qtbot.waitUntil(lambda: meetings.rowCount() == 1)
    assert [contacts.record_at(0).id, meetings.record_at(0).id] == [contact_id, meeting_id]
    other.open_record("meeting", meeting_id)
    section = other.sections[2]
    qtbot.waitUntil(lambda: section.detail.detail is not None)
    assert [p.contact.id for p in section.detail.detail.people] == [contact_id]
    other.close()
    qtbot.waitUntil(lambda: not tools.windows)


def test_the_demo_opens_from_the_vault_menu_marked_demo(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    tools = window.vault_tools
    tools.demo_dir = tmp_path / "demo"
    tools.demo_action.trigger()
    qtbot.waitUntil(lambda: len(tools.windows) == 1, timeout=60_000)
    demo = tools.windows[0]
    assert isinstance(demo, QMainWindow)
    assert demo.windowTitle().startswith("DEMO")
    assert window.windowTitle().startswith("Paris")  # the officer's own window is unchanged
    demo.close()
    qtbot.waitUntil(lambda: not tools.windows)


def test_the_vault_menu_holds_the_tools_before_quit(window: MainWindow) -> None:
    menu = window.menuBar().actions()[0].menu()
    assert isinstance(menu, QMenu)
    texts = [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]
    assert texts[-5:] == [
        "Change passphrase…",
        "Back up the vault…",
        "Restore a backup…",
        "Open the demo vault",
        "Quit",
    ]
    window.lock()
    assert not window.vault_tools.backup_action.isEnabled()
    assert window.vault_tools.restore_action.isEnabled()  # a backup restores into a new folder
