"""A section as an officer uses it: keyboard into the editor, see the list, never lose typing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core import relations
from liaison_desk.core.drafts import Draft, drafts
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact, FollowUp, Meeting, ProtocolRef
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.ui.record_model import SPECS, IdRole
from liaison_desk.ui.record_section import RecordSection, make_sections
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.people import add_person
from tests.ui.clocked import clocked_session
from tests.ui.vault_work import on_vault

T = TypeVar("T")
MARCH_14_NOON_MS = 1_773_489_600_000  # 2026-03-14T12:00:00Z
CTRL = Qt.KeyboardModifier.ControlModifier


def write(qtbot: QtBot, session: Session, kind: str, work: Callable[[Vault], T]) -> T:
    """Like run(), as a change every view of `kind` hears about."""
    box: list[T] = []
    session.write(kind, work, box.append, session, lambda e: pytest.fail(e.message))
    qtbot.waitUntil(lambda: bool(box))
    return box[0]


def open_section(qtbot: QtBot, session: Session, title: str) -> RecordSection:
    section = next(s for s in make_sections(session) if s.title == title)
    qtbot.addWidget(section)
    section.resize(1100, 700)
    section.show()
    qtbot.waitExposed(section)
    section.activateWindow()
    qtbot.waitUntil(lambda: bool(section.markings) and not section.model.is_loading)
    return section


@pytest.fixture
def contacts(qtbot: QtBot, session: Session) -> Iterator[RecordSection]:
    yield open_section(qtbot, session, "Contacts")


def field(section: RecordSection, name: str) -> QWidget:
    return section.editor.fields[name].widget


def show_field(section: RecordSection, name: str) -> QWidget:
    """A field of the form, its tab brought forward (a contact's form is in tabs)."""
    widget = field(section, name)
    tabs = section.editor.tabs
    if tabs is not None:
        tabs.setCurrentIndex(
            next(i for i in range(tabs.count()) if tabs.widget(i).isAncestorOf(widget))
        )
    return widget


def start_new(qtbot: QtBot, section: RecordSection) -> None:
    qtbot.keyClick(section.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)


def names(section: RecordSection) -> list[str]:
    return [section.model.index(r, 0).data() for r in range(section.model.rowCount())]


def test_sections_come_in_sidebar_order(session: Session, qtbot: QtBot) -> None:
    sections = make_sections(session)
    for section in sections:
        qtbot.addWidget(section)
    assert [s.title for s in sections] == [
        "Contacts",
        "Organizations",
        "Meetings",
        "Follow-ups",
        "Protocol library",
        "Gifts",
    ]
    assert [s.kind.name for s in sections] == [spec.kind.name for spec in SPECS] + ["gift"]


# The rank field offers the rank table in a popup, which the offscreen platform cannot raise.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_contact_typed_into_the_editor_is_saved_and_listed(
    qtbot: QtBot, contacts: RecordSection
) -> None:
    start_new(qtbot, contacts)
    assert field(contacts, "full_name").hasFocus()
    qtbot.keyClicks(field(contacts, "full_name"), "Helene Girard")
    qtbot.keyClicks(field(contacts, "rank"), "Colonel")
    qtbot.keyClicks(field(contacts, "position"), "Naval attache in Tokyo")
    assert contacts.has_unsaved_changes()
    with qtbot.waitSignal(contacts.saved) as saved:
        qtbot.keyClick(field(contacts, "position"), Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: names(contacts) == ["Helene Girard"])
    assert not contacts.has_unsaved_changes()
    assert contacts.stack.currentWidget() is contacts.detail
    assert contacts.model.index(0, 1).data() == "Colonel"
    assert contacts.current_record_id() == saved.args[0]
    qtbot.waitUntil(lambda: "Naval attache in Tokyo" in contacts.detail.browser.toPlainText())
    assert contacts.table.currentIndex().data(IdRole) == saved.args[0]


