"""Ctrl+K: one box that finds any record as you type, Enter opens it."""

from __future__ import annotations

import html
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
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.search import SearchHit, search
from liaison_desk.core.vault import Vault
from liaison_desk.ui.session import Session

KIND_LABELS = {
    "contact": "Contact",
    "organization": "Organization",
    "meeting": "Meeting",
    "followup": "Follow-up",
    "protocol": "Protocol",
}
HitRole = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex


class SearchResultsModel(QAbstractListModel):
    """Hits of the latest query; answers to older queries that arrive late are dropped."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hits: list[SearchHit] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{KIND_LABELS.get(hit.kind, hit.kind)}: {hit.title}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.snippet
        if role == HitRole:
            return hit
        return None

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._hits = hits
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None


class SearchDialog(QDialog):
    """Searches on every keystroke (debounced), off the GUI thread."""

    chosen = Signal(str, str)  # kind, record id

    DEBOUNCE_MS = 120
    BUDGET_MS = 60  # past this, newest matches instead of best-ranked: answers keep up with typing

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search everything")
        self.resize(640, 420)
        self._session = session
        self._asked = 0
        self.box = QLineEdit(placeholderText='Names, words, prefix* or "exact phrase"…')
        self.box.setClearButtonEnabled(True)
        self.results = SearchResultsModel(self)
        self.view = QListView()
        self.view.setModel(self.results)
        self.view.setUniformItemSizes(True)
        self.view.setSpacing(2)
        self.view.activated.connect(self._open_index)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.preview)
        layout.addWidget(self.status)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(self.DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_query)
        self.box.textChanged.connect(lambda _: self._debounce.start())
        self.box.returnPressed.connect(self._open_current)
        self.view.selectionModel().currentChanged.connect(self._show_preview)
        self.box.installEventFilter(self)
        session.locked.connect(self._on_locked)

    def _on_locked(self) -> None:
        """Nothing found stays on screen or in memory once the vault locks."""
        self._asked += 1
        self.results.set_hits([])
        self.preview.clear()
        self.box.clear()
        self._debounce.stop()  # clearing the box asked for one more search
        self.reject()

    def _run_query(self) -> None:
        text = self.box.text()
        self._asked += 1
        asked = self._asked

        def work(vault: Vault) -> list[SearchHit]:
            return search(
                vault.store, text, limit=30, highlight=("\x02", "\x03"), budget_ms=self.BUDGET_MS
            )

        def done(hits: list[SearchHit]) -> None:
            if asked != self._asked:
                return  # a newer query is on its way
            self.results.set_hits(hits)
            self.status.setText(f"{len(hits)} found" if text.strip() else "")
            if hits:
                self.view.setCurrentIndex(self.results.index(0))

        self._session.read(work, done, self)

    def _show_preview(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.results.hit(current.row())
        if hit is None:
            self.preview.clear()
            return
        snippet = html.escape(hit.snippet).replace("\x02", "<b>").replace("\x03", "</b>")
        self.preview.setText(snippet)

    def _open_index(self, index: QModelIndex) -> None:
        hit = self.results.hit(index.row())
        if hit is not None:
            self.chosen.emit(hit.kind, hit.id)
            self.accept()

    def _open_current(self) -> None:
        self._debounce.stop()
        index = self.view.currentIndex()
        if index.isValid():
            self._open_index(index)

    def eventFilter(self, watched: QObject, event: Any) -> bool:
        """Up and Down in the box move through the results, keyboard-first."""
        arrows = (Qt.Key.Key_Down, Qt.Key.Key_Up)
        if (
            watched is self.box
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in arrows
        ):
            step = 1 if event.key() == Qt.Key.Key_Down else -1
            last = self.results.rowCount() - 1
            row = max(0, min(last, self.view.currentIndex().row() + step))
            self.view.setCurrentIndex(self.results.index(row))
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.box.selectAll()
        self.box.setFocus()
