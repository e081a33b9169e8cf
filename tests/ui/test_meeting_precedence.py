"""A meeting's detail lists its participants in order of precedence, the reason on hover."""

from __future__ import annotations

from PySide6.QtGui import QTextDocument
from pytestqt.qtbot import QtBot

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.ranks import rank_fields
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.ui.detail_page import PEOPLE_IN_ORDER
from liaison_desk.ui.session import Session
from tests.ui.test_record_section import open_section
from tests.ui.vault_work import on_vault


def _tooltips(document: QTextDocument) -> dict[str, str]:
    """Each run of text that has a tooltip, with it."""
    found: dict[str, str] = {}
    block = document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().toolTip():
                found[fragment.text()] = fragment.charFormat().toolTip()
            it += 1
        block = block.next()
    return found


def test_the_meeting_detail_lists_people_in_precedence_with_reasons(
    qtbot: QtBot, session: Session
) -> None:
    def setup(vault: Vault) -> str:
        store = vault.store
        people = [
            Contact(full_name="Lt Col Brandt", country="DE", **rank_fields("Oberstleutnant", "DE")),
            Contact(
                full_name="Gen. Moreau",
                country="FR",
                accredited_on="2025-03-01",
                **rank_fields("Général de division", "FR"),
            ),
            Contact(full_name="Amb. Tanaka", country="JP", diplomatic_rank="ambassador"),
        ]
        ids = tuple(store.add(c).id for c in people)
        values = {"title": "Reception", "starts_at": "2026-03-20T18:00:00Z"}
        return save_meeting(store, None, values, add_people=ids).id

    on_vault(qtbot, session, setup)
    meetings = open_section(qtbot, session, "Meetings")
    qtbot.waitUntil(lambda: meetings.model.rowCount() == 1)
    meetings.table.selectRow(0)
    text = meetings.detail.browser.toPlainText
    qtbot.waitUntil(lambda: PEOPLE_IN_ORDER in text())
    lines = text()[text().index(PEOPLE_IN_ORDER) :].splitlines()
    # The default rule: heads of mission, then general officers, then senior officers.
    assert lines[1:4] == ["1. Amb. Tanaka", "2. Gen. Moreau", "3. Lt Col Brandt"]
    hints = _tooltips(meetings.detail.browser.document())
    assert hints["2. Gen. Moreau"] == "OF-7, accredited 2025-03-01 (general and flag officers)"
    assert hints["1. Amb. Tanaka"] == "Ambassador (heads of mission)"
