"""Asking what a period report covers: a country or an organization, and two dates."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QButtonGroup,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import ORGANIZATION
from liaison_desk.ui.enrolment_panel import ERROR_STYLE
from liaison_desk.ui.record_model import RecordCompleter
from liaison_desk.ui.session import Session

DEFAULT_DAYS = 90


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


class PeriodReportDialog(QDialog):
    """Country (two letters) or organization (picked from the vault), from and to dates."""

    def __init__(self, session: Session, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Period report")
        self.org_id: str | None = None
        self.by_country = QRadioButton("&Country")
        self.by_org = QRadioButton("&Organization")
        self.by_country.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.by_country)
        group.addButton(self.by_org)
        self.country = QLineEdit()
        self.country.setPlaceholderText("Two letters, e.g. FR")
        self.country.setMaxLength(2)
        self.organization = QLineEdit()
        self.organization.setPlaceholderText("Type to find an organization")
        self.completer = RecordCompleter(session, ORGANIZATION, self.organization)
        self.completer.picked.connect(self._picked)
        self.organization.textEdited.connect(lambda _: self._forget_org())
        self.start = QDateEdit(_qdate(today - timedelta(days=DEFAULT_DAYS)))
        self.end = QDateEdit(_qdate(today))
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.error = QLabel()
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.by_country, self.country)
        form.addRow(self.by_org, self.organization)
        form.addRow("&From", self.start)
        form.addRow("&To", self.end)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.addButton("&Write report…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.country.textEdited.connect(lambda _: self.by_country.setChecked(True))
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Every meeting with someone from a country or an organization."))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def _picked(self, record_id: str, title: str) -> None:
        self.org_id = record_id
        self.organization.setText(title)
        self.by_org.setChecked(True)

    def _forget_org(self) -> None:
        self.org_id = None
        self.by_org.setChecked(True)

    def scope(self) -> dict[str, str]:
        """Keyword arguments for report_data.period_report."""
        out = {
            "start": self.start.date().toString("yyyy-MM-dd"),
            "end": self.end.date().toString("yyyy-MM-dd"),
        }
        if self.by_country.isChecked():
            out["country"] = self.country.text().strip()
        elif self.org_id:
            out["org_id"] = self.org_id
        return out

    def accept(self) -> None:
        if self.by_country.isChecked() and len(self.country.text().strip()) != 2:
            self.error.setText("Type the country's two-letter code, e.g. FR.")
            return
        if self.by_org.isChecked() and self.org_id is None:
            self.error.setText("Choose the organization from the list as you type its name.")
            return
        super().accept()
