"""The seating plan window of a dinner, lunch or reception, and the menu action that opens it.

The tables are drawn by `ui.seating_scene`; a person dragged to another seat is moved there
on the vault's worker (`core.seating_plan.move_guest`, whoever sat there takes their seat),
and the rules the move broke are said at once above the list of every rule the plan breaks.
"Arrange" seats everyone afresh by precedence at the tables typed. The table plan and the
place cards are printed to PDF, after the warning that the file is not encrypted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.interop.export_file import NOT_ENCRYPTED, write_export
from liaison_desk.core.seating_layout import CONVENTIONS, SHAPES, SeatRef
from liaison_desk.core.seating_plan import Chart, chart_of, make_plan, move_guest
from liaison_desk.core.seating_rules import Broken
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.seating_print import place_cards_pdf, plan_pdf
from liaison_desk.ui.seating_scene import SeatingScene
from liaison_desk.ui.session import Session

_BROKE_STYLE = "color: #c8102e; font-weight: bold;"
_KEPT_STYLE = "color: #007a33;"


class SeatingWindow(QDialog):
    """One meeting's plan: the tables, drag and drop, the rules broken, Arrange, Print."""

    shown = Signal()  # a chart was drawn (after loading, arranging or a move)

    def __init__(self, session: Session, meeting_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seatingWindow")
        self.setWindowTitle("Seating plan")
        self.resize(1100, 760)
        self.session = session
        self.meeting_id = meeting_id
        self.chart: Chart | None = None
        self.folder = Path.home()
        self.tables = QLineEdit("3x10")
        self.tables.setToolTip('"3x10": three tables of ten; or "long:14,round:8", host\'s first')
        self.shape = QComboBox()
        self.shape.addItems(SHAPES)
        self.convention = QComboBox()
        self.convention.addItems(CONVENTIONS)
        self.convention.setToolTip(
            "centre: the host mid-table, the co-host facing; ends: at the head and the foot"
        )
        self.arrange_button = QPushButton("&Arrange by precedence")
        self.arrange_button.clicked.connect(self.arrange)
        self.plan_button = QPushButton("Print table &plan…")
        self.plan_button.clicked.connect(lambda: self.print_pdf(cards=False))
        self.cards_button = QPushButton("Print place &cards…")
        self.cards_button.clicked.connect(lambda: self.print_pdf(cards=True))
        bar = QHBoxLayout()
        for widget in (QLabel("Tables:"), self.tables, self.shape, self.convention):
            bar.addWidget(widget)
        bar.addWidget(self.arrange_button)
        bar.addStretch(1)
        bar.addWidget(self.plan_button)
        bar.addWidget(self.cards_button)
        self.view = QGraphicsView()
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.last_move = QLabel()
        self.last_move.setWordWrap(True)
        self.rules = QListWidget()
        self.rules.setObjectName("seatingRules")
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.last_move)
        below_layout.addWidget(self.rules)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(below)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(split)
        session.locked.connect(self.close)
        self._enable(False)
        self.load()

    def _enable(self, has_plan: bool) -> None:
        self.plan_button.setEnabled(has_plan)
        self.cards_button.setEnabled(has_plan)

    def _failed(self, error: LiaisonError) -> None:
        self.last_move.setStyleSheet(_BROKE_STYLE)
        self.last_move.setText(error.message)

    def load(self) -> None:
        meeting_id = self.meeting_id
        self.session.read(
            lambda vault: chart_of(vault.store, meeting_id), self._show, self, self._failed
        )

    def arrange(self) -> None:
        meeting_id, tables = self.meeting_id, self.tables.text()
        shape, convention = self.shape.currentText(), self.convention.currentText()

        def work(vault: Vault) -> Chart:
            return make_plan(vault.store, meeting_id, tables, shape=shape, convention=convention)

        self.last_move.clear()
        self.session.write("meeting", work, self._show, self, self._failed)

    def seat_guest(self, contact_id: str, seat: SeatRef) -> None:
        """Seat `contact_id` at `seat` by hand (a token dropped there)."""
        meeting_id = self.meeting_id

        def work(vault: Vault) -> tuple[Chart, list[Broken]]:
            return move_guest(vault.store, meeting_id, contact_id, seat)

        def done(result: tuple[Chart, list[Broken]]) -> None:
            chart, broke = result
            name = chart.name(contact_id)
            if broke:
                self.last_move.setStyleSheet(_BROKE_STYLE)
                said = " ".join(b.text for b in broke)
                self.last_move.setText(f"Moving {name} to {seat} breaks: {said}")
            else:
                self.last_move.setStyleSheet(_KEPT_STYLE)
                self.last_move.setText(f"Moving {name} to {seat} keeps every rule.")
            self._show(chart)

        self.session.write("meeting", work, done, self, self._failed)

    def _show(self, chart: Chart | None) -> None:
        self.chart = chart
        self._enable(chart is not None)
        self.rules.clear()
        if chart is None:
            self.view.setScene(QGraphicsScene(self))
            self.last_move.setText("No seating plan yet: choose the tables, then Arrange.")
            self.shown.emit()
            return
        self.setWindowTitle(f"Seating plan — {chart.meeting.title} ({chart.marking})")
        self.tables.setText(chart.plan.tables)
        self.convention.setCurrentText(chart.plan.convention)
        scene = SeatingScene(chart, movable=True, on_drop=self.seat_guest)
        scene.setParent(self)
        self.view.setScene(scene)
        self._fit()
        if chart.broken:
            self.rules.addItems([b.text for b in chart.broken])
        else:
            self.rules.addItem("Every rule is kept.")
        self.rules.setToolTip(f"{plural(len(chart.broken), 'rule')} broken")
        self.shown.emit()

    def _fit(self) -> None:
        """Every table in sight, never drawn larger than life."""
        scene = self.view.scene()
        if scene is None or scene.itemsBoundingRect().isEmpty():
            return
        self.view.resetTransform()
        self.view.fitInView(scene.itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)
        if self.view.transform().m11() > 1:
            self.view.resetTransform()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def print_pdf(self, cards: bool) -> None:
        chart = self.chart
        if chart is None:
            return
        what = "place cards" if cards else "table plan"
        answer = QMessageBox.warning(
            self,
            f"Print the {what}",
            f"The {what} is marked {chart.marking} on every page.\n\n{NOT_ENCRYPTED}",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Save:
            return
        suggested = self.folder / f"{what.replace(' ', '-')}.pdf"
        chosen, _ = QFileDialog.getSaveFileName(
            self, f"Save the {what}", str(suggested), "PDF (*.pdf)"
        )
        if not chosen:
            return
        path = Path(chosen)
        self.folder = path.parent
        pdf, pages = place_cards_pdf(chart) if cards else plan_pdf(chart)
        kind, count = ("place-cards" if cards else "seating-plan"), len(chart.seats)

        def work(vault: Vault) -> str:
            write_export(vault, path, pdf, kind=kind, format="pdf", count=count)
            return f"Wrote {plural(pages, 'page')} of {what} to {path.name} (not encrypted)."

        self.session.read(work, self.last_move.setText, self, self._failed)


class SeatingAction(QObject):
    """Edit ▸ Seating plan…: the plan of the meeting open in the Meetings section."""

    status_message = Signal(str)

    def __init__(
        self,
        window: QWidget,
        session: Session,
        current_section: Callable[[], RecordSection | None],
        menu: QMenu,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._current = current_section
        self.window: SeatingWindow | None = None
        self.action = QAction("Seating &plan…", window)
        self.action.setObjectName("seatingPlanAction")
        self.action.triggered.connect(self.open)
        menu.addAction(self.action)

    def open(self) -> None:
        section = self._current()
        meeting_id = section.current_record_id() if section is not None else None
        if section is None or section.kind.name != "meeting" or meeting_id is None:
            self.status_message.emit("Open a dinner, lunch or reception in Meetings first.")
            return
        self.window = SeatingWindow(self._session, meeting_id, self._window)
        self.window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.window.show()
