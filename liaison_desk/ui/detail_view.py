"""The detail pane: a record as a page, under its marking banner."""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from liaison_desk.core.record_detail import RecordDetail
from liaison_desk.ui.detail_page import MARKDOWN_FIELDS, detail_html
from liaison_desk.ui.markings_style import banner_css

GREY = "color:#777"  # secondary text: counts, hints
_MARKDOWN = QTextDocument.MarkdownFeature(
    QTextDocument.MarkdownFeature.MarkdownDialectGitHub.value
    | QTextDocument.MarkdownFeature.MarkdownNoHTML.value
)


class DetailView(QWidget):
    """A marking banner over a browser; copy links and record links are signals, not navigation."""

    copy_requested = Signal(str)
    navigate_requested = Signal(str, str)  # kind name, record id
    cleared = Signal()  # no record on the page any more (a hint shows instead)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = QLabel()
        self.banner.setVisible(False)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(self._on_anchor)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(self.browser)
        self._copyable: list[str] = []
        self.detail: RecordDetail | None = None
        self._parts: list[QWidget] = []

    def add_part(self, part: QWidget, *, above: bool = False) -> None:
        """A part shown with a record (its photo above, its files below); hidden with a hint."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        if above:
            layout.insertWidget(1, part)  # under the banner
        else:
            layout.addWidget(part)
        self._parts.append(part)

    def show_message(self, text: str) -> None:
        """An empty pane with a hint, e.g. before anything is selected."""
        self.detail = None
        self._copyable = []
        self.banner.setVisible(False)
        for part in self._parts:
            part.hide()
        self.cleared.emit()
        self.browser.setHtml(f"<p style='{GREY}'>{html.escape(text)}</p>")

    def show_detail(self, detail: RecordDetail, markings: Sequence[str]) -> None:
        self.detail = detail
        record = detail.record
        self.banner.setText(record.marking)
        self.banner.setStyleSheet(banner_css(record.marking, markings))
        self.banner.setVisible(True)
        page, self._copyable = detail_html(detail)
        self.browser.setHtml(page)
        body_field, heading = MARKDOWN_FIELDS.get(detail.kind.name, ("", ""))
        body = getattr(record, body_field) if body_field else None
        if body:
            cursor = QTextCursor(self.browser.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock()
            if heading:
                cursor.insertHtml(f"<h3>{heading}</h3>")
                cursor.insertBlock()
            cursor.insertMarkdown(body, _MARKDOWN)
        self.browser.moveCursor(QTextCursor.MoveOperation.Start)

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() == "copy" and url.path().isdigit():
            index = int(url.path())
            if index < len(self._copyable):
                self.copy_requested.emit(self._copyable[index])
        elif url.scheme() == "record" and "/" in url.path():
            kind, record_id = url.path().split("/", 1)
            self.navigate_requested.emit(kind, record_id)
