"""Follow-ups belong to people: a meeting's people with roles, their follow-ups on their pages."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFormLayout, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import PARTICIPANT_ROLES, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.ui.editor_fields import ParticipantsField, RefsField
from liaison_desk.ui.editors import RecordEditor
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault

CTRL = Qt.KeyboardModifier.ControlModifier


def _meetings(qtbot: QtBot, window: MainWindow) -> RecordSection:
    meetings = next(s for s in window.sections if s.kind.name == "meeting")
    window.open_section(meetings)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.waitUntil(lambda: bool(meetings.markings) and not meetings.model.is_loading)
    qtbot.keyClick(meetings.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.editor)
    return meetings


def _pick(qtbot: QtBot, people: ParticipantsField, typed: str) -> None:
    people.line.setFocus()
    qtbot.keyClicks(people.line, typed)
    popup = people.completer.completer.popup()
    assert popup is not None
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    popup.setCurrentIndex(popup.model().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: people.line.text() == "")


def _rows(editor: RecordEditor) -> list[tuple[str, QWidget]]:
    """The form's rows, top to bottom: each label's text (without its &) and its field."""
    form = editor.findChild(QFormLayout)
    assert form is not None
    rows = []
    for row in range(form.rowCount()):
        label = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
        field = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
        rows.append((label.text().replace("&", ""), field))
    return rows


def test_the_meeting_editor_asks_who_was_there_right_after_when(
    qtbot: QtBot, window: MainWindow
) -> None:
    meetings = _meetings(qtbot, window)
    rows = _rows(meetings.editor)
    labels = [label for label, _ in rows]
    people = labels.index("People")
    assert labels[people - 1] == "Time zone"
    assert labels.index("When") < people
    later = [labels.index(name) for name in ("Tags", "Marking", "Distribution", "Place")]
    assert people < min(later)
    fields = dict(rows)
    assert fields["People"].y() < fields["Tags"].y() < fields["Distribution"].y()


# Showing a popup on the offscreen platform logs that it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_followup_made_in_a_meeting_shows_on_each_participants_page(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    def seed(vault: Vault) -> tuple[str, str]:
        ana, bruno = vault.store.add_many(
            [Contact(full_name="Ana Ferreira"), Contact(full_name="Bruno Keller")]
        )
        return ana.id, bruno.id

    ana, bruno = on_vault(qtbot, session, seed)
    session.changed.emit("contact")
    meetings = _meetings(qtbot, window)
    editor = meetings.editor
    qtbot.keyClicks(editor.fields["title"].widget, "Staff talks")
    people = editor.people
    assert people is not None
    _pick(qtbot, people, "ferr")
    _pick(qtbot, people, "kell")
    host = people.role_box(ana)
    assert [host.itemData(i) for i in range(1, host.count())] == list(PARTICIPANT_ROLES)
    host.setFocus()
    host.setCurrentIndex(host.findData("host"))
    people.role_box(bruno).setCurrentIndex(people.role_box(bruno).findData("interpreter"))
    followups = editor.new_followups
    assert followups is not None
    qtbot.keyClicks(followups.action, "Send the visit programme")
    qtbot.keyClick(followups.action, Qt.Key.Key_Return)
    with qtbot.waitSignal(meetings.saved):
        qtbot.keyClick(editor.fields["title"].widget, Qt.Key.Key_S, CTRL)

    detail = meetings.detail.browser
    qtbot.waitUntil(lambda: "Ana Ferreira (Host)" in detail.toPlainText())
    assert "Bruno Keller (Interpreter)" in detail.toPlainText()

    contacts = next(s for s in window.sections if s.kind.name == "contact")
    for person in (ana, bruno):
        window.open_record("contact", person)
        qtbot.waitUntil(lambda: contacts.current_record_id() == person)  # noqa: B023
        page = contacts.detail.browser
        qtbot.waitUntil(lambda: "Open follow-ups" in page.toPlainText())  # noqa: B023
        text = page.toPlainText()
        followups_part = text[text.index("Open follow-ups") :]
        assert "Send the visit programme" in followups_part
        assert "None yet" not in followups_part

    window.open_record("meeting", meetings.current_record_id() or "")
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.detail)
    qtbot.keyClick(meetings.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.editor)
    reopened = editor.people
    assert reopened is not None
    qtbot.waitUntil(lambda: len(reopened.get()) == 2)
    assert {p["contact_id"]: p["role"] for p in reopened.get()} == {
        ana: "host",
        bruno: "interpreter",
    }


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_followup_form_names_several_contacts(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    def seed(vault: Vault) -> tuple[str, str]:
        ana, bruno = vault.store.add_many(
            [Contact(full_name="Ana Ferreira"), Contact(full_name="Bruno Keller")]
        )
        return ana.id, bruno.id

    ana, bruno = on_vault(qtbot, session, seed)
    section = next(s for s in window.sections if s.kind.name == "followup")
    window.open_section(section)
    window.activateWindow()
    qtbot.waitUntil(lambda: bool(section.markings) and not section.model.is_loading)
    qtbot.keyClick(section.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)
    qtbot.keyClicks(section.editor.fields["action"].widget, "Send the berth plan")
    named = section.editor.fields["contact_ids"]
    assert isinstance(named, RefsField)
    for typed in ("ferr", "kell", "ferr"):  # the second Ana is not added twice
        named.line.setFocus()
        qtbot.keyClicks(named.line, typed)
        popup = named.completer.completer.popup()
        assert popup is not None
        qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)  # noqa: B023
        popup.setCurrentIndex(popup.model().index(0, 0))
        qtbot.keyClick(popup, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: named.line.text() == "")
    assert named.get() == [ana, bruno]
    with qtbot.waitSignal(section.saved):
        qtbot.keyClick(section.editor.fields["action"].widget, Qt.Key.Key_S, CTRL)

    qtbot.waitUntil(lambda: "Bruno Keller" in section.detail.browser.toPlainText())
    assert "Contacts\nAna Ferreira, Bruno Keller" in section.detail.browser.toPlainText()
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    about = [section.model.index(0, c).data() for c in range(section.model.columnCount())]
    assert "Ana Ferreira, Bruno Keller" in about
