"""No Alt+letter is offered twice in one window: every form, section, menu and dialog."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.period_dialog import PeriodReportDialog
from liaison_desk.ui.preferences import Preferences, PreferencesDialog
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.search_dialog import SearchDialog
from liaison_desk.ui.session import Session
from liaison_desk.ui.unlock import UnlockWidget
from tests.conftest import FAST_KDF
from tests.ui.mnemonics import clashes, mnemonic, offered


def test_mnemonic_reading() -> None:
    assert mnemonic("&Name") == "n"
    assert mnemonic("Import && &Export") == "e"
    assert mnemonic("Save") is None


def test_every_section_and_editor_of_the_main_window(qtbot: QtBot, window: MainWindow) -> None:
    """Each section as shown, then with its editor open, under the window's menus."""
    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        page = window.stack.currentWidget()
        assert clashes(window) == {}, window.sidebar.item(row).text()
        if isinstance(page, RecordSection) and not page.read_only:
            page.new_record()
            qtbot.waitUntil(lambda page=page: page.stack.currentWidget() is page.editor)
            found = clashes(window)
            assert found == {}, f"{page.title} editor: {found}"
            page.discard_changes()


def test_each_tab_of_the_contact_form_offers_each_letter_once(
    qtbot: QtBot, window: MainWindow
) -> None:
    """The clashes officers met: Alt+N, Alt+T, Alt+O each reached two places. A field's
    letter acts on the tab shown; the tabs' own letters act everywhere in the form."""
    contacts = window.sections[0]
    window.open_section(contacts)
    contacts.new_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    tabs = contacts.editor.tabs
    assert tabs is not None
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        assert clashes(window) == {}, tabs.tabText(index)
    tabs.setCurrentIndex(0)
    letters = offered(window)
    assert letters["n"] == ["&Name"]
    assert letters["o"] == ["&Organization"]
    assert letters["y"] == ["Countr&y"]
    assert letters["t"] == ["No&tes"]


def test_alt_letters_open_a_tab_then_reach_its_fields(qtbot: QtBot, window: MainWindow) -> None:
    contacts = window.sections[0]
    window.open_section(contacts)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    contacts.new_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    tabs = contacts.editor.tabs
    assert tabs is not None
    name = contacts.editor.fields["full_name"].widget
    qtbot.waitUntil(name.hasFocus)

    qtbot.keyClick(name, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert tabs.tabText(tabs.currentIndex()) == "No&tes"
    focus = QApplication.focusWidget()
    assert focus is not None
    qtbot.keyClick(focus, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert contacts.editor.fields["notes"].widget.hasFocus()
    contacts.discard_changes()


def test_wizard_pages(qtbot: QtBot, tmp_path: Path, runner: Runner) -> None:
    """Welcome, passphrase and station pages (the next one creates a vault)."""
    wizard = FirstRunWizard(tmp_path / "vault", tmp_path / "demo", runner, kdf=FAST_KDF)
    qtbot.addWidget(wizard)
    wizard.show()
    titles = []
    for page in range(3):
        titles.append(wizard.currentPage().title())
        assert clashes(wizard) == {}, titles[-1]
        if page < 2:
            wizard.next()  # moves on whether the page is complete or not
    assert titles == ["Welcome to Liaison Desk", "Choose a passphrase", "Name this vault"]


def test_lock_screen_both_forms(qtbot: QtBot, session: Session) -> None:
    widget = UnlockWidget(session, title="Paris")
    qtbot.addWidget(widget)
    widget.show()
    assert clashes(widget) == {}
    widget._show_recovery()
    assert clashes(widget) == {}


@pytest.mark.parametrize("make", ["preferences", "period", "search"])
def test_dialogs(qtbot: QtBot, session: Session, tmp_path: Path, make: str) -> None:
    dialog: Any
    if make == "preferences":
        dialog = PreferencesDialog(Preferences())
    elif make == "period":
        dialog = PeriodReportDialog(session, date(2026, 3, 14))
    else:
        dialog = SearchDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    assert clashes(dialog) == {}


def test_main_window_menus_do_not_clash_with_its_buttons(
    qtbot: QtBot, session: Session, tmp_path: Path
) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.sections))
    menus = [a.text() for a in win.menuBar().actions()]
    assert len({mnemonic(t) for t in menus}) == len(menus)


def test_each_menu_offers_each_letter_once(qtbot: QtBot, window: MainWindow) -> None:
    """Inside an open menu, Alt is not needed: a letter picks the item, so one item each."""
    for top in window.menuBar().actions():
        menu = top.menu()
        assert menu is not None
        letters: dict[str, list[str]] = {}
        for action in menu.actions():
            if (letter := mnemonic(action.text())) is not None and action.isVisible():
                letters.setdefault(letter, []).append(action.text())
        found = {k: v for k, v in letters.items() if len(v) > 1}
        assert found == {}, top.text()
