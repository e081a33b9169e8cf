"""Ctrl+K: results of every kind as you type, Enter opens the record."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from liaison_desk.core.records import Contact, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.ui.search_dialog import SearchDialog
from liaison_desk.ui.session import Session


def write(qtbot: Any, session: Session, work: Any) -> Any:
    out: list[Any] = []
    session.read(work, out.append, session)
    qtbot.waitUntil(lambda: bool(out), timeout=10_000)
    return out[0]


def test_results_as_you_type_and_enter_opens(qtbot: Any, session: Session) -> None:
    def fill(vault: Vault) -> tuple[str, str]:
        c = vault.store.add(Contact(full_name="Ambrose Kamau", notes="Navy liaison"))
        m = vault.store.add(Meeting(title="Ambassador's reception", starts_at="2026-03-14T18:00Z"))
        return c.id, m.id

    contact_id, meeting_id = write(qtbot, session, fill)
    dialog = SearchDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.box, "amb")
    qtbot.waitUntil(lambda: dialog.results.rowCount() == 0, timeout=5_000)  # "amb" alone: word
    dialog.box.setText("amb*")
    qtbot.waitUntil(lambda: dialog.results.rowCount() == 2, timeout=5_000)
    kinds = {dialog.results.hit(r).kind for r in range(2)}  # type: ignore[union-attr]
    assert kinds == {"contact", "meeting"}
    assert "[" not in dialog.preview.text() and "<b>" in dialog.preview.text()
    qtbot.keyClick(dialog.box, Qt.Key.Key_Down)
    chosen = dialog.results.hit(dialog.view.currentIndex().row())
    assert chosen is not None
    with qtbot.waitSignal(dialog.chosen, timeout=5_000) as signal:
        qtbot.keyClick(dialog.box, Qt.Key.Key_Return)
    assert signal.args == [chosen.kind, chosen.id]
    assert chosen.id in (contact_id, meeting_id)


def test_stray_quotes_and_symbols_never_break_the_box(qtbot: Any, session: Session) -> None:
    write(
        qtbot,
        session,
        lambda v: v.store.add(Contact(full_name="Aiko Tanaka", notes="Posted to Tokyo")),
    )
    dialog = SearchDialog(session)
    qtbot.addWidget(dialog)
    dialog.show()
    for text, found in [
        ('"unbalanced', 0),
        ('"tokyo', 1),  # the stray quote is dropped, the word is found
        ("a(b", 0),
        ("tokyo(", 1),
        ("***", 0),
        ("tokyo ***", 1),
        ("AND OR", 0),
        ("tokyo OR nowhere", 0),  # OR is a word to find, not an operator
    ]:
        dialog.box.setText(text)
        qtbot.waitUntil(lambda: dialog.status.text() != "", timeout=5_000)
        assert dialog.status.text() == f"{found} found", text
        assert dialog.results.rowCount() == found, text
        dialog.status.clear()
