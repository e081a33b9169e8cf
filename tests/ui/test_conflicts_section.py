"""The Conflicts section: concurrent edits listed, compared side by side, and settled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core.errors import LiaisonError, RecordNotFound
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts
from liaison_desk.ui.conflict_diff import ONLY_MINE, ONLY_THEIRS, side_by_side, value_text
from liaison_desk.ui.conflicts_section import ConflictsSection, sidebar_title
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.sync.helpers import enrol_station, exchange, make_vault
from tests.ui.on_screen import auto_lock_inside, shown_besides
from tests.ui.test_main_window import unlock_again
from tests.ui.vault_work import on_vault

# (name, notes as the station first wrote them, HQ's edit, the station's concurrent edit)
EDITS = [
    ("Ada Okafor", "Met at the port in May.", "Met at the harbour in May.", "Met at the port."),
    ("Bola Ade", "Prefers mornings.", "Prefers early mornings.", "Prefers evenings."),
    ("Chidi Eze", "Speaks French.", "Speaks French and Hausa.", "Speaks French well."),
]


ADA = EDITS[0][0]

# The real one, before the fixture below swaps it for a failure.
REAL_MERGE_DIALOG = QInputDialog.getMultiLineText


@pytest.fixture(autouse=True)
def no_merge_dialog(monkeypatch: pytest.MonkeyPatch) -> None:
    def unexpected(*args: object, **kwargs: object) -> None:
        raise AssertionError("unexpected merge dialog")

    monkeypatch.setattr(QInputDialog, "getMultiLineText", unexpected)


def open_session(qtbot: QtBot, vault: Vault, runner: Runner) -> Session:
    session = Session(vault.path, runner)
    session.open(lambda: vault, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    return session


@pytest.fixture
def station(qtbot: QtBot, tmp_path: Path, runner: Runner) -> Iterator[tuple[Session, list[str]]]:
    """A station with three open conflicts on contacts' notes and one deleted-vs-edited."""
    hq, st = make_vault(tmp_path, "HQ", "hq"), make_vault(tmp_path, "Lagos")
    enrol_station(hq, st)
    ids = [st.store.add(Contact(full_name=n, notes=first)).id for n, first, _, _ in EDITS]
    gone = st.store.add(Contact(full_name="Dayo Bello", notes="Moved to Abuja.")).id
    exchange(st, hq, tmp_path / "bundles")
    for record_id, (_, _, at_hq, at_station) in zip(ids, EDITS, strict=True):
        hq.store.update(Contact, record_id, {"notes": at_hq})
        st.store.update(Contact, record_id, {"notes": at_station})
    hq.store.update(Contact, gone, {"notes": "Moved to Abuja in June."})
    st.store.delete(Contact, gone)
    assert exchange(hq, st, tmp_path / "bundles").conflicts == 4
    hq.lock()
    session = open_session(qtbot, st, runner)
    yield session, [*ids, gone]
    session.lock()


