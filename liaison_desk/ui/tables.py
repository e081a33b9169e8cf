"""The one way a read-only list of rows looks: whole rows selected, no grid, no editing."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView


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
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setStretchLastSection(True)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    char = table.fontMetrics().horizontalAdvance("0")
    for column, width in enumerate(widths):
        if width:
            header.resizeSection(column, char * width + 16)
    return table
