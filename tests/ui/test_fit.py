"""Every column of every list on screen, with no horizontal scrollbar, at 1200x760 (the
default window) and at 800x600 (a small laptop); the sidebar's labels uncut."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QScrollArea, QTableView
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, Meeting, Organization
from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.session import Session
from tests.ui.test_contact_editor import rich
from tests.ui.vault_work import on_vault

LONG = "Direction générale des relations internationales et de la stratégie"


def fill(qtbot: QtBot, session: Session) -> None:
    """Long values in every list, so nothing fits by being short."""

    def work(vault: Vault) -> None:
        org = vault.store.add(Organization(name=LONG, country="FR"))
        vault.store.add(
            Contact(full_name="Hélène-Marie de La Tour d'Auvergne", rank="Général de division",
                    org_id=org.id, country="FR")
        )  # fmt: skip
        vault.store.add(
            Meeting(title=f"Working lunch on {LONG}", starts_at="2026-03-14T10:00Z", place=LONG)
        )

    on_vault(qtbot, session, work)
    for kind in ("organization", "contact", "meeting"):
        session.changed.emit(kind)


def tables_on_screen(window: MainWindow) -> list[QTableView]:
    page = window.stack.currentWidget()
    return [t for t in page.findChildren(QTableView) if t.isVisibleTo(window)]


def assert_all_columns_visible(window: MainWindow, where: str) -> None:
    for table in tables_on_screen(window):
        header = table.horizontalHeader()
        room = table.viewport().width()
        assert not table.horizontalScrollBar().isVisible(), where
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        for column in shown:
            left = header.sectionViewportPosition(column)
            right = left + header.sectionSize(column)
            label = table.model().headerData(column, header.orientation())
            assert left >= 0 and right <= room, f"{where}: {label} at {left}..{right} of {room}"
            assert header.sectionSize(column) >= header.minimumSectionSize(), (where, label)


@pytest.mark.parametrize(("width", "height"), [(1200, 760), (800, 600)])
def test_every_column_of_every_list_is_on_screen(
    qtbot: QtBot, window: MainWindow, session: Session, width: int, height: int
) -> None:
    fill(qtbot, session)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    for row in range(window.sidebar.count()):
        window.sidebar.setCurrentRow(row)
        qtbot.wait(10)  # the page's layout settles on the next pass of the event loop
        assert_all_columns_visible(window, f"{window.sidebar.item(row).text()} at {width}")


@pytest.mark.parametrize(("width", "height"), [(640, 480), (800, 600)])
def test_the_sidebar_labels_are_whole_in_a_small_window(
    qtbot: QtBot, window: MainWindow, width: int, height: int
) -> None:
    """Below its minimum (about 660 wide, what the Sync page needs) the window stops
    shrinking; the sidebar never gives up its labels to fit."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == max(width, window.minimumSizeHint().width()))
    sidebar = window.sidebar
    metrics = sidebar.fontMetrics()
    for row in range(sidebar.count()):
        item = sidebar.item(row)
        needed = metrics.horizontalAdvance(item.text())
        assert sidebar.viewport().width() >= needed + 12, item.text()  # its padding included


@pytest.mark.parametrize(("width", "height"), [(1366, 700), (1200, 760)])
def test_every_tab_of_the_contact_form_fits_without_scrolling(
    qtbot: QtBot, window: MainWindow, session: Session, width: int, height: int
) -> None:
    """The issue's contact (three phones, two addresses, two postings, a spouse) in a window
    filling a 1366x768 screen under its title bar and a task bar, and at the default size."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    contacts = window.sections[0]
    window.open_section(contacts)
    helene = rich(session, qtbot)
    contacts.open_record(helene.id)
    qtbot.waitUntil(contacts.edit_button.isEnabled)
    contacts.edit_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    tabs = contacts.editor.tabs
    assert tabs is not None
    assert len(contacts.editor.values()["phones"]) == 3
    bar = tabs.tabBar()
    assert bar.sizeHint().width() <= tabs.width(), "every tab's title shows"
    for index in range(tabs.count()):
        tabs.setCurrentIndex(index)
        page = tabs.widget(index)
        assert isinstance(page, QScrollArea)
        qtbot.wait(10)  # the page's layout settles on the next pass of the event loop
        what = f"{tabs.tabText(index)} at {width}x{height}"
        assert not page.verticalScrollBar().isVisible(), what
        assert not page.horizontalScrollBar().isVisible(), what
