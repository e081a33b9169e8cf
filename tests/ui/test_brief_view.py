"""The Brief button and window, through the real window and a real vault: the brief of the
contact on screen with its charts, saved as a PDF marked on every page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact, FollowUp, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.ui.brief_dialog import BriefDialog, pdf_name
from liaison_desk.ui.charts import TimelineChart
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault


def a_colonel(vault: Vault) -> Contact:
    store = vault.store
    colonel = store.add(
        Contact(full_name="Hélène Girard", rank="Colonel", country="FR", marking="RESTRICTED")
    )
    for when in ("2025-11-03T09:00Z", "2026-01-10T09:00Z", "2026-01-20T09:00Z"):
        save_meeting(
            store,
            None,
            {"title": f"Talks of {when[:10]}", "starts_at": when, "summary": "Dates agreed."},
            add_people=[colonel.id],
        )
    store.add(FollowUp(action="Send the programme", contact_ids=(colonel.id,)))
    store.add(ProtocolRef(title="France: greetings", body="Bonjour.", country="FR",
                          category="cultural-notes"))  # fmt: skip
    return colonel


def opened(qtbot: QtBot, window: MainWindow, session: Session) -> BriefDialog:
    colonel = on_vault(qtbot, session, a_colonel)
    session.changed.emit("contact")
    section = window.sections[0]
    window.open_record("contact", colonel.id)
    qtbot.waitUntil(section.brief_button.isEnabled)
    assert section.brief_button.isVisible()
    section.brief_button.click()
    qtbot.waitUntil(lambda: section.brief_button.dialog is not None)
    dialog = section.brief_button.dialog
    assert dialog is not None
    return dialog


def test_the_brief_of_the_contact_on_screen_shows_its_parts_and_charts(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    dialog = opened(qtbot, window, session)
    qtbot.waitUntil(lambda: len(dialog.charts) == 2)  # the country's read after the page

    text = dialog.page.toPlainText()
    assert dialog.windowTitle().startswith("Brief: Colonel Hélène Girard")
    assert "Talks of 2026-01-20" in text and "Dates agreed." in text
    assert "Send the programme" in text and "France: greetings" in text
    for name in ("briefMarkingTop", "briefMarkingBottom"):
        banner = dialog.findChild(QLabel, name)
        assert banner is not None and banner.text() == "RESTRICTED"
    charts = dialog.findChildren(TimelineChart)
    assert [c.timeline.title for c in charts] == [
        "Engagements with Hélène Girard",
        "Engagements with FR",
    ]
    assert charts[0].timeline.total == 3
    dialog.close()


def test_save_as_pdf_warns_then_writes_the_marked_pdf(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialog = opened(qtbot, window, session)
    qtbot.waitUntil(dialog.save_button.isEnabled)
    target = tmp_path / "out" / "girard"
    target.parent.mkdir()
    warned: list[str] = []

    def warning(*args: object, **kwargs: object) -> QMessageBox.StandardButton:
        warned.append(str(args[2]))
        return QMessageBox.StandardButton.Save

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    with qtbot.waitSignal(dialog.status_message) as said:
        dialog.save_button.click()

    assert "marked RESTRICTED on every page" in warned[0] and "NOT be encrypted" in warned[0]
    assert said.args == ["Wrote a 1-page brief marked RESTRICTED to girard.pdf (not encrypted)."]
    reader = PdfReader(io.BytesIO((tmp_path / "out" / "girard.pdf").read_bytes()))
    text = "".join("".join((p.extract_text() or "").split()) for p in reader.pages)
    assert text.count("RESTRICTED") >= 2 and "ColonelHélèneGirard" in text
    dialog.close()


def test_a_pdf_is_named_after_the_brief() -> None:
    assert pdf_name("Col. Anna Berg") == "brief-col-anna-berg.pdf"
    assert pdf_name("  ") == "brief-record.pdf"


def test_the_button_is_only_where_a_brief_makes_sense(window: MainWindow) -> None:
    shown = {s.kind.name: s.brief_button.isVisibleTo(s) for s in window.sections}

    assert shown["contact"] and shown["organization"] and shown["meeting"]
    assert not shown["followup"] and not shown["protocol"]
