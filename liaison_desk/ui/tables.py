"""The one way a read-only list of rows looks: whole rows selected, no grid, no editing,
and every column on screen.

Columns are given natural widths in characters. When the list is narrower
than their sum (a 1200x760 window, a laptop at 800x600), every column gives
up the same share of its width and long text is elided ("Hélène Gir…"), so
no column hides behind a horizontal scrollbar.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel, QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

PADDING = 16  # pixels around a cell's text


class _FittedColumns(QObject):
    """Keeps the columns' natural widths when they fit the list, shrinks them alike when not."""

    def __init__(self, table: QTableView, widths: Sequence[int]) -> None:
        super().__init__(table)
        self._table = table
        char = table.fontMetrics().horizontalAdvance("0")
        self._natural = [char * w + PADDING if w else 0 for w in widths]
        table.viewport().installEventFilter(self)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def fit(self) -> None:
        """Natural widths when they fit, all shrunk alike when not; the last takes the rest."""
        header = self._table.horizontalHeader()
        count = header.count()
        if not count:
            return
        widths = [
            (self._natural[c] if c < len(self._natural) else 0) or header.defaultSectionSize()
            for c in range(count)
        ]
        room = self._table.viewport().width()
        scale = min(1.0, room / sum(widths))
        least = header.minimumSectionSize()
        sizes = [max(least, int(w * scale)) for w in widths[:-1]]
        sizes.append(max(least, room - sum(sizes)))
        for column, size in enumerate(sizes):
            header.resizeSection(column, size)


def read_only_table(
    model: QAbstractItemModel,
    widths: Sequence[int] = (),
    table: QTableView | None = None,
    single: bool = True,
) -> QTableView:
    """Set up `table` (or a new one) over `model`; `widths` in characters, the last column
    takes the rest."""
    table = table or QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    if single:
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)  # _FittedColumns gives the last column the rest
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setTextElideMode(Qt.TextElideMode.ElideRight)
    header.setMinimumSectionSize(table.fontMetrics().horizontalAdvance("0") * 3 + 8)
    _FittedColumns(table, widths)
    return table
