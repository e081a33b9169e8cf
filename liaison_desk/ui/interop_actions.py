"""The Import/Export menu: vCard and iCalendar in and out, any list as CSV, PDF reports.

Imports read and check the whole file on the vault's worker, show what they
would do (duplicates and the choice for each, attendees matched), and write
only when the user says Import, in one transaction. Exports are explicit: a
warning that the file is not encrypted comes first, then the file name; the
file is written atomically on the worker and the audit log records counts.
Progress comes back from the worker through a queued signal to a bar in the
status bar. PDF pages are painted on the GUI thread (Qt painting), from data
read on the worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.interop.contact_export import export_vcards
from liaison_desk.core.interop.contact_import import Preview, apply_import, preview
from liaison_desk.core.interop.csv_export import csv_bytes
from liaison_desk.core.interop.export_file import NOT_ENCRYPTED, write_export
from liaison_desk.core.interop.ical import CalendarFile, read_events
from liaison_desk.core.interop.listing import PAGE, all_matching
from liaison_desk.core.interop.meeting_export import export_ics
from liaison_desk.core.interop.meeting_import import EventPreview, apply_events, preview_events
from liaison_desk.core.interop.report_data import Report, meeting_report, period_report
from liaison_desk.core.interop.vcard import CardFile, read_vcards
from liaison_desk.core.station_zone import station_zone
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.ui.import_preview import ContactPreviewDialog, EventPreviewDialog
from liaison_desk.ui.period_dialog import PeriodReportDialog
from liaison_desk.ui.record_model import Annotator, Column, Row, display
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.reports import render_pdf
from liaison_desk.ui.runner import OnError
from liaison_desk.ui.session import Session

Progress = Callable[[int, int], None]


class InteropProgress(QObject):
    """Carries progress from the worker to the GUI thread (one per session, so late reports
    from a task started before a lock still land on a living object)."""

    advanced = Signal(int, int, int)  # operation, done, total


def interop_progress(session: Session) -> InteropProgress:
    relay = session.findChild(InteropProgress)
    return relay if isinstance(relay, InteropProgress) else InteropProgress(session)


def file_name(title: str, suffix: str) -> str:
    """A file name from a title: "Staff talks / Paris" -> "staff-talks-paris.pdf"."""
    slug = re.sub(r"[^\w]+", "-", title.casefold()).strip("-")[:60] or "export"
    return f"{slug}{suffix}"


def list_query(section: RecordSection) -> ListQuery:
    """What the section's list shows: its filters, sort order and typed filter text."""
    model = section.model
    return replace(model.query, title_contains=model.filter_text or None, limit=0, offset=0)


def list_csv(
    vault: Vault,
    section_columns: Sequence[Column],
    annotate: Annotator | None,
    cls: type[Any],
    query: ListQuery,
) -> tuple[list[str], list[list[str]]]:
    """The list's columns as its cells show them, for every record it matches."""
    header = [c.header for c in section_columns]
    rows: list[list[str]] = []
    page: list[Any] = []

    def flush() -> None:
        extras = annotate(vault, page) if annotate is not None and page else {}
        for record in page:
            row = Row(record, extras.get(record.id, {}))
            rows.append(
                [
                    c.formatter(row.value(c.field)) if c.formatter else display(row.value(c.field))
                    for c in section_columns
                ]
            )
        page.clear()

    for record in all_matching(vault.store, cls, query):
        page.append(record)
        if len(page) == PAGE:
            flush()
    flush()
    return header, rows


