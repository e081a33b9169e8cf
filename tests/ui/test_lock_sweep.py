"""Locking leaves nothing of the vault on screen: every dialog, question and popup goes.

Each kind is opened with vault content in it, then auto-lock comes (the idle timer,
as when the officer walks away), and the screen is checked.
"""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QFileDialog, QToolTip
from pytestqt.qtbot import QtBot

from liaison_desk.core.drafts import drafts
from liaison_desk.core.records import Contact, Organization
from liaison_desk.ui.import_preview import ContactPreviewDialog, EventPreviewDialog
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.preferences import PreferencesDialog
from liaison_desk.ui.session import Session
from tests.ui.on_screen import auto_lock_inside, questions_under_auto_lock, shown_besides
from tests.ui.test_interop import FIXTURES, Dialogs
from tests.ui.test_main_window import unlock_again
from tests.ui.vault_work import on_vault

# The real one: tests/ui/conftest.py swaps it (as QMessageBox's) for a failure.
REAL_OPEN_FILE = QFileDialog.getOpenFileName


def locked(qtbot: QtBot, window: MainWindow, session: Session) -> None:
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1 and not session.is_unlocked)


@pytest.mark.parametrize(
    ("source", "action", "dialog_type"),
    [
        ("apple-contacts-3.0.vcf", "import_contacts_action", ContactPreviewDialog),
        ("google.ics", "import_meetings_action", EventPreviewDialog),
    ],
)
def test_an_import_preview_closes_on_auto_lock(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
    source: str,
    action: str,
    dialog_type: type,
) -> None:
    Dialogs(monkeypatch).open_path = FIXTURES / source
    getattr(window.interop, action).trigger()
    qtbot.waitUntil(lambda: isinstance(window.interop.preview_dialog, dialog_type))
    preview = window.interop.preview_dialog
    assert preview is not None and preview.isVisible() and preview.model.rowCount() > 0

    window.idle.set_timeout(100)
    locked(qtbot, window, session)

    assert not shiboken6.isValid(preview) or not preview.isVisible()
    assert window.interop.preview_dialog is None
    assert shown_besides(window) == []


def test_a_preview_read_before_the_lock_is_not_shown_after_it(
    qtbot: QtBot, window: MainWindow, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    Dialogs(monkeypatch).open_path = FIXTURES / "apple-contacts-3.0.vcf"
    window.interop.import_contacts_action.trigger()  # read on the worker...
    window.auto_lock()  # ...and the lock queued behind it: the cards arrive after the lock
    qtbot.waitUntil(lambda: not window.interop.busy)
    locked(qtbot, window, session)
    assert window.interop.preview_dialog is None
    assert shown_besides(window) == []


# Showing a popup on the offscreen platform logs that it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_the_period_report_dialog_and_its_list_of_names_close_on_auto_lock(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    on_vault(qtbot, session, lambda v: v.store.add(Organization(name="Ministry of Defence")))
    window.interop.period_report_action.trigger()
    dialog = window.interop.period_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.organization.setFocus()
    qtbot.keyClicks(dialog.organization, "Minis")
    popup = dialog.completer.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    QToolTip.showText(QPoint(10, 10), "Ministry of Defence", dialog.organization)

    window.idle.set_timeout(100)
    locked(qtbot, window, session)

    assert not shiboken6.isValid(dialog) or not dialog.isVisible()
    assert window.interop.period_dialog is None
    assert shown_besides(window) == []


def test_a_sync_summary_closes_on_auto_lock(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    window.transport._summary("Sync with HQ", "From HQ: 3 changes, 3 applied.", False)
    assert shown_besides(window) == ["Sync with HQ — Paris"]  # the station named on every dialog

    window.idle.set_timeout(100)
    locked(qtbot, window, session)

    assert shown_besides(window) == []


def test_the_status_bar_keeps_no_name_after_auto_lock(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    window.statusBar().showMessage("Kept their value for notes of Ada Okafor.", 10_000)
    window.sync_label.setText("Sync: HQ Abuja · 2 pending")

    window.idle.set_timeout(100)
    locked(qtbot, window, session)

    assert window.statusBar().currentMessage() == "" and window.sync_label.text() == ""
    assert window.lock_label.text() == "Locked"


def test_preferences_close_on_auto_lock_showing_the_station_zone(
    qtbot: QtBot, window: MainWindow, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.station_zone = "Africa/Lagos"
    shown: list[str] = []
    real_exec = PreferencesDialog.exec

    def exec_and_note(self: PreferencesDialog) -> int:
        shown.append(self.zone.currentText())
        return real_exec(self)

    monkeypatch.setattr(PreferencesDialog, "exec", exec_and_note)

    auto_lock_inside(window, window.edit_prefs)

    assert shown == ["Africa/Lagos"]
    locked(qtbot, window, session)
    assert window.station_zone is None


def test_a_question_about_unsaved_changes_closes_and_the_edit_stays_a_draft(
    qtbot: QtBot, window: MainWindow, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = questions_under_auto_lock(monkeypatch, window)
    contacts = window.sections[0]
    contacts.new_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    qtbot.keyClicks(contacts.editor.fields["full_name"].widget, "Jonas Berg")

    auto_lock_inside(window, window.lock, arm=False)  # auto-lock comes to "Save them first?"

    assert len(asked) == 1 and "Unsaved changes" in asked[0][0]

    locked(qtbot, window, session)
    unlock_again(qtbot, window, session)
    kept = on_vault(qtbot, session, drafts)
    assert [d.fields.get("full_name") for d in kept] == ["Jonas Berg"]
    assert on_vault(qtbot, session, lambda v: v.store.list(Contact)) == []


def test_a_file_dialog_closes_on_auto_lock_and_nothing_is_read(
    qtbot: QtBot, window: MainWindow, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def non_native(*args: object, **kwargs: object) -> tuple[str, str]:
        return REAL_OPEN_FILE(*args, options=QFileDialog.Option.DontUseNativeDialog)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", non_native)

    auto_lock_inside(window, window.interop.import_contacts)

    locked(qtbot, window, session)
    assert not window.interop.busy and window.interop.preview_dialog is None
