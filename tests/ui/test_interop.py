"""The Import/Export menu: previews before imports, a warning before every export, progress
in the status bar, and PDF reports marked on every page, with real widgets and vaults."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core import audit
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.vault import Vault
from liaison_desk.ui.import_preview import ContactPreviewDialog, EventPreviewDialog
from liaison_desk.ui.interop_actions import InteropActions, file_name
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_model import PAGE_SIZE
from liaison_desk.ui.session import Session
from tests.people import add_person, values
from tests.ui.vault_work import on_vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interop"
SAVE = QMessageBox.StandardButton.Save
CANCEL = QMessageBox.StandardButton.Cancel


class Dialogs:
    """Answers for the file dialogs and message boxes, and what they were asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.open_path: Path | None = None
        self.save_path: Path | None = None
        self.save_filter = ""
        self.answer = SAVE
        self.warnings: list[str] = []
        self.asked_for_file = 0
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self._open)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self._save)
        monkeypatch.setattr(QMessageBox, "warning", self._warning)

    def _open(self, *args: object, **kwargs: object) -> tuple[str, str]:
        self.asked_for_file += 1
        return (str(self.open_path) if self.open_path else "", "")

    def _save(self, *args: object, **kwargs: object) -> tuple[str, str]:
        self.asked_for_file += 1
        return (str(self.save_path) if self.save_path else "", self.save_filter)

    def _warning(self, parent: object, title: str, text: str, *args: object) -> Any:
        self.warnings.append(f"{title}: {text}")
        return self.answer


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> Dialogs:
    return Dialogs(monkeypatch)


def interop(window: MainWindow) -> InteropActions:
    return window.interop


def settle(qtbot: QtBot, window: MainWindow, until: Callable[[], bool] = lambda: True) -> None:
    qtbot.waitUntil(lambda: not interop(window).busy and until(), timeout=20_000)


def pages(path: Path) -> list[str]:
    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def test_vcard_import_shows_duplicates_then_imports_what_was_chosen(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, qtmodeltester: Any
) -> None:
    on_vault(
        qtbot,
        session,
        lambda v: add_person(v.store, "Hélène G.", emails=("helene.girard@defense.gouv.example",)),
    )
    dialogs.open_path = FIXTURES / "apple-contacts-3.0.vcf"
    progress: list[tuple[int, int]] = []
    interop(window).relay.advanced.connect(lambda _op, done, total: progress.append((done, total)))

    interop(window).import_contacts_action.trigger()
    qtbot.waitUntil(lambda: isinstance(interop(window).preview_dialog, ContactPreviewDialog))
    dialog = interop(window).preview_dialog
    assert isinstance(dialog, ContactPreviewDialog)
    qtmodeltester.check(dialog.model)
    model = dialog.model
    cells = [[model.index(r, c).data() for c in (1, 4, 5)] for r in range(model.rowCount())]
    assert cells == [
        ["Hélène Girard", "Hélène G. in the vault (same email)", "Skip"],
        ["Ambassade du Japon", "", "Add"],
    ]
    assert on_vault(qtbot, session, lambda v: v.store.count(Contact)) == 1  # nothing yet

    dialog.policy_box.setCurrentIndex(dialog.policy_box.findData("merge"))
    assert model.index(0, 5).data() == "Merge"
    dialog.import_button.click()
    settle(qtbot, window, lambda: "merged" in window.statusBar().currentMessage())

    assert window.statusBar().currentMessage() == (
        "1 contact added, 1 merged, 0 skipped, 4 new organizations, 1 photo."
    )
    merged = on_vault(qtbot, session, lambda v: v.store.list(Contact))[1]
    phones = on_vault(qtbot, session, lambda v: values(v.store, merged.id, "phone"))
    assert merged.full_name == "Hélène G." and phones == ("+33 6 12 34 56 78", "+33 1 44 42 30 11")
    assert progress == [(3, 3), (1, 1)]  # read 3 cards (one a group), then wrote 1 new
    assert not interop(window).progress.isVisible()