@pytest.fixture
def window(qtbot: QtBot, station: tuple[Session, list[str]], tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(station[0], settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.conflicts_section is not None)
    return win


def section_of(window: MainWindow) -> ConflictsSection:
    section = window.conflicts_section
    assert section is not None
    return section


def sidebar_titles(window: MainWindow) -> list[str]:
    return [window.sidebar.item(i).text() for i in range(window.sidebar.count())]


def notes(qtbot: QtBot, session: Session, record_id: str) -> str | None:
    return on_vault(qtbot, session, lambda v: v.store.get(Contact, record_id).notes)


def test_side_by_side_shades_the_words_each_value_lacks() -> None:
    both = side_by_side("Met at the port in June.", "Met at the harbour in June, twice.")
    assert f"background-color:{ONLY_MINE}'>port</span>" in both.mine
    assert f"background-color:{ONLY_THEIRS}'>harbour</span>" in both.theirs
    assert "twice" in both.theirs and "twice" not in both.mine
    assert "June" in both.mine and ONLY_THEIRS not in both.mine
    escaped = side_by_side("<b>&", "").mine
    assert "&lt;b&gt;&amp;" in escaped and "<b>" not in escaped
    assert "(empty)" in side_by_side("", "x").mine
    assert value_text(("+33 1", "+33 2")) == "+33 1\n+33 2" and value_text(None) == ""


def test_the_list_shows_each_conflict_and_the_sidebar_counts_them(
    qtbot: QtBot, window: MainWindow, qtmodeltester: Any
) -> None:
    section = section_of(window)
    qtbot.waitUntil(lambda: section.model.rowCount() == 4)
    qtmodeltester.check(section.model)
    assert sidebar_titles(window)[-2:] == ["Sync", "Conflicts (4)"]
    rows = [
        [section.model.index(r, c).data() for c in range(section.model.columnCount())]
        for r in range(4)
    ]
    assert [row[:4] for row in rows] == [
        ["Ada Okafor", "Contact", "Notes", "this vault / HQ"],
        ["Bola Ade", "Contact", "Notes", "this vault / HQ"],
        ["Chidi Eze", "Contact", "Notes", "this vault / HQ"],
        ["Dayo Bello", "Contact", "Deleted or kept", "this vault / HQ"],
    ]
    assert all(row[4].endswith(" UTC") for row in rows)
    assert section.count_label.text() == "4 open conflicts"


def test_the_selected_conflict_shows_both_values_with_differences_highlighted(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    section = section_of(window)
    qtbot.waitUntil(lambda: section.view is not None)
    assert section.view is not None and section.view.conflict.title == "Ada Okafor"
    mine, theirs = section.mine.browser.toHtml(), section.theirs.browser.toHtml()
    # "Met at the port." here against "Met at the harbour in May." at HQ
    assert f"background-color:{ONLY_MINE};" in mine and ">port</span>" in mine
    assert f"background-color:{ONLY_THEIRS};" in theirs and ">harbour in May</span>" in theirs
    assert "changed by this vault" in section.mine.caption.text()
    assert "Mine (held here)" in section.mine.caption.text()
    assert "Theirs (received)" in section.theirs.caption.text()
    assert "changed by HQ" in section.theirs.caption.text()
    assert "kept for now" in section.mine.caption.text()  # the later edit wins until settled
    assert "Notes" in section.heading.text() and "Ada Okafor" in section.heading.text()
    assert section.merge_button.isEnabled()

    section.table.selectRow(3)  # deleted here, edited at HQ: no text to merge
    qtbot.waitUntil(lambda: section.view is not None and section.view.conflict.is_deletion)
    assert "The record is deleted." in section.mine.browser.toPlainText()
    assert "edited, unaware of its deletion" in section.theirs.browser.toPlainText()
    assert not section.merge_button.isEnabled()
    assert section.keep_theirs_button.isEnabled()


def test_each_button_resolves_and_the_record_takes_the_value(
    qtbot: QtBot,
    window: MainWindow,
    station: tuple[Session, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session, ids = station
    section = section_of(window)
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)

    def settle(title: str) -> None:
        qtbot.waitUntil(lambda: section.view is not None and section.view.conflict.title == title)
        assert section.keep_mine_button.isEnabled()

    settle("Ada Okafor")
    section.keep_mine_button.click()
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts (3)")
    assert notes(qtbot, session, ids[0]) == EDITS[0][3]

    settle("Bola Ade")
    section.keep_theirs_button.click()
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts (2)")
    assert notes(qtbot, session, ids[1]) == EDITS[1][2]

    settle("Chidi Eze")
    offered: list[str] = []

    def merged(parent: object, title: str, label: str, text: str) -> tuple[str, bool]:
        offered.append(text)
        return "Speaks French well, and Hausa.", True

    monkeypatch.setattr(QInputDialog, "getMultiLineText", merged)
    section.merge_button.click()
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts (1)")
    assert offered == [EDITS[2][3]]  # the value the record holds now (the later edit)
    assert notes(qtbot, session, ids[2]) == "Speaks French well, and Hausa."

    settle("Dayo Bello")
    section.keep_mine_button.click()  # it stays deleted here
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts")
    errors: list[LiaisonError] = []
    session.read(lambda v: v.store.get(Contact, ids[3]), pytest.fail, session, errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert isinstance(errors[0], RecordNotFound)
    assert section.pages.currentWidget() is section.empty
    assert section.view is None and not section.keep_mine_button.isEnabled()

    # The Contacts section shows the value that was kept.
    window.open_record("contact", ids[1])
    contacts = window.sections[0]
    qtbot.waitUntil(lambda: EDITS[1][2] in contacts.detail.browser.toPlainText())


def test_a_deletion_conflict_says_the_deletion_stands_and_restores_the_record(
    qtbot: QtBot,
    window: MainWindow,
    station: tuple[Session, list[str]],
) -> None:
    session, ids = station
    section = section_of(window)
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    qtbot.waitUntil(lambda: section.view is not None and section.view.conflict.title == ADA)
    assert section.restore_button.isHidden()  # a field conflict: nothing to restore

    section.table.selectRow(3)  # deleted here, edited at HQ later
    qtbot.waitUntil(lambda: section.view is not None and section.view.conflict.is_deletion)
    assert "stands on every vault" in section.mine.caption.text()  # the deletion
    assert "kept" not in section.theirs.caption.text() and "stands" not in (
        section.theirs.caption.text()
    )
    assert not section.restore_button.isHidden() and section.restore_button.isEnabled()
    messages: list[str] = []
    section.status_message.connect(messages.append)
    section.restore_button.click()
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts (3)")
    assert messages == ["Restored Dayo Bello."]
    assert notes(qtbot, session, ids[3]) == "Moved to Abuja in June."  # with HQ's edit


def test_a_field_conflict_on_a_record_deleted_since_closes_with_the_deletion(
    qtbot: QtBot,
    window: MainWindow,
    station: tuple[Session, list[str]],
) -> None:
    session, ids = station
    section = section_of(window)
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    qtbot.waitUntil(lambda: section.view is not None and section.view.conflict.title == ADA)
    on_vault(qtbot, session, lambda v: v.store.delete(Contact, ids[0]))
    messages: list[str] = []
    section.status_message.connect(messages.append)
    section.keep_mine_button.click()
    qtbot.waitUntil(lambda: sidebar_titles(window)[-1] == "Conflicts (3)")
    assert messages == ["Closed with the deletion: Ada Okafor was deleted since."]


def test_the_merge_text_closes_on_auto_lock_and_settles_nothing(
    qtbot: QtBot,
    window: MainWindow,
    station: tuple[Session, list[str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session, ids = station
    section = section_of(window)
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    qtbot.waitUntil(lambda: section.view is not None and section.merge_button.isEnabled())
    offered: list[str] = []

    def merge_text(parent: QWidget, title: str, label: str, text: str) -> tuple[str, bool]:
        offered.append(text)
        return REAL_MERGE_DIALOG(parent, title, label, text)

    monkeypatch.setattr(QInputDialog, "getMultiLineText", merge_text)

    auto_lock_inside(window, section.merge_button.click)  # Ada's notes, open when it comes

    assert offered == [EDITS[0][3]] and shown_besides(window) == []
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1 and not session.is_unlocked)
    unlock_again(qtbot, window, session)
    assert notes(qtbot, session, ids[0]) == EDITS[0][3]
    assert on_vault(qtbot, session, lambda v: len(list_conflicts(v))) == 4


def test_open_record_goes_to_the_record_in_its_section(
    qtbot: QtBot, window: MainWindow, station: tuple[Session, list[str]]
) -> None:
    section = section_of(window)
    qtbot.waitUntil(lambda: section.view is not None)
    section.open_button.click()
    assert window.current_section() is window.sections[0]
    qtbot.waitUntil(lambda: window.sections[0].current_record_id() == station[1][0])


def test_sidebar_title_counts_only_when_some_are_open() -> None:
    assert sidebar_title(0) == "Conflicts"
    assert sidebar_title(1234) == "Conflicts (1,234)"
