"""What an import will do, shown before anything is written: cards and their duplicates
(merge, skip or create, for all or for the selected ones) and what is left out (cards that
cannot be read or are refused, values, properties the vault has no place for), or
events and their attendees.

The dialogs only show and collect choices; the import itself runs on the vault's
worker once the user presses Import (see interop_actions).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.interop.contact_import import POLICIES, Preview, PreviewRow
from liaison_desk.core.interop.import_report import not_kept_text
from liaison_desk.core.interop.meeting_import import (
    HELD,
    MERGED,
    NEW,
    SKIPPED,
    EventPreview,
    EventRow,
)
from liaison_desk.core.recurrence_text import describe_rule
from liaison_desk.core.wording import plural
from liaison_desk.ui.sync_models import Column, RowsModel
from liaison_desk.ui.tables import read_only_table

ACTION_LABELS = {"merge": "Merge", "skip": "Skip", "create": "Create anyway", None: "Add"}
_POLICY_TEXT = {
    "skip": "Skip them (keep the contacts as they are)",
    "merge": "Merge them (fill empty fields, add phones and emails)",
    "create": "Create them anyway (as new contacts)",
}


def _duplicate_text(row: PreviewRow) -> str:
    dup = row.duplicate
    if dup is None:
        return ""
    where = "an earlier card" if dup.contact_id is None else "the vault"
    return f"{dup.name} in {where} ({dup.reason})"


def left_out_lines(preview: Preview) -> list[str]:
    """One line for each card or value left out (line, name, why), then what is not kept."""
    lines = [
        f"{heading} line {p.line}{f' ({p.name})' if p.name else ''}: {p.reason}"
        for heading, problems in (
            ("Left out:", preview.skipped),
            ("Left out of a card:", preview.dropped),
        )
        for p in problems
    ]
    if preview.not_kept:
        lines.append(f"Not kept (no place in the vault): {not_kept_text(preview.not_kept)}.")
    return lines


def _table(model: RowsModel[Any], widths: tuple[int, ...]) -> QTableView:
    """A read-only table; several rows can be selected to choose for them at once."""
    return read_only_table(model, widths, single=False)


class ContactPreviewDialog(QDialog):
    """The cards of a vCard file; for each duplicate, what to do with it."""

    def __init__(self, preview: Preview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import contacts from {preview.source}")
        self.preview = preview
        self._actions: dict[int, str] = {}
        columns: tuple[Column[PreviewRow], ...] = (
            Column("Line", lambda r: str(r.card.line), numeric=True),
            Column("Name", lambda r: r.card.full_name),
            Column("Organization", lambda r: " / ".join(r.card.organization)),
            Column("Email", lambda r: r.card.emails[0] if r.card.emails else ""),
            Column("Already there", _duplicate_text),
            Column("Import as", self._action_text),
        )
        self.model: RowsModel[PreviewRow] = RowsModel(columns, lambda r: r.index, self)
        self.model.set_rows(preview.rows)
        self.table = _table(self.model, (5, 20, 24, 24, 30))
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

        new = len(preview.rows) - preview.duplicates
        orgs = (
            f", {plural(preview.new_organizations, 'new organization')}"
            if preview.new_organizations
            else ""
        )
        left_out = (
            f" {plural(len(preview.skipped), 'card')} left out (see below)."
            if preview.skipped
            else ""
        )
        self.summary = QLabel(
            f"{plural(len(preview.rows), 'card')}: {new:,} new, {preview.duplicates:,} already "
            f"in the vault or repeated in the file{orgs}.{left_out} Nothing is written until "
            "you press Import."
        )
        self.summary.setWordWrap(True)
        self.left_out = QPlainTextEdit("\n".join(left_out_lines(preview)))
        self.left_out.setReadOnly(True)
        self.left_out.setMaximumHeight(110)
        self.left_out.setVisible(bool(self.left_out.toPlainText()))
        self.policy_box = QComboBox()
        for policy in ("skip", "merge", "create"):
            self.policy_box.addItem(_POLICY_TEXT[policy], policy)
        self.policy_box.currentIndexChanged.connect(lambda _: self._apply_policy())
        self.policy_box.setEnabled(preview.duplicates > 0)
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Duplicates:"))
        choose.addWidget(self.policy_box, 1)
        selected = QHBoxLayout()
        selected.addWidget(QLabel("Selected duplicates:"))
        self.selection_buttons: dict[str, QPushButton] = {}
        for policy in POLICIES:
            button = QPushButton(ACTION_LABELS[policy])
            button.setAutoDefault(False)
            button.setEnabled(preview.duplicates > 0)
            button.clicked.connect(lambda _=False, p=policy: self.set_selected(p))
            selected.addWidget(button)
            self.selection_buttons[policy] = button
        selected.addStretch(1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(bool(preview.rows))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(choose)
        layout.addWidget(self.table, 1)
        layout.addLayout(selected)
        layout.addWidget(self.left_out)
        layout.addWidget(self.buttons)
        self.resize(1040, 560)
        self._apply_policy()

    def _action_text(self, row: PreviewRow) -> str:
        return ACTION_LABELS[self._actions.get(row.index) if row.duplicate else None]

    def policy(self) -> str:
        return str(self.policy_box.currentData())

    def choices(self) -> dict[int, str]:
        """The action for each duplicate, by card index."""
        return dict(self._actions)

    def _apply_policy(self) -> None:
        policy = self.policy()
        self._actions = {r.index: policy for r in self.preview.rows if r.duplicate}
        self.model.set_rows(self.preview.rows)

    def set_selected(self, policy: str) -> None:
        """Merge, skip or create the selected duplicates (other rows are left alone)."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        for row in rows:
            item = self.model.row_at(row)
            if item is not None and item.duplicate is not None:
                self._actions[item.index] = policy
        self.model.set_rows(self.preview.rows)


