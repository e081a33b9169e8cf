"""The Today section, the page the window opens on: what is late, what is due, the week ahead.

Read on the vault's worker when the page comes into view (the day may have
turned since), a little after records change (an import changes every kind at
once: one read follows, not one per kind) and every few minutes. While another
section is shown, only the core's part is read, for the sidebar's counts: what
sync waits for costs HQ a routing pass per station, paid only when the page is
on screen. Each line opens its record, or the section that settles it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QShowEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QVBoxLayout, QWidget

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.today import Today
from liaison_desk.ui.detail_view import GREY
from liaison_desk.ui.record_model import ALERT_COLOUR
from liaison_desk.ui.session import Session
from liaison_desk.ui.today_lines import (
    SECTION,
    TITLE,
    Desk,
    Line,
    desk_lines,
    load_desk,
    load_today,
)

Index = QModelIndex | QPersistentModelIndex
TargetRole = Qt.ItemDataRole.UserRole + 1  # (kind, id) a line opens, None for the others
_ROOT = QModelIndex()
_QUIET = QColor("#777")
IGNORED = ("draft",)  # the only writes that cannot change the page
HINT = "Double-click a line, or select it and press Enter, to open it."
SETTLE_MS = 300  # changes this close together are read once
EVERY_MS = 10 * 60_000  # the day turns and meetings start with nobody writing anything


class TodayModel(QAbstractListModel):
    """The page's lines as the last read left them; headings and notes cannot be selected."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lines: list[Line] = []
        self._bold = QFont()
        self._bold.setBold(True)

    def set_lines(self, lines: list[Line]) -> None:
        self.beginResetModel()
        self._lines = list(lines)
        self.endResetModel()

    def markings(self) -> list[str]:
        return [line.marking for line in self._lines if line.marking]

    def line_at(self, row: int) -> Line | None:
        return self._lines[row] if 0 <= row < len(self._lines) else None

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def flags(self, index: Index) -> Qt.ItemFlag:
        line = self.line_at(index.row()) if index.isValid() else None
        if line is None:
            return Qt.ItemFlag.NoItemFlags
        if line.target is None:
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Never raises: a row out of range or a role not served gives None."""
        line = self.line_at(index.row()) if index.isValid() else None
        if line is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return line.text
        if role == Qt.ItemDataRole.FontRole and line.heading:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole:
            if line.alert:
                return QColor(ALERT_COLOUR)
            if line.target is None and not line.heading:
                return _QUIET
        if role == TargetRole:
            return line.target
        return None


class TodaySection(QWidget):
    """The page itself: a list of lines, opened with Enter or a double-click."""

    status_message = Signal(str)
    navigate_requested = Signal(str, str)  # kind name, record id
    section_requested = Signal(str)  # "sync", "conflicts"
    counts_changed = Signal(int, int)  # overdue, due today

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = TITLE
        self.desk: Desk | None = None
        self.model = TodayModel(self)
        self.view = QListView()
        self.view.setObjectName("todayLines")
        self.view.setModel(self.model)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setUniformItemSizes(True)
        self.view.setStyleSheet("QListView::item { padding: 3px; }")
        self.view.activated.connect(self.open_line)
        hint = QLabel(HINT)
        hint.setStyleSheet(GREY)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(hint)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.refresh)
        self._clock = QTimer(self)
        self._clock.setInterval(EVERY_MS)
        self._clock.timeout.connect(self.refresh)
        self._clock.start()
        session.changed.connect(self._on_changed)
        session.locked.connect(self._forget)
        self.refresh()

    def reload(self) -> None:
        """Read the whole page again."""
        if self.session.is_unlocked:
            self.session.read(load_desk, self._show, self, self._report)

    def refresh(self) -> None:
        """The whole page if it is on screen, else only what the sidebar counts."""
        if self.isVisible():
            self.reload()
        elif self.session.is_unlocked:
            self.session.read(load_today, self._count, self, self._report)

    def _show(self, desk: Desk) -> None:
        self.desk = desk
        self.model.set_lines(desk_lines(desk))
        self._count(desk.today)

    def _count(self, today: Today) -> None:
        self.counts_changed.emit(today.overdue, today.due_today)

    def open_line(self, index: QModelIndex) -> None:
        target = index.data(TargetRole) if index.isValid() else None
        if not target:
            return
        kind, key = target
        if kind == SECTION:
            self.section_requested.emit(key)
        else:
            self.navigate_requested.emit(kind, key)

    def _on_changed(self, kind: str) -> None:
        if kind not in IGNORED:
            self._settle.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()  # the day may have turned since the last read

    def _forget(self) -> None:
        """Locking drops the page's names and titles from memory too."""
        self._settle.stop()
        self._clock.stop()
        self.desk = None
        self.model.set_lines([])

    def _report(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