def test_a_validation_error_is_shown_inline_and_the_typing_kept(
    qtbot: QtBot, contacts: RecordSection
) -> None:
    start_new(qtbot, contacts)
    qtbot.keyClicks(field(contacts, "full_name"), "Jonas Berg")
    qtbot.keyClicks(field(contacts, "country"), "Norway")
    qtbot.keyClick(field(contacts, "country"), Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: contacts.editor.error.isVisible())
    assert "is not a two-letter code" in contacts.editor.error.text()
    assert contacts.stack.currentWidget() is contacts.editor
    name = field(contacts, "full_name")
    country = field(contacts, "country")
    assert isinstance(name, QLineEdit) and isinstance(country, QLineEdit)
    assert (name.text(), country.text()) == ("Jonas Berg", "Norway")
    assert contacts.has_unsaved_changes()
    assert contacts.model.rowCount() == 0


def test_the_detail_pane_shows_the_marking_banner_and_copies(
    qtbot: QtBot, session: Session, contacts: RecordSection
) -> None:
    record = on_vault(
        qtbot,
        session,
        lambda v: add_person(v.store, "Ana García", marking="SECRET", phones=("+34 91 555 0100",)),
    )
    with qtbot.waitSignal(contacts.marking_shown) as shown:
        contacts.open_record(record.id)
    assert shown.args == ["SECRET"]
    banner = contacts.detail.banner
    assert banner.isVisible()
    assert banner.text() == "SECRET"
    assert "#c8102e" in banner.styleSheet()
    assert "Ana García" in contacts.detail.browser.toPlainText()
    with qtbot.waitSignal(contacts.copy_requested) as copied:
        contacts.detail.browser.anchorClicked.emit(QUrl("copy:0"))
    assert copied.args == ["+34 91 555 0100"]


def test_a_draft_is_written_while_typing_and_restored(
    qtbot: QtBot, session: Session, contacts: RecordSection
) -> None:
    contacts.draft_interval_ms = 20
    start_new(qtbot, contacts)
    qtbot.keyClicks(field(contacts, "full_name"), "Kenji Sato")
    found: list[list[Draft]] = []

    def drafted() -> bool:
        session.read(drafts, found.append, contacts)
        return any(d.fields.get("full_name") == "Kenji Sato" for batch in found for d in batch)

    qtbot.waitUntil(drafted, timeout=5_000)
    draft = next(d for batch in found for d in batch if d.kind == "contact")
    assert draft.record_id is None

    contacts.discard_changes()
    assert contacts.stack.currentWidget() is contacts.detail
    qtbot.waitUntil(lambda: on_vault(qtbot, session, drafts) == [])

    contacts.restore_draft(draft)
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    name = field(contacts, "full_name")
    assert isinstance(name, QLineEdit)
    assert name.text() == "Kenji Sato"
    assert contacts.has_unsaved_changes()


def test_leaving_the_editor_saves(qtbot: QtBot, contacts: RecordSection) -> None:
    start_new(qtbot, contacts)
    qtbot.keyClicks(field(contacts, "full_name"), "Lena Vogel")
    with qtbot.waitSignal(contacts.saved):
        contacts.filter_box.setFocus()
    qtbot.waitUntil(lambda: names(contacts) == ["Lena Vogel"])