def _event_status(row: EventRow) -> str:
    if row.status == NEW:
        return "New"
    return row.reason[:1].upper() + row.reason[1:]


def _event_when(row: EventRow) -> str:
    event = row.event
    if event.all_day:
        return f"{event.starts_at[:10]} (all day)"
    return event.starts_at[:16].replace("T", " ")


class EventPreviewDialog(QDialog):
    """The events of a calendar file: new, merged, unchanged or skipped (and why), who each
    one's attendees are in the vault, and what the file holds that the vault does not keep."""

    def __init__(self, preview: EventPreview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import meetings from {preview.source}")
        self.preview = preview
        columns: tuple[Column[EventRow], ...] = (
            Column("When (UTC)", _event_when),
            Column("Title", lambda r: r.event.title),
            Column("Import", _event_status),
            Column("Participants", lambda r: ", ".join(str(m.contact_name) for m in r.matched)),
            Column(
                "Not in the contact book",
                lambda r: "; ".join(m.attendee.label() for m in r.unmatched),
            ),
            Column("Repeats", lambda r: describe_rule(r.event.recurrence)),
        )
        self.model: RowsModel[EventRow] = RowsModel(columns, lambda r: r.index, self)
        self.model.set_rows(preview.rows)
        self.table = _table(self.model, (16, 30, 24, 22, 22))
        new = preview.count(NEW)
        merged = preview.count(MERGED)
        self.summary = QLabel(
            f"{plural(len(preview.rows), 'event')}: {plural(new, 'new meeting')}, "
            f"{merged:,} merged (filling what a meeting lacks), {preview.count(HELD):,} "
            f"unchanged, {preview.count(SKIPPED):,} skipped. Attendees not in the contact book "
            "are listed in each meeting's notes."
        )
        self.summary.setWordWrap(True)
        self.not_kept = QLabel(preview.not_kept_sentence())
        self.not_kept.setWordWrap(True)
        self.not_kept.setVisible(bool(self.not_kept.text()))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setEnabled(new + merged > 0)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.not_kept)
        layout.addWidget(self.buttons)
        self.resize(1100, 480)