def test_choices_for_selected_duplicates(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    people = (("A", "a@x.org"), ("B", "b@x.org"))
    on_vault(
        qtbot,
        session,
        lambda v: [add_person(v.store, n, emails=(e,)) for n, e in people],
    )
    cards = "".join(f"BEGIN:VCARD\nVERSION:3.0\nFN:{n}2\nEMAIL:{e}\nEND:VCARD\n" for n, e in people)
    dialogs.open_path = tmp_path / "two.vcf"
    dialogs.open_path.write_text(cards, encoding="utf-8")

    interop(window).import_contacts_action.trigger()
    qtbot.waitUntil(lambda: isinstance(interop(window).preview_dialog, ContactPreviewDialog))
    dialog = interop(window).preview_dialog
    assert isinstance(dialog, ContactPreviewDialog)
    dialog.table.selectRow(1)
    dialog.set_selected("create")

    assert dialog.choices() == {0: "skip", 1: "create"}
    dialog.import_button.click()
    settle(qtbot, window, lambda: "added" in window.statusBar().currentMessage())
    names = sorted(c.full_name for c in on_vault(qtbot, session, lambda v: v.store.list(Contact)))
    assert names == ["A", "B", "B2"]


def test_the_preview_lists_cards_left_out_and_properties_not_kept(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    dialogs.open_path = tmp_path / "phone.vcf"
    dialogs.open_path.write_text(
        (FIXTURES / "bad-phone.vcf").read_text(encoding="utf-8")
        + (FIXTURES / "bad-photo.vcf").read_text(encoding="utf-8")
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ines Roth\r\nGENDER:F\r\nEND:VCARD\r\n"
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim Park\r\nX-LIAISON-MARKING:COSMIC\r\n"
        "END:VCARD\r\n",
        encoding="utf-8",
    )

    interop(window).import_contacts_action.trigger()
    qtbot.waitUntil(lambda: isinstance(interop(window).preview_dialog, ContactPreviewDialog))
    dialog = interop(window).preview_dialog
    assert isinstance(dialog, ContactPreviewDialog)

    assert dialog.model.rowCount() == 4
    assert "1 card left out (see below)" in dialog.summary.text()
    assert dialog.left_out.isVisibleTo(dialog)
    lines = dialog.left_out.toPlainText().splitlines()
    assert lines[0].startswith("Left out: line 24 (Kim Park): Unknown marking COSMIC")
    assert lines[1:] == [
        "Left out of a card: line 9 (Sabine Krüger): 'call the switchboard' is not a phone number.",
        "Left out of a card: line 14 (Jonas Schäfer): the photo is not valid base64 data; "
        "the card came in without it.",
        "Not kept (no place in the vault): GENDER in 1 card.",
    ]
    dialog.import_button.click()
    settle(qtbot, window, lambda: "added" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage() == (
        "4 contacts added, 0 merged, 0 skipped; left out: 1 card, 2 values."
    )


def test_a_broken_file_is_explained_with_its_line(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs
) -> None:
    dialogs.open_path = FIXTURES / "truncated.vcf"

    interop(window).import_contacts_action.trigger()
    qtbot.waitUntil(lambda: bool(dialogs.warnings))

    assert dialogs.warnings[0].startswith(
        "Import contacts: truncated.vcf, line 14: the file ends inside the card opened at line 1"
    )
    assert interop(window).preview_dialog is None
    assert on_vault(qtbot, session, lambda v: v.store.count(Contact)) == 0


def test_exports_warn_first_and_write_nothing_when_cancelled(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    on_vault(qtbot, session, lambda v: v.store.add(Contact(full_name="Yui Mori", country="JP")))
    window.session.changed.emit("contact")
    qtbot.waitUntil(lambda: window.sections[0].model.total == 1)
    dialogs.answer = CANCEL

    interop(window).export_contacts_action.trigger()

    assert dialogs.asked_for_file == 0
    assert "1 contact (what the Contacts list shows)" in dialogs.warnings[0]
    assert "will NOT be encrypted" in dialogs.warnings[0]
    dialogs.answer = SAVE
    dialogs.save_path = tmp_path / "mine"  # no suffix typed: .vcf is added
    dialogs.save_filter = "vCard 4.0 (*.vcf)"
    interop(window).export_contacts_action.trigger()
    settle(qtbot, window, lambda: (tmp_path / "mine.vcf").exists())

    assert (tmp_path / "mine.vcf").read_bytes().startswith(b"BEGIN:VCARD\r\nVERSION:4.0\r\n")
    assert window.statusBar().currentMessage() == "Wrote 1 contact to mine.vcf (not encrypted)."
    entries = on_vault(qtbot, session, lambda v: audit.entries(v.conn))
    assert entries[0].event == "export" and entries[0].detail["records"] == 1


def test_csv_has_the_lists_columns_filter_and_every_row(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    count = PAGE_SIZE + 50
    on_vault(
        qtbot,
        session,
        lambda v: v.store.add_many(
            [Contact(full_name=f"Girard {i:03d}", country="FR") for i in range(count)]
            + [Contact(full_name="Mori", country="JP")]
        ),
    )
    section = window.sections[0]
    section.model.set_filter_text("girard")
    qtbot.waitUntil(lambda: section.model.total == count)
    dialogs.save_path = tmp_path / "girards.csv"

    window.open_section(section)
    interop(window).export_csv_action.trigger()
    settle(qtbot, window, lambda: dialogs.save_path is not None and dialogs.save_path.exists())

    rows = list(
        csv.reader(io.StringIO((tmp_path / "girards.csv").read_bytes().decode("utf-8-sig")))
    )
    assert rows[0] == [c.header for c in section.model.columns]
    assert len(rows) == count + 1 > section.model.rowCount() + 1  # not only the loaded page
    assert rows[1][:2] == ["Girard 000", ""] and rows[1][3] == "FR"


def test_calendar_import_then_export(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    on_vault(
        qtbot,
        session,
        lambda v: add_person(v.store, "Wanjiru Mwangi", emails=("wanjiru.mwangi@mod.example.ke",)),
    )
    dialogs.open_path = FIXTURES / "google.ics"

    interop(window).import_meetings_action.trigger()
    qtbot.waitUntil(lambda: isinstance(interop(window).preview_dialog, EventPreviewDialog))
    dialog = interop(window).preview_dialog
    assert isinstance(dialog, EventPreviewDialog)
    assert dialog.model.index(0, 3).data() == "Wanjiru Mwangi"
    assert dialog.model.index(0, 4).data() == "liaison.officer@example.org; otieno@example.ke"
    dialog.import_button.click()
    settle(qtbot, window, lambda: "meetings added" in window.statusBar().currentMessage())
    assert on_vault(qtbot, session, lambda v: v.store.count(Meeting)) == 3

    dialogs.save_path = tmp_path / "meetings.ics"
    interop(window).export_meetings_action.trigger()
    settle(qtbot, window, lambda: (tmp_path / "meetings.ics").exists())
    assert "3 meetings (what the Meetings list shows)" in dialogs.warnings[-1]
    assert b"X-LIAISON-ID:" in (tmp_path / "meetings.ics").read_bytes()


def _meeting_with_people(vault: Vault) -> str:
    helene = vault.store.add(
        Contact(full_name="Hélène Girard", country="FR", marking="CONFIDENTIAL")
    )
    talks = vault.store.add(
        Meeting(
            title="Staff talks",
            starts_at="2026-03-14T09:30:00Z",
            timezone="Europe/Paris",
            summary="Dates agreed.",
            notes="## Points\n\n"
            + "\n".join(f"- Point {i} discussed at length." for i in range(90)),
        )
    )
    vault.store.add(Participant(meeting_id=talks.id, contact_id=helene.id))
    vault.store.add(FollowUp(action="Send the dates", meeting_id=talks.id, due_date="2026-03-20"))
    return talks.id


def test_meeting_report_is_marked_on_every_page(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    meeting_id = on_vault(qtbot, session, _meeting_with_people)
    interop(window).meeting_report_action.trigger()
    assert window.statusBar().currentMessage() == "Open a meeting in the Meetings list first."
    window.open_record("meeting", meeting_id)
    qtbot.waitUntil(
        lambda: (
            window.current_section() is not None
            and window.current_section().current_record_id() == meeting_id
        )
    )  # type: ignore[union-attr]
    dialogs.save_path = tmp_path / "talks.pdf"

    interop(window).meeting_report_action.trigger()
    settle(qtbot, window, lambda: (tmp_path / "talks.pdf").exists())

    assert "marked CONFIDENTIAL on every page" in dialogs.warnings[-1]
    texts = pages(tmp_path / "talks.pdf")
    assert len(texts) >= 2
    assert all(t.count("CONFIDENTIAL") >= 2 and "Page" in t for t in texts)
    assert "Hélène Girard" in texts[0] and "Dates agreed." in texts[0]
    assert "Send the dates" in texts[-1]
    assert (
        window.statusBar()
        .currentMessage()
        .startswith(f"Wrote a {len(texts)}-page report marked CONFIDENTIAL")
    )


def test_period_report_from_its_dialog(
    qtbot: QtBot, window: MainWindow, session: Session, dialogs: Dialogs, tmp_path: Path
) -> None:
    on_vault(qtbot, session, _meeting_with_people)
    dialogs.save_path = tmp_path / "france.pdf"

    interop(window).period_report_action.trigger()
    dialog = interop(window).period_dialog
    assert dialog is not None
    dialog.accept()  # no country typed yet
    assert dialog.error.text() == "Type the country's two-letter code, e.g. FR."
    dialog.country.setText("fr")
    dialog.start.setDate(QDate(2026, 1, 1))
    dialog.end.setDate(QDate(2026, 3, 31))
    dialog.accept()
    settle(qtbot, window, lambda: (tmp_path / "france.pdf").exists())

    texts = pages(tmp_path / "france.pdf")
    assert "Engagements with FR" in texts[0] and "Staff talks" in texts[0]
    assert all("CONFIDENTIAL" in t for t in texts)


def test_the_menu_is_off_while_locked(qtbot: QtBot, window: MainWindow) -> None:
    assert interop(window).import_contacts_action.isEnabled()

    window.lock()

    assert not any(a.isEnabled() for a in interop(window).menu.actions() if not a.isSeparator())


def test_file_names_from_titles() -> None:
    assert file_name("Staff talks / Paris, 14 March", ".pdf") == "staff-talks-paris-14-march.pdf"
    assert file_name("???", ".csv") == "export.csv"
