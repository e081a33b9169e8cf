"""HQ's Declarations page: the gifts stations declared, station by station, newest first.

Read from the core (`core.gifts.declarations`) on the vault's worker whenever
the register changes (a bundle brings a station's entries) and when the page
comes into view. A row opens its entry in the Gifts section.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.gifts import Declaration, declarations
from liaison_desk.core.wording import plural
from liaison_desk.ui.detail_view import GREY
from liaison_desk.ui.record_fields import pretty
from liaison_desk.ui.record_model import ALERT_COLOUR, IdRole
from liaison_desk.ui.session import Session
from liaison_desk.ui.tables import read_only_table

TITLE = "Declarations"
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
_HEADERS = ("Station", "Date", "Direction", "What", "Value", "Why declared", "Marking")
_WIDTHS = (14, 10, 9, 22, 12, 34, 14)


def _cells(d: Declaration) -> tuple[str, ...]:
    g = d.gift
    return (
        d.station_name,
        g.exchanged_on,
        pretty(g.direction),
        g.description,
        f"{g.value} {g.currency}",
        g.declaration or "",
        g.marking,
    )


class DeclarationsModel(QAbstractTableModel):
    """The declarations as the last read left them; `data()` never raises."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Declaration] = []
        self._cells: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[Declaration]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._cells = [_cells(d) for d in rows]
        self.endResetModel()

    def markings(self) -> list[str]:
        """The markings on screen, for the window's banner."""
        return [d.gift.marking for d in self._rows]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_HEADERS)
        ):
            return _HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        if not 0 <= index.column() < len(_HEADERS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and _HEADERS[index.column()] == "Why declared":
            return QColor(ALERT_COLOUR)
        if role == IdRole:
            return self._rows[index.row()].gift.id
        return None


class DeclarationsSection(QWidget):
    """The page: one table, a count, and a row opening its entry on Enter or a double-click."""

    status_message = Signal(str)
    navigate_requested = Signal(str, str)  # kind name, record id
    shown = Signal()  # a read arrived: the markings on screen may have changed

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = TITLE
        self.model = DeclarationsModel(self)
        self.table = read_only_table(self.model, _WIDTHS)
        self.table.setObjectName("declarations")
        self.table.activated.connect(self._open)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(GREY)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        session.changed.connect(self._on_changed)
        session.locked.connect(lambda: self.model.set_rows([]))
        self.reload()

    def reload(self) -> None:
        if self.session.is_unlocked:
            self.session.read(lambda v: declarations(v.store), self._show, self, self._report)

    def _show(self, rows: list[Declaration]) -> None:
        self.model.set_rows(rows)
        stations = len({d.station for d in rows})
        self.count_label.setText(
            f"{plural(len(rows), 'declared entry', 'declared entries')} "
            f"from {plural(stations, 'station')}"
        )
        self.shown.emit()

    def _open(self, index: QModelIndex) -> None:
        gift_id = index.data(IdRole) if index.isValid() else None
        if isinstance(gift_id, str):
            self.navigate_requested.emit("gift", gift_id)

    def _on_changed(self, kind: str) -> None:
        if kind == "gift":
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()

    def _report(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
