"""Help in the real window: F1's sheet read from the window's actions, About, Ctrl+1…."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from liaison_desk import __version__
from liaison_desk.ui.help_actions import AboutDialog, ShortcutsDialog
from liaison_desk.ui.main_window import MainWindow

CTRL = Qt.KeyboardModifier.ControlModifier
NATIVE = QKeySequence.SequenceFormat.NativeText


def active(qtbot: QtBot, window: MainWindow) -> None:
    window.activateWindow()  # window shortcuts reach the active window only
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_f1_lists_every_shortcut_the_window_has(qtbot: QtBot, window: MainWindow) -> None:
    active(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.help.dialog
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dialog.rows()
    assert ("Ctrl+K", "Search everything") in rows
    assert ("Ctrl+L", "Lock now") in rows
    assert ("F1", "Keyboard shortcuts") in rows
    assert ("Ctrl+1", "Go to Today") in rows
    assert ("Ctrl+2", "Go to Contacts") in rows
    assert ("Ctrl+N", "New record in the list shown") in rows
    keys = {k for k, _ in rows}
    for action in window.actions():  # whatever is added later is listed too
        for sequence in action.shortcuts():
            assert sequence.toString(NATIVE) in keys, action.text()


def test_about_shows_the_version(qtbot: QtBot, window: MainWindow) -> None:
    window.help.about_action.trigger()
    dialog = window.help.dialog
    assert isinstance(dialog, AboutDialog) and dialog.isVisible()
    text = dialog.details.toPlainText()
    assert text.splitlines()[0] == f"Liaison Desk {__version__}"
    assert "Qt " in text


def test_ctrl_2_switches_section(qtbot: QtBot, window: MainWindow) -> None:
    active(qtbot, window)
    window.sidebar.setCurrentRow(0)
    qtbot.keyClick(window, Qt.Key.Key_2, CTRL)
    assert window.sidebar.currentRow() == 1
    assert window.stack.currentWidget() is window.sections[0]  # Contacts, after Today
    last = window.sidebar.count()
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + last), CTRL)
    assert window.sidebar.currentRow() == last - 1  # the conflicts, last in the sidebar


def test_the_go_menu_follows_the_sidebar_across_a_lock(qtbot: QtBot, window: MainWindow) -> None:
    count = window.sidebar.count()
    assert len(window.help.section_actions) == min(count, 9)
    window.lock()
    assert window.help.section_actions == [] and not window.help.go_menu.isEnabled()
