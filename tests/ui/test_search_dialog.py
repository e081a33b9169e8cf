"""Ctrl+K: results of every kind as you type, grouped and highlighted; Enter opens the record."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization
from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.search_dialog import HtmlRole, SearchDialog
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault

CTRL = Qt.KeyboardModifier.ControlModifier


def fill(qtbot: QtBot, session: Session) -> dict[str, str]:
    def work(vault: Vault) -> dict[str, str]:
        s = vault.store
        org = s.add(Organization(name="Hellenic Navy", country="GR"))
        helene = s.add(Contact(full_name="Hélène Girard", notes="Naval attaché", org_id=org.id))
        other = s.add(Contact(full_name="Aiko Tanaka", notes="Posted to Tokyo"))
        meeting = s.add(
            Meeting(title="Linked Seas exercise", starts_at="2026-03-14T10:00Z", notes="observer")
        )
        followup = s.add(FollowUp(action="Send the observer list", due_date="2026-04-01"))
        return {
            "org": org.id,
            "helene": helene.id,
            "other": other.id,
            "meeting": meeting.id,
            "followup": followup.id,
        }

    ids = on_vault(qtbot, session, work)
    for kind in ("organization", "contact", "meeting", "followup"):
        session.changed.emit(kind)
    return ids


def ctrl_k(qtbot: QtBot, win: MainWindow) -> SearchDialog:
    win.activateWindow()  # shortcuts only reach an active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win, Qt.Key.Key_K, CTRL)
    dialog = win.findChild(SearchDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def titles(dialog: SearchDialog) -> list[str]:
    return [dialog.results.hit(r).title for r in dialog.results.hit_rows()]  # type: ignore[union-attr]


def rows(dialog: SearchDialog) -> list[str]:
    return [dialog.results.index(r).data() for r in range(dialog.results.rowCount())]


def test_typing_hel_finds_helene_with_the_match_in_bold(
    qtbot: QtBot, window: MainWindow, session: Session, qtmodeltester: Any
) -> None:
    ids = fill(qtbot, session)
    dialog = ctrl_k(qtbot, window)
    qtbot.keyClicks(dialog.box, "hel")
    qtbot.waitUntil(lambda: "Hélène Girard" in titles(dialog))
    qtmodeltester.check(dialog.results)
    row = next(r for r in dialog.results.hit_rows() if dialog.results.hit(r).id == ids["helene"])  # type: ignore[union-attr]
    shown = dialog.results.index(row).data(HtmlRole)
    assert "<b>Hélène</b> Girard" in shown  # the word matched from "hel", in bold in the list
    assert "Contact" in shown and "Naval attaché" in shown  # its kind and the rest of it
    dialog.view.setCurrentIndex(dialog.results.index(row))
    assert "<b>Hélène</b>" in dialog.preview.text()
    with qtbot.waitSignal(dialog.chosen) as signal:
        qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    assert signal.args == ["contact", ids["helene"]]
    contacts = window.sections[0]
    assert isinstance(contacts, RecordSection)
    qtbot.waitUntil(lambda: window.current_section() is contacts)
    qtbot.waitUntil(lambda: contacts.current_record_id() == ids["helene"])


def test_results_are_grouped_by_kind_with_dates_and_arrows_skip_headings(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    ids = fill(qtbot, session)
    dialog = ctrl_k(qtbot, window)
    qtbot.keyClicks(dialog.box, "obser")  # "observer", from the word still being typed
    qtbot.waitUntil(lambda: dialog.results.hit_count() == 2)
    shown = rows(dialog)
    assert len(shown) == 4  # two headings, two hits
    headings = [shown[0], shown[2]]
    assert sorted(headings) == ["Follow-ups (1)", "Meetings (1)"]
    by_id = {dialog.results.hit(r).id: dialog.results.index(r) for r in dialog.results.hit_rows()}  # type: ignore[union-attr]
    assert "2026-03-14 10:00" in by_id[ids["meeting"]].data()  # a meeting's start
    assert "2026-04-01" in by_id[ids["followup"]].data()  # a follow-up's due date
    assert dialog.view.currentIndex().row() == 1  # the best hit, not its heading
    qtbot.keyClick(dialog.box, Qt.Key.Key_Down)
    assert dialog.view.currentIndex().row() == 3  # past the second heading
    qtbot.keyClick(dialog.box, Qt.Key.Key_Up)
    assert dialog.view.currentIndex().row() == 1
    dialog.box.setText("Linked Sea")  # a phrase whose last word is not finished
    qtbot.waitUntil(lambda: titles(dialog) == ["Linked Seas exercise"])


def test_a_query_with_no_hits_clears_the_pane_and_says_so(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    fill(qtbot, session)
    dialog = ctrl_k(qtbot, window)
    qtbot.keyClicks(dialog.box, "tokyo")
    qtbot.waitUntil(lambda: titles(dialog) == ["Aiko Tanaka"])
    assert "<b>Tokyo</b>" in dialog.preview.text()
    dialog.box.setText("tokyo zanzibar")
    qtbot.waitUntil(lambda: dialog.status.text() == "No matches for “tokyo zanzibar”.")
    assert dialog.results.rowCount() == 0
    assert dialog.preview.text() == ""  # the previous snippet is gone
    dialog.box.clear()
    qtbot.waitUntil(lambda: dialog.status.text() == "")
    assert dialog.results.rowCount() == 0


def test_stray_quotes_and_symbols_never_break_the_box(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    fill(qtbot, session)
    dialog = ctrl_k(qtbot, window)
    for text, found in [
        ('"unbalanced', 0),
        ('"tokyo', 1),  # the stray quote is dropped, the word is found
        ("a(b", 0),
        ("tokyo(", 1),
        ("***", 0),
        ("tokyo ***", 1),
        ("AND OR", 0),
        ("tokyo OR nowhere", 0),  # OR is a word to find, not an operator
        ("NEAR(tokyo", 0),
        ("-tokyo", 1),  # not "without tokyo"
    ]:
        dialog.box.setText(text)
        qtbot.waitUntil(lambda: dialog.status.text() != "")
        expected = f"{found} found" if found else f"No matches for “{text}”."
        assert dialog.status.text() == expected, text
        assert dialog.results.hit_count() == found, text
        dialog.status.clear()


def test_the_contacts_filter_folds_accents_and_case(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    fill(qtbot, session)
    contacts = window.sections[0]
    assert isinstance(contacts, RecordSection)
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 2)

    def names() -> list[str]:
        return [contacts.model.index(r, 0).data() for r in range(contacts.model.rowCount())]

    qtbot.keyClicks(contacts.filter_box, "helene")
    qtbot.waitUntil(lambda: names() == ["Hélène Girard"])
    for typed in ("HÉLÈNE", "hél"):  # typed as a keyboard layout would (QTest types ASCII)
        contacts.filter_box.clear()
        qtbot.waitUntil(lambda: contacts.model.rowCount() == 2)
        contacts.filter_box.setText(typed)
        qtbot.waitUntil(lambda: names() == ["Hélène Girard"])


def test_names_in_another_script_in_search_and_in_the_contacts_filter(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    def work(vault: Vault) -> None:
        vault.store.add(Contact(full_name="Иван Петров"))
        vault.store.add(Contact(full_name="Mohammed Al-Hassan"))

    on_vault(qtbot, session, work)
    session.changed.emit("contact")
    dialog = ctrl_k(qtbot, window)
    qtbot.keyClicks(dialog.box, "Petrov")
    qtbot.waitUntil(lambda: titles(dialog) == ["Иван Петров"])
    dialog.box.setText("محمد")
    qtbot.waitUntil(lambda: titles(dialog) == ["Mohammed Al-Hassan"])
    dialog.close()

    contacts = window.sections[0]
    assert isinstance(contacts, RecordSection)
    qtbot.waitUntil(lambda: contacts.model.rowCount() == 2)
    qtbot.keyClicks(contacts.filter_box, "petrov")
    qtbot.waitUntil(
        lambda: (
            [contacts.model.index(r, 0).data() for r in range(contacts.model.rowCount())]
            == ["Иван Петров"]
        )
    )