# The rank field offers the rank table in a popup, which the offscreen platform cannot raise.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_editing_and_reverting_an_existing_contact(
    qtbot: QtBot, session: Session, contacts: RecordSection
) -> None:
    marc = Contact(full_name="Marc Dubois", rank="Major")
    write(qtbot, session, "contact", lambda v: v.store.add(marc))
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 1)
    contacts.table.setFocus()
    contacts.table.selectRow(0)
    qtbot.waitUntil(lambda: "Marc Dubois" in contacts.detail.browser.toPlainText())
    qtbot.keyClick(contacts.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    rank = field(contacts, "rank")
    assert isinstance(rank, QLineEdit)
    assert rank.text() == "Major"
    rank.selectAll()
    qtbot.keyClicks(rank, "Lieutenant Colonel")
    assert contacts.has_unsaved_changes()
    contacts.discard_changes()
    assert contacts.stack.currentWidget() is contacts.detail
    assert contacts.model.index(0, 1).data() == "Major"

    qtbot.keyClick(contacts.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    rank.selectAll()
    qtbot.keyClicks(rank, "Lieutenant Colonel")
    with qtbot.waitSignal(contacts.saved):
        qtbot.keyClick(rank, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: contacts.model.index(0, 1).data() == "Lieutenant Colonel")


def test_the_filter_box_narrows_the_list(
    qtbot: QtBot, session: Session, contacts: RecordSection
) -> None:
    people = [Contact(full_name=n) for n in ("Ana García", "Anders Holm", "Bo Li")]
    write(qtbot, session, "contact", lambda v: v.store.add_many(people))
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 3)
    qtbot.keyClicks(contacts.filter_box, "and")
    qtbot.waitUntil(lambda: names(contacts) == ["Anders Holm"])
    assert contacts.count_label.text() == "1 contact"


# Showing a popup on the offscreen platform logs that it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_meeting_with_a_participant_picked_by_completion(qtbot: QtBot, session: Session) -> None:
    person = on_vault(qtbot, session, lambda v: v.store.add(Contact(full_name="Hélène Girard")))
    meetings = open_section(qtbot, session, "Meetings")
    start_new(qtbot, meetings)
    qtbot.keyClicks(field(meetings, "title"), "Working lunch")
    people = meetings.editor.people
    assert people is not None
    people.line.setFocus()
    qtbot.keyClicks(people.line, "gira")
    popup = people.completer.completer.popup()
    assert popup is not None
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    popup.setCurrentIndex(popup.model().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert [p["contact_id"] for p in people.get()] == [person.id]
    assert people.line.text() == ""

    followups = meetings.editor.new_followups
    assert followups is not None
    qtbot.keyClicks(followups.action, "Send the visit programme")
    qtbot.keyClick(followups.action, Qt.Key.Key_Return)
    assert [f["action"] for f in followups.get()] == ["Send the visit programme"]

    with qtbot.waitSignal(meetings.saved) as saved:
        qtbot.keyClick(field(meetings, "title"), Qt.Key.Key_S, CTRL)
    meeting_id = saved.args[0]

    def stored(v: Vault) -> tuple[list[str], list[str]]:
        met = [a.contact.id for a in relations.participants(v.store, meeting_id)]
        made = v.store.list(FollowUp, ListQuery(where={"meeting_id": meeting_id, "status": "open"}))
        actions = [f.action for f in made]
        return met, actions

    assert on_vault(qtbot, session, stored) == ([person.id], ["Send the visit programme"])
    qtbot.waitUntil(lambda: meetings.model.rowCount() == 1)
    qtbot.waitUntil(lambda: meetings.model.index(0, 3).data() == "Hélène Girard")
    qtbot.waitUntil(lambda: "Hélène Girard" in meetings.detail.browser.toPlainText())


def test_last_contact_in_the_list_and_the_detail_is_the_latest_meeting_not_a_planned_one(
    qtbot: QtBot, vault_dir: Path, runner: Runner
) -> None:
    session = clocked_session(qtbot, vault_dir, runner, MARCH_14_NOON_MS)

    def seed(vault: Vault) -> Contact:
        person = vault.store.add(Contact(full_name="Hélène Girard", cadence_days=30))
        for title, when in (("Lunch", "2026-01-20T12:00Z"), ("Visit", "2026-04-01T08:00Z")):
            save_meeting(
                vault.store, None, {"title": title, "starts_at": when}, add_people=[person.id]
            )
        return person

    person = on_vault(qtbot, session, seed)
    contacts = open_section(qtbot, session, "Contacts")
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 1)
    assert contacts.model.index(0, 4).data() == "2026-01-20"  # the Last contact column
    assert contacts.model.index(0, 5).data() == "Overdue"
    contacts.open_record(person.id)
    qtbot.waitUntil(lambda: "Visit" in contacts.detail.browser.toPlainText())
    text = contacts.detail.browser.toPlainText()
    assert "Last contact\n2026-01-20 — overdue for contact" in text
    session.lock()


def test_follow_ups_show_overdue_in_red_and_mark_done(qtbot: QtBot, session: Session) -> None:
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    late = FollowUp(action="Return the call", due_date=yesterday)
    record = on_vault(qtbot, session, lambda v: v.store.add(late))
    section = open_section(qtbot, session, "Follow-ups")
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)
    due = section.model.index(0, 0)
    assert "overdue" in due.data()
    assert due.data(Qt.ItemDataRole.ForegroundRole) is not None
    section.open_record(record.id)
    qtbot.waitUntil(section.done_button.isEnabled)
    qtbot.mouseClick(section.done_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.model.rowCount() == 0)
    assert section.status_filter is not None
    section.status_filter.setCurrentIndex(section.status_filter.findData("done"))
    qtbot.waitUntil(lambda: section.model.rowCount() == 1)


