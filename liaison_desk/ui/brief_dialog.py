"""The Brief window: a brief under its marking, its timelines as charts, Save as PDF.

Loaded when a brief is first opened (`ui.brief_view`): pyqtgraph and numpy take
a second to load, which the application's start does not pay. The PDF is the one
`liaison-desk brief --pdf` writes (marked on every page): painted here on the GUI
thread, written atomically on the worker, the export logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QImage, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.brief import Brief, charts_of
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.interop.export_file import NOT_ENCRYPTED, write_export
from liaison_desk.core.timelines import Timeline
from liaison_desk.core.vault import Vault
from liaison_desk.ui.brief_document import PHOTO, brief_html, render_brief_pdf
from liaison_desk.ui.charts import TimelineChart
from liaison_desk.ui.markings_style import banner_css
from liaison_desk.ui.session import Session

PHOTO_WIDTH_PX = 110


def pdf_name(title: str) -> str:
    """A file name for the brief's PDF: "Col. Anna Berg" -> "brief-col-anna-berg.pdf"."""
    slug = "-".join("".join(c if c.isalnum() else " " for c in title.casefold()).split())
    return f"brief-{slug[:60] or 'record'}.pdf"


class BriefDialog(QDialog):
    """One brief: its marking above and below, the page, the charts, Save as PDF."""

    status_message = Signal(str)
    charts_loaded = Signal()

    def __init__(
        self, session: Session, brief: Brief, markings: tuple[str, ...], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.setObjectName("briefDialog")
        self.setWindowTitle(f"Brief: {brief.title}")
        self.session = session
        self.brief = brief
        self.folder = Path.home()
        banners = []
        for name in ("briefMarkingTop", "briefMarkingBottom"):
            banner = QLabel(brief.marking)
            banner.setObjectName(name)
            banner.setStyleSheet(banner_css(brief.marking, markings))
            banners.append(banner)
        self.page = QTextBrowser()
        self.page.setObjectName("briefPage")
        self.page.setOpenLinks(False)
        photo = brief.people[0].photo if brief.people else None
        image = QImage.fromData(photo.data) if photo is not None else QImage()
        if not image.isNull():
            scaled = image.scaledToWidth(PHOTO_WIDTH_PX, Qt.TransformationMode.SmoothTransformation)
            resource = QTextDocument.ResourceType.ImageResource
            self.page.document().addResource(resource, QUrl(PHOTO), scaled)
        self.page.setHtml(brief_html(brief, with_photo=not image.isNull()))
        self.charts: list[TimelineChart] = []
        charts = QWidget()
        self.chart_row = QHBoxLayout(charts)
        self.chart_row.setContentsMargins(0, 0, 0, 0)
        self._add_charts(brief.timelines)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.page)
        splitter.addWidget(charts)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.save_button = QPushButton("Save as &PDF…")
        self.save_button.setObjectName("briefSaveButton")
        self.save_button.setToolTip(f"The brief as a PDF, marked {brief.marking} on every page")
        self.save_button.clicked.connect(self.save_pdf)
        self.save_button.setEnabled(False)  # until every chart the PDF draws is read
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(banners[0])
        layout.addWidget(splitter, 1)
        layout.addWidget(banners[1])
        layout.addWidget(buttons)
        self.resize(900, 760)
        session.locked.connect(self.close)
        session.read(lambda vault: charts_of(vault, brief), self._more_charts, self)

    def _add_charts(self, timelines: Sequence[Timeline]) -> None:
        for timeline in timelines:
            chart = TimelineChart(timeline)
            chart.setMinimumHeight(200)
            self.chart_row.addWidget(chart)
            self.charts.append(chart)

    def _more_charts(self, timelines: tuple[Timeline, ...]) -> None:
        """The charts read after the brief (its country's): added beside the ones shown."""
        self._add_charts(timelines[len(self.charts) :])
        self.save_button.setEnabled(True)
        self.charts_loaded.emit()

    def save_pdf(self) -> None:
        """Warn that the file is not encrypted, ask where, paint it here, write it on the worker."""
        brief = self.brief
        answer = QMessageBox.warning(
            self,
            "Save the brief",
            f"This brief is marked {brief.marking} on every page.\n\n{NOT_ENCRYPTED}",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Save:
            return
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the brief", str(self.folder / pdf_name(brief.title)), "PDF (*.pdf)"
        )
        if not chosen:
            return
        path = Path(chosen) if Path(chosen).suffix else Path(chosen).with_suffix(".pdf")
        self.folder = path.parent
        pdf, pages = render_brief_pdf(brief, [chart.timeline for chart in self.charts])

        def work(vault: Vault) -> str:
            write_export(vault, path, pdf, kind="brief", format="pdf", count=brief.records)
            wrote = f"Wrote a {pages}-page brief marked {brief.marking} to {path.name}"
            return f"{wrote} (not encrypted)."

        self.save_button.setEnabled(False)
        self.session.read(work, self._saved, self, self._failed)

    def _saved(self, message: str) -> None:
        self.save_button.setEnabled(True)
        self.status_message.emit(message)

    def _failed(self, error: LiaisonError) -> None:
        self.save_button.setEnabled(True)
        QMessageBox.warning(self, "Save the brief", error.message)