class InteropActions(QObject):
    """The menu's actions and the flows behind them; one per main window."""

    status_message = Signal(str)
    finished = Signal()  # an import, export or report is over (done, failed or cancelled)

    def __init__(
        self,
        window: QMainWindow,
        session: Session,
        sections: Callable[[], Sequence[RecordSection]],
        current: Callable[[], RecordSection | None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self._sections = sections
        self._current = current
        self.folder = Path.home()
        self.today: Callable[[], date] = date.today
        self._operation = 0
        self._busy = False
        self.preview_dialog: QDialog | None = None
        self.period_dialog: PeriodReportDialog | None = None
        self.relay = interop_progress(session)
        self.relay.advanced.connect(self._on_progress)
        self.menu = QMenu("&Import/Export", window)
        self.import_contacts_action = self._action(
            "Import contacts from &vCard…", self.import_contacts
        )
        self.export_contacts_action = self._action(
            "Export contacts to v&Card…", self.export_contacts
        )
        self.menu.addSeparator()
        self.import_meetings_action = self._action(
            "Import meetings from &iCalendar…", self.import_meetings
        )
        self.export_meetings_action = self._action(
            "Export meetings to iCa&lendar…", self.export_meetings
        )
        self.menu.addSeparator()
        self.export_csv_action = self._action("Export this list as C&SV…", self.export_csv)
        self.menu.addSeparator()
        self.meeting_report_action = self._action("&Meeting report (PDF)…", self.meeting_report)
        self.period_report_action = self._action("&Period report (PDF)…", self.period_report)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        window.statusBar().addWidget(self.progress)
        session.unlocked.connect(self._enable)
        session.locked.connect(self._enable)
        session.locked.connect(self._forget)
        self._enable()

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        self.menu.addAction(action)
        return action

    @property
    def busy(self) -> bool:
        return self._busy

    def _enable(self) -> None:
        on = self.session.is_unlocked and not self._busy
        for action in self.menu.actions():
            action.setEnabled(on)

    def _forget(self) -> None:
        """The window closed the dialogs at the lock; what they showed is let go of too."""
        self.preview_dialog = None
        self.period_dialog = None

    def _locked_meanwhile(self) -> bool:
        """A file read or report made before a lock arrives after it: dropped, not shown."""
        if self.session.is_unlocked:
            return False
        self._stop()
        return True

    # -- running -------------------------------------------------------------------------------

    def _start(self, label: str) -> Progress:
        """Show the bar (busy until the first report); returns the worker's progress callback."""
        self._operation += 1
        self._busy = True
        self._enable()
        self.progress.setRange(0, 0)
        self.progress.setFormat(f"{label} %p%")
        self.progress.setVisible(True)
        self.status_message.emit(label)
        relay, operation = self.relay, self._operation

        def report(done: int, total: int) -> None:  # on the worker: emit only
            relay.advanced.emit(operation, done, total)

        return report

    def _on_progress(self, operation: int, done: int, total: int) -> None:
        if operation == self._operation and self._busy and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))

    def _stop(self, message: str | None = None) -> None:
        self._busy = False
        self.progress.setVisible(False)
        self._enable()
        if message:
            self.status_message.emit(message)
        self.finished.emit()

    def _failed(self, title: str) -> OnError:
        def show(error: LiaisonError) -> None:
            self._stop(error.message)
            QMessageBox.warning(self.window, title, error.message)

        return show

    def _section(self, kind: str) -> RecordSection | None:
        return next((s for s in self._sections() if s.kind.name == kind), None)

    # -- files ---------------------------------------------------------------------------------

    def confirm_unencrypted(self, title: str, what: str) -> bool:
        answer = QMessageBox.warning(
            self.window,
            title,
            f"{what}\n\n{NOT_ENCRYPTED}",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Save

    def _open_file(self, title: str, filters: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self.window, title, str(self.folder), filters)
        if not name:
            return None
        self.folder = Path(name).parent
        return Path(name)

    def _save_file(self, title: str, name: str, filters: str) -> tuple[Path, str] | None:
        chosen, kind = QFileDialog.getSaveFileName(
            self.window, title, str(self.folder / name), filters
        )
        if not chosen:
            return None
        path = Path(chosen)
        if not path.suffix:
            path = path.with_suffix(Path(name).suffix)
        self.folder = path.parent
        return path, kind

    # -- contacts --------------------------------------------------------------------------------

    def import_contacts(self) -> None:
        """Pick a .vcf file, read and check it, then show what importing it would do."""
        path = self._open_file(
            "Import contacts from vCard", "vCard files (*.vcf *.vcard);;All files (*)"
        )
        if path is None or self._busy:
            return
        progress = self._start("Reading cards…")

        def work(vault: Vault) -> tuple[CardFile, Preview]:
            cards = read_vcards(path, progress)
            return cards, preview(vault.store, cards)

        def done(result: tuple[CardFile, Preview]) -> None:
            if self._locked_meanwhile():
                return
            self._stop()
            cards, found = result
            dialog = ContactPreviewDialog(found, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(
                lambda: self._import_contacts(path, cards, dialog.policy(), dialog.choices())
            )
            self.preview_dialog = dialog
            dialog.open()

        self.session.read(work, done, self, self._failed("Import contacts"))

    def _import_contacts(
        self, path: Path, cards: CardFile, policy: str, choices: dict[int, str]
    ) -> None:
        progress = self._start("Importing contacts…")

        def work(vault: Vault) -> str:
            summary = apply_import(
                vault, cards, on_duplicate=policy, choices=choices, progress=progress
            )
            return summary.sentence()

        self.session.write("contact", work, self._stop, self, self._failed("Import contacts"))

    def export_contacts(self) -> None:
        """Write the contacts the Contacts list shows (all of them, every page) as vCards."""
        section = self._section("contact")
        if section is None or self._busy:
            return
        count = section.model.total
        what = (
            f"{plural(count, 'contact')} (what the Contacts list shows) will be written to a "
            "vCard file."
        )
        if not self.confirm_unencrypted("Export contacts", what):
            return
        chosen = self._save_file(
            "Export contacts", "contacts.vcf", "vCard 3.0 (*.vcf);;vCard 4.0 (*.vcf)"
        )
        if chosen is None:
            return
        path, kind = chosen
        version = "4.0" if "4.0" in kind else "3.0"
        query = list_query(section)
        progress = self._start("Writing cards…")

        def work(vault: Vault) -> str:
            written = export_vcards(vault, path, query, version, progress)
            return f"Wrote {plural(written, 'contact')} to {path.name} (not encrypted)."

        self.session.read(work, self._stop, self, self._failed("Export contacts"))

    # -- meetings --------------------------------------------------------------------------------

    def import_meetings(self) -> None:
        path = self._open_file(
            "Import meetings from iCalendar", "Calendars (*.ics *.ical);;All files (*)"
        )
        if path is None or self._busy:
            return
        progress = self._start("Reading events…")

        def work(vault: Vault) -> tuple[CalendarFile, EventPreview]:
            events = read_events(path, progress, station=station_zone(vault.store))
            return events, preview_events(vault.store, events)

        def done(result: tuple[CalendarFile, EventPreview]) -> None:
            if self._locked_meanwhile():
                return
            self._stop()
            events, found = result
            dialog = EventPreviewDialog(found, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self._import_meetings(path, events))
            self.preview_dialog = dialog
            dialog.open()

        self.session.read(work, done, self, self._failed("Import meetings"))

    def _import_meetings(self, path: Path, events: CalendarFile) -> None:
        progress = self._start("Importing meetings…")

        def work(vault: Vault) -> str:
            return apply_events(vault, events, progress).sentence()

        self.session.write("meeting", work, self._stop, self, self._failed("Import meetings"))

    def export_meetings(self) -> None:
        """The meetings the Meetings list shows, and open follow-ups on their due dates."""
        section = self._section("meeting")
        if section is None or self._busy:
            return
        what = (
            f"{plural(section.model.total, 'meeting')} (what the Meetings list shows) and the "
            "open follow-ups with a due date will be written to a calendar file."
        )
        if not self.confirm_unencrypted("Export meetings", what):
            return
        chosen = self._save_file("Export meetings", "meetings.ics", "iCalendar (*.ics)")
        if chosen is None:
            return
        path = chosen[0]
        query = list_query(section)
        self._start("Writing the calendar…")

        def work(vault: Vault) -> str:
            meetings, followups = export_ics(vault, path, query)
            return (
                f"Wrote {plural(meetings, 'meeting')} and {plural(followups, 'follow-up')} "
                f"to {path.name} (not encrypted)."
            )

        self.session.read(work, self._stop, self, self._failed("Export meetings"))

    # -- any list --------------------------------------------------------------------------------

    def export_csv(self) -> None:
        """The list on screen as CSV: its columns, its filters, all its rows (not only loaded)."""
        section = self._current()
        if section is None or self._busy:
            self.status_message.emit("Open one of the lists first.")
            return
        spec, model = section.spec, section.model
        rows = plural(model.total, spec.noun.rstrip("s"))
        what = f"{rows} (what the {spec.title} list shows) will be written to a CSV file."
        if not self.confirm_unencrypted("Export as CSV", what):
            return
        chosen = self._save_file("Export as CSV", f"{file_name(spec.title, '.csv')}", "CSV (*.csv)")
        if chosen is None:
            return
        path = chosen[0]
        query, columns, annotate, kind = (
            list_query(section),
            model.columns,
            spec.annotate,
            spec.kind,
        )
        self._start("Writing the list…")

        def work(vault: Vault) -> str:
            header, rows = list_csv(vault, columns, annotate, kind.cls, query)
            write_export(
                vault, path, csv_bytes(header, rows), kind=kind.name, format="csv", count=len(rows)
            )
            return f"Wrote {plural(len(rows), 'row')} to {path.name} (not encrypted)."

        self.session.read(work, self._stop, self, self._failed("Export as CSV"))

    # -- reports ---------------------------------------------------------------------------------

    def meeting_report(self) -> None:
        """The report of the meeting on screen in the Meetings section."""
        section = self._current()
        meeting_id = section.current_record_id() if section is not None else None
        if section is None or section.kind.name != "meeting" or meeting_id is None:
            self.status_message.emit("Open a meeting in the Meetings list first.")
            return
        if self._busy:
            return
        self._start("Preparing the report…")
        self.session.read(
            lambda vault: meeting_report(vault, meeting_id),
            self._save_report,
            self,
            self._failed("Meeting report"),
        )

    def period_report(self) -> None:
        if self._busy:
            return
        dialog = PeriodReportDialog(self.session, self.today(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._period_report(dialog.scope()))
        self.period_dialog = dialog
        dialog.open()

    def _period_report(self, scope: dict[str, str]) -> None:
        self._start("Preparing the report…")
        self.session.read(
            lambda vault: period_report(vault, **scope),
            self._save_report,
            self,
            self._failed("Period report"),
        )

    def _save_report(self, report: Report) -> None:
        if self._locked_meanwhile():
            return
        self._stop()
        what = f"This report is marked {report.marking} on every page."
        if not self.confirm_unencrypted("Save the report", what):
            return
        chosen = self._save_file("Save the report", file_name(report.title, ".pdf"), "PDF (*.pdf)")
        if chosen is None:
            return
        path = chosen[0]
        pdf, pages = render_pdf(report)
        self._start("Writing the report…")
        kind, count = f"{report.kind}-report", report.records

        def work(vault: Vault) -> str:
            write_export(vault, path, pdf, kind=kind, format="pdf", count=count)
            return (
                f"Wrote a {pages}-page report marked {report.marking} to {path.name} "
                "(not encrypted)."
            )

        self.session.read(work, self._stop, self, self._failed("Save the report"))