def test_protocol_filters_and_markdown(qtbot: QtBot, session: Session) -> None:
    refs = [
        ProtocolRef(
            title="France: cultural notes",
            country="FR",
            category="cultural-notes",
            body="# Greetings\n\nA handshake, and **always** the rank.",
        ),
        ProtocolRef(title="Forms of address", country="general", body="Use the title."),
    ]
    saved = on_vault(qtbot, session, lambda v: v.store.add_many(refs))
    section = open_section(qtbot, session, "Protocol library")
    assert not section.new_button.isVisible()  # read-only at a station
    qtbot.waitUntil(lambda: section.model.rowCount() == 2)
    country = section.country_filter
    assert country is not None
    qtbot.waitUntil(lambda: country.findData("FR") >= 0)
    country.setCurrentIndex(country.findData("FR"))
    qtbot.waitUntil(lambda: names(section) == ["France: cultural notes"])
    country.setCurrentIndex(country.findData("general"))
    qtbot.waitUntil(lambda: names(section) == ["Forms of address"])
    assert section.model.index(0, 1).data() == "General"

    section.open_record(saved[0].id)
    qtbot.waitUntil(lambda: "Greetings" in section.detail.browser.toPlainText())
    text = section.detail.browser.toPlainText()
    assert "**" not in text and "#" not in text
    assert "always" in text


def test_sorting_by_header_comes_from_sql(qtbot: QtBot, session: Session) -> None:
    meetings = [
        Meeting(title=f"Meeting {i}", starts_at=f"2026-0{i}-01T10:00:00Z") for i in range(1, 4)
    ]
    on_vault(qtbot, session, lambda v: v.store.add_many(meetings))
    section = open_section(qtbot, session, "Meetings")
    qtbot.waitUntil(lambda: section.model.rowCount() == 3)
    titles = [section.model.index(r, 1).data() for r in range(3)]
    assert titles == ["Meeting 3", "Meeting 2", "Meeting 1"]  # latest first
    section.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: section.model.query.order_by == "title")
    qtbot.waitUntil(lambda: section.model.index(0, 1).data() == "Meeting 1")
    section.table.sortByColumn(3, Qt.SortOrder.AscendingOrder)  # "With": not stored
    assert section.model.query.order_by == "title"
    assert section.table.horizontalHeader().sortIndicatorSection() == 1


def test_ctrl_s_in_the_editor_is_not_ambiguous_with_a_window_save_action(
    qtbot: QtBot, session: Session
) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    section = next(s for s in make_sections(session) if s.title == "Contacts")
    window.setCentralWidget(section)
    window_saves: list[bool] = []
    action = QAction("Save", window)
    action.setShortcut(QKeySequence(QKeySequence.StandardKey.Save))
    action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    action.triggered.connect(lambda: window_saves.append(True))
    window.addAction(action)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: bool(section.markings) and not section.model.is_loading)
    start_new(qtbot, section)
    qtbot.keyClicks(field(section, "full_name"), "Omar Haddad")
    with qtbot.waitSignal(section.saved):
        qtbot.keyClick(field(section, "full_name"), Qt.Key.Key_S, CTRL)
    assert window_saves == []
