"""HQ's review of held records in the window: listed, searched, shown, released or discarded
once confirmed, over a real HQ vault holding what a revoked station wrote after its date of
compromise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, Meeting
from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import held_records, revoke_station
from liaison_desk.ui.held_review import HeldDialog
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_section import SyncSection
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, exchange, fingerprint, make_vault


@pytest.fixture
def hq_dir(tmp_path: Path) -> Path:
    """An HQ vault holding two records from Paris, revoked, and one older record that flows."""
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    usb = tmp_path / "usb"
    paris.store.add(Contact(full_name="Colonel Before", distribution="all"))
    exchange(paris, hq, usb)
    since = paris.clock.now_ms() + 1
    paris.store.add(Contact(full_name="Colonel After", notes="asked about convoy 7f3a"))
    paris.store.add(Meeting(title="Talks at the ministry", starts_at="2026-03-14T10:30Z"))
    exchange(paris, hq, usb)
    assert revoke_station(hq, fingerprint(paris), "Taken at a checkpoint", since) == 2
    paris.lock()
    hq.lock()
    return hq.path


@pytest.fixture
def hq_session(hq_dir: Path, runner: Runner, qtbot: QtBot) -> Iterator[Session]:
    session = Session(hq_dir, runner)
    session.open(lambda: Vault.unlock(hq_dir, PASSPHRASE), lambda _: None, pytest.fail, session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    yield session
    session.lock()


def _titles(dialog: HeldDialog) -> list[str]:
    return [r.held.title for r in dialog.model.rows()]


def _answer(monkeypatch: pytest.MonkeyPatch, answer: QMessageBox.StandardButton) -> list[str]:
    asked: list[str] = []

    def question(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_hq_reviews_held_records_from_the_sync_section(
    qtbot: QtBot, hq_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = SyncSection(hq_session)
    qtbot.addWidget(section)
    section.show()
    assert section.held_button.isVisible()
    section.held_button.click()
    dialog = section.held_button.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: len(dialog.model.rows()) == 2)
    assert sorted(_titles(dialog)) == ["Colonel After", "Talks at the ministry"]
    table = dialog.model
    headers = [table.headerData(c, Qt.Orientation.Horizontal) for c in range(table.columnCount())]
    assert headers[:4] == ["Station", "Kind", "Title", "Written (station's clock)"]
    shown = {
        table.data(table.index(r, 2)): [
            table.data(table.index(r, c)) for c in range(table.columnCount())
        ]
        for r in range(table.rowCount())
    }
    assert shown["Colonel After"][:2] == ["paris", "Contact"]
    assert shown["Talks at the ministry"][1] == "Meeting"
    assert all(row[3].endswith("UTC") and row[4].endswith("UTC") for row in shown.values())
    assert "2 records waiting" in dialog.count.text()

    # Searched by content: the note, not only the title.
    with qtbot.waitSignal(dialog.loaded):
        dialog.search.setText("convoy 7f3a")
    assert _titles(dialog) == ["Colonel After"]
    qtbot.waitUntil(lambda: "Notes: asked about convoy 7f3a" in dialog.content.toPlainText())
    assert "Full name: Colonel After" in dialog.content.toPlainText()

    # Asked first; "No" changes nothing.
    asked = _answer(monkeypatch, QMessageBox.StandardButton.No)
    dialog.release_button.click()
    assert "Release “Colonel After”?" in asked[0]
    assert dialog.release_button.isEnabled()

    _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.decided) as decided, qtbot.waitSignal(dialog.loaded):
        dialog.release_button.click()
    assert decided.args == ["“Colonel After” released."]
    assert _titles(dialog) == []

    with qtbot.waitSignal(dialog.loaded):
        dialog.search.clear()
    assert _titles(dialog) == ["Talks at the ministry"]
    dialog.table.selectRow(0)
    asked = _answer(monkeypatch, QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.loaded):
        dialog.discard_button.click()
    assert "never sent on" in asked[0]
    assert _titles(dialog) == []
    assert "0 records waiting" in dialog.count.text()

    # Decided ones show on request, and cannot be decided again.
    with qtbot.waitSignal(dialog.loaded):
        dialog.show_all.setChecked(True)
    statuses = {r.held.title: r.held.status for r in dialog.model.rows()}
    assert statuses == {"Colonel After": "released", "Talks at the ministry": "discarded"}
    assert not dialog.release_button.isEnabled() and not dialog.discard_button.isEnabled()
    assert hq_session.on_vault(held_records) == []
