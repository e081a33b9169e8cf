"""Ctrl+K: one box that finds any record as you type, Enter opens it."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QPainter, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.search import SearchHit, Snippet, grouped, search
from liaison_desk.core.vault import Vault
from liaison_desk.ui.session import Session

KIND_LABELS = {
    "contact": ("Contact", "Contacts"),
    "organization": ("Organization", "Organizations"),
    "meeting": ("Meeting", "Meetings"),
    "followup": ("Follow-up", "Follow-ups"),
    "protocol": ("Protocol", "Protocol"),
    "gift": ("Gift", "Gifts"),
}
HitRole = Qt.ItemDataRole.UserRole + 1
HtmlRole = Qt.ItemDataRole.UserRole + 2
_Index = QModelIndex | QPersistentModelIndex


def kind_label(kind: str, count: int = 1) -> str:
    one, many = KIND_LABELS.get(kind, (kind, kind))
    return one if count == 1 else many


def marked_html(text: str, marks: tuple[tuple[int, int], ...]) -> str:
    """`text` as rich text, the spans in `marks` in bold; the record's own text is escaped."""
    out: list[str] = []
    at = 0
    for start, end in marks:
        out.append(html.escape(text[at:start]))
        out.append(f"<b>{html.escape(text[start:end])}</b>")
        at = end
    out.append(html.escape(text[at:]))
    return "".join(out)


def snippet_html(snippet: Snippet) -> str:
    return marked_html(snippet.text, snippet.marks)


def hit_html(hit: SearchHit) -> str:
    """Title (matches in bold), kind and date on one line; the snippet on the next."""
    date = when(hit)
    meta = html.escape(kind_label(hit.kind)) + (f" · {date}" if date else "")
    return (
        f"{marked_html(hit.title, hit.title_marks)} <span class='meta'>{meta}</span>"
        f"<br><small>{snippet_html(hit.snippet)}</small>"
    )


def when(hit: SearchHit) -> str:
    """The hit's date as the list shows it: a meeting's start to the minute, else the day."""
    if not hit.date:
        return ""
    if hit.kind == "meeting":
        return hit.date[:16].replace("T", " ")
    return hit.date[:10]


class SearchResultsModel(QAbstractListModel):
    """Hits of the latest query, grouped by kind under a heading row each, best group first."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[SearchHit | str] = []  # a str is a group's heading

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self._rows[index.row()], str):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, str):
            if role == Qt.ItemDataRole.DisplayRole:
                return row
            if role == HtmlRole:
                return f"<b>{html.escape(row)}</b>"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            date = when(row)
            return f"{kind_label(row.kind)}: {row.title}" + (f" · {date}" if date else "")
        if role == HtmlRole:
            return hit_html(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.snippet.text
        if role == HitRole:
            return row
        return None

    def set_hits(self, hits: list[SearchHit]) -> None:
        self.beginResetModel()
        self._rows = []
        for group in grouped(hits):
            self._rows.append(f"{kind_label(group.kind, 2)} ({len(group.hits)})")
            self._rows.extend(group.hits)
        self.endResetModel()

    def hit(self, row: int) -> SearchHit | None:
        found = self._rows[row] if 0 <= row < len(self._rows) else None
        return found if isinstance(found, SearchHit) else None

    def hit_count(self) -> int:
        return sum(isinstance(row, SearchHit) for row in self._rows)

    def hit_rows(self) -> list[int]:
        return [i for i, row in enumerate(self._rows) if isinstance(row, SearchHit)]


class RichTextDelegate(QStyledItemDelegate):
    """Paints a row's HtmlRole as rich text, so matched words show in bold in the list.

    Row heights come from the font alone (a heading is one line, a hit two, never
    wrapped), so only the rows on screen are ever laid out as rich text: laying out
    every hit to measure it made each answer several times slower to show.
    """

    MARGIN = 3

    def _document(self, option: QStyleOptionViewItem, index: _Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setDocumentMargin(self.MARGIN)
        body = str(index.data(HtmlRole) or "")
        if option.state & QStyle.StateFlag.State_Selected:
            colour = option.palette.highlightedText().color().name()
            doc.setDefaultStyleSheet(f"body, .meta {{ color: {colour} }}")
        else:
            doc.setDefaultStyleSheet(".meta { color: gray }")
        doc.setHtml(body)
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        self.initStyleOption(option, index)
        doc = self._document(option, index)
        option.text = ""
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, widget)
        painter.save()
        painter.setClipRect(option.rect)
        painter.translate(option.rect.topLeft())
        doc.drawContents(painter)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        lines = 2 if index.data(HitRole) is not None else 1
        height = option.fontMetrics.lineSpacing() * lines + 2 * self.MARGIN + 2
        return QSize(option.rect.width(), height)


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
        self.view.setItemDelegate(RichTextDelegate(self.view))
        self.view.setSpacing(1)
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
        self._show([])
        self.box.clear()
        self._debounce.stop()  # clearing the box asked for one more search
        self.reject()

    def _show(self, hits: list[SearchHit]) -> None:
        """Only this answer on screen: an empty one clears the pane and the preview too."""
        self.results.set_hits(hits)
        self.preview.clear()
        rows = self.results.hit_rows()
        if rows:
            self.view.setCurrentIndex(self.results.index(rows[0]))

    def _run_query(self) -> None:
        text = self.box.text()
        self._asked += 1
        asked = self._asked

        def work(vault: Vault) -> list[SearchHit]:
            return search(vault.store, text, limit=30, budget_ms=self.BUDGET_MS)

        def done(hits: list[SearchHit]) -> None:
            if asked != self._asked:
                return  # a newer query is on its way
            self._show(hits)
            if hits:
                self.status.setText(f"{len(hits)} found")
            elif text.strip():
                self.status.setText(f"No matches for “{text.strip()}”.")
            else:
                self.status.clear()

        self._session.read(work, done, self)

    def _show_preview(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = self.results.hit(current.row())
        if hit is None:
            self.preview.clear()
            return
        self.preview.setText(hit_html(hit))

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
        """Up and Down in the box move through the results (past the headings), keyboard-first."""
        arrows = (Qt.Key.Key_Down, Qt.Key.Key_Up)
        if (
            watched is self.box
            and isinstance(event, QKeyEvent)
            and event.type() == QKeyEvent.Type.KeyPress
            and event.key() in arrows
        ):
            rows = self.results.hit_rows()
            if rows:
                current = self.view.currentIndex().row()
                at = rows.index(current) if current in rows else 0
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                at = max(0, min(len(rows) - 1, at + step))
                self.view.setCurrentIndex(self.results.index(rows[at]))
            return True
        return super().eventFilter(watched, event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.box.selectAll()
        self.box.setFocus()
