"""The trash: deleted records, newest first, each one a click from coming back whole."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.trash import TrashItem, trash, trash_count
from liaison_desk.core.vault import Vault
from liaison_desk.ui.session import Session
from liaison_desk.ui.tables import read_only_table

PAGE = 200
_HEADERS = ("Kind", "Title", "Deleted (UTC)")
Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class TrashModel(QAbstractTableModel):
    """The deleted records, a page at a time, read on the vault's worker."""

    loaded = Signal()
    load_failed = Signal(str)

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.items: list[TrashItem] = []
        self.total = 0
        self._fetching = False
        self._generation = 0  # a reload drops pages asked for before it

    def reload(self) -> None:
        self._generation += 1
        self.beginResetModel()
        self.items, self.total = [], 0
        self.endResetModel()
        self._fetch(0, self._generation)

    def _fetch(self, offset: int, generation: int) -> None:
        self._fetching = True

        def work(vault: Vault) -> tuple[list[TrashItem], int]:
            return trash(vault.store, PAGE, offset), trash_count(vault.store)

        def done(result: tuple[list[TrashItem], int]) -> None:
            if generation != self._generation:
                return
            self._fetching = False
            page, self.total = result
            if page:
                first = len(self.items)
                self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
                self.items.extend(page)
                self.endInsertRows()
            self.loaded.emit()

        def failed(error: LiaisonError) -> None:
            self._fetching = False
            self.load_failed.emit(error.message)

        self.session.read(work, done, self, failed)

    def canFetchMore(self, parent: Index = _ROOT) -> bool:
        return not parent.isValid() and not self._fetching and len(self.items) < self.total

    def fetchMore(self, parent: Index = _ROOT) -> None:
        if self.canFetchMore(parent):
            self._fetch(len(self.items), self._generation)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        item = self.items[index.row()]
        when = item.deleted_at[:16].replace("T", " ")
        return (item.kind.capitalize(), item.title, when)[index.column()]


class TrashDialog(QDialog):
    """Lists the trash; Restore brings the selected record back (an undoable change)."""

    restored = Signal(str, str)  # kind name, record id
    status_message = Signal(str)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trash")
        self.resize(640, 420)
        self.session = session
        self.model = TrashModel(session, self)
        self.table = read_only_table(self.model, (16, 40))
        self.count_label = QLabel()
        self.restore_button = QPushButton("&Restore")
        self.restore_button.setEnabled(False)
        self.restore_button.clicked.connect(self.restore_selected)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _: self.restore_button.setEnabled(current.isValid())
        )
        self.table.activated.connect(lambda _: self.restore_selected())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addWidget(self.count_label)
        column.addWidget(self.table, 1)
        column.addWidget(buttons)
        self.model.loaded.connect(self._show_count)
        self.model.load_failed.connect(self.count_label.setText)
        self.model.reload()

    def _show_count(self) -> None:
        total = self.model.total
        if not total:
            self.count_label.setText("The trash is empty.")
            return
        noun = "deleted record" if total == 1 else "deleted records"
        shown = len(self.model.items)
        prefix = f"{shown:,} of " if shown < total else ""
        self.count_label.setText(f"{prefix}{total:,} {noun}, most recently deleted first.")

    def restore_selected(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            return
        item = self.model.items[index.row()]
        kind = BY_NAME[item.kind]
        history = self.session.history
        self.restore_button.setEnabled(False)

        def done(_: None) -> None:
            self.status_message.emit(f"Restored {item.kind} “{item.title}”.")
            self.restored.emit(item.kind, item.record_id)
            self.model.reload()

        def failed(error: LiaisonError) -> None:
            self.restore_button.setEnabled(True)
            self.count_label.setText(error.message)

        self.session.write(
            item.kind,
            lambda v: history.restore(v.store, kind, item.record_id, item.title),
            done,
            self,
            failed,
        )
