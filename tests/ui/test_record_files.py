"""A contact's photo and a record's files, through the real window and a real vault."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QColor, QDesktopServices, QImage
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core import audit
from liaison_desk.core.attachments import attachments_of
from liaison_desk.core.open_copies import ram_base, root_folder
from liaison_desk.core.records import Contact
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_files import PHOTO_SIZE, opened_copies
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault


def a_contact(qtbot: QtBot, window: MainWindow, session: Session) -> tuple[RecordSection, str]:
    contact = on_vault(qtbot, session, lambda v: v.store.add(Contact(full_name="Hélène Girard")))
    session.changed.emit("contact")
    section = window.sections[0]
    assert section.kind.name == "contact"
    window.open_record("contact", contact.id)
    qtbot.waitUntil(lambda: section.detail.detail is not None)
    return section, contact.id


def picked(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))


def test_a_photo_chosen_in_the_editor_shows_in_the_detail_pane(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    section, contact_id = a_contact(qtbot, window, session)
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(QColor("#2a6f97"))
    png = tmp_path / "helene.png"
    assert image.save(str(png))
    section.edit_button.click()
    editor = section.photo_editor
    assert editor is not None
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)
    assert editor.choose_button.isEnabled() and not editor.remove_button.isEnabled()
    picked(monkeypatch, png)
    editor.choose_button.click()
    qtbot.waitUntil(lambda: editor.remove_button.isEnabled())
    assert editor.image.pixmap().width() == PHOTO_SIZE
    section.discard_changes()  # nothing else changed: back to the detail page
    photo = section.files.photo
    assert photo is not None
    qtbot.waitUntil(lambda: photo.isVisible() and not photo.image.pixmap().isNull())
    assert (photo.image.pixmap().width(), photo.image.pixmap().height()) == (96, 48)
    stored = on_vault(qtbot, session, lambda v: v.store.get(Contact, contact_id))
    assert stored.photo_id is not None

    section.edit_button.click()
    qtbot.waitUntil(lambda: editor.remove_button.isEnabled())
    editor.remove_button.click()
    qtbot.waitUntil(lambda: not editor.remove_button.isEnabled())
    assert on_vault(qtbot, session, lambda v: v.store.get(Contact, contact_id)).photo_id is None


def test_a_new_contact_gets_its_photo_once_saved(qtbot: QtBot, window: MainWindow) -> None:
    section = window.sections[0]
    section.new_record()
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)
    assert section.photo_editor is not None
    assert not section.photo_editor.choose_button.isEnabled()
    assert "Save the contact first" in section.photo_editor.hint.text()


def test_a_file_is_attached_opened_in_the_ram_folder_exported_and_gone_at_the_lock(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    section, _ = a_contact(qtbot, window, session)
    files = section.files.files
    qtbot.waitUntil(lambda: files.isVisible() and files.heading.text() == "Files: none yet")
    source = tmp_path / "business card.pdf"
    source.write_bytes(b"%PDF-1.7 card")
    picked(monkeypatch, source)
    files.add_button.click()
    qtbot.waitUntil(lambda: files.model.rowCount() == 1)
    assert files.model.index(0).data() == "business card.pdf (13 bytes)"
    files.list.setCurrentIndex(files.model.index(0))

    shown: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: shown.append(url) or True)
    files.open_button.click()
    qtbot.waitUntil(lambda: bool(shown))
    opened = Path(shown[0].toLocalFile())
    assert opened.read_bytes() == b"%PDF-1.7 card" and opened.name == "business card.pdf"
    process_folder = opened_copies(session).copies.folder
    assert process_folder.parent == root_folder(ram_base())
    assert process_folder.name.startswith(f"{os.getpid()}-")
    assert opened.is_relative_to(process_folder)
    if Path("/dev/shm").is_dir():
        assert opened.is_relative_to(Path("/dev/shm"))
    assert stat.S_IMODE(opened.stat().st_mode) == 0o600
    for folder in (process_folder, process_folder.parent, opened.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    out = tmp_path / "exported" / "card.pdf"
    out.parent.mkdir()
    warned: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda _p, _t, text, *a: warned.append(text) or QMessageBox.StandardButton.Save,
    )
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    files.export_button.click()
    qtbot.waitUntil(out.exists)
    assert out.read_bytes() == b"%PDF-1.7 card" and "NOT be encrypted" in warned[0]
    events = on_vault(qtbot, session, lambda v: [e.detail for e in audit.entries(v.conn, 3)])
    assert events[0] == {"bytes": 13, "kind": "attachment"}  # the export, counted

    window.lock()
    qtbot.waitUntil(lambda: not opened.exists() and not process_folder.exists())


def test_a_file_is_deleted_after_asking(
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    section, contact_id = a_contact(qtbot, window, session)
    files = section.files.files
    note = tmp_path / "note.txt"
    note.write_text("a note")
    picked(monkeypatch, note)
    files.add_button.click()
    qtbot.waitUntil(lambda: files.heading.text() == "Files (1)")
    files.list.setCurrentIndex(files.model.index(0))
    asked: list[str] = []
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda _p, _t, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes,
    )
    files.delete_button.click()
    qtbot.waitUntil(lambda: files.heading.text() == "Files: none yet")
    assert asked == [
        "Delete note.txt? It leaves this record here, and every vault it reached once the "
        "deletion is synced."
    ]
    assert on_vault(qtbot, session, lambda v: attachments_of(v, contact_id)) == []
