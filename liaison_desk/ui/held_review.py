"""HQ reviews, in the window, the records held from revoked stations: read, then release or discard.

What `liaison-desk peers held/release/discard` does, in a dialog opened from
the Sync section: the records a revoked station wrote after its date of
compromise (station, kind, title, when written by the station's clock and when
HQ held them), searchable by their content; one shown; released (sent on as
HQ's own copy) or discarded (never sent) once the reviewer confirms. Every
read and decision runs on the vault's worker (`sync.held_review`,
`sync.compromise.decide`); the dialog only shows.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.compromise import decide
from liaison_desk.sync.held_review import STATUSES, HeldRow, held_content, held_for_review
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_models import Column, RowsModel, kind_label, when
from liaison_desk.ui.tables import read_only_table

SEARCH_DELAY_MS = 250

COLUMNS = (
    Column[HeldRow]("Station", lambda r: r.held.station_name or r.held.station[:16]),
    Column[HeldRow]("Kind", lambda r: kind_label(r.held.kind)),
    Column[HeldRow]("Title", lambda r: r.held.title or "(untitled)"),
    Column[HeldRow]("Written (station's clock)", lambda r: when(r.written or None)),
    Column[HeldRow]("Held at HQ", lambda r: when(r.held.held_at)),
    Column[HeldRow]("Status", lambda r: r.held.status.capitalize()),
)


def held_model(parent: QWidget) -> RowsModel[HeldRow]:
    return RowsModel(COLUMNS, lambda r: r.key, parent)


class HeldDialog(QDialog):
    """The held records; `loaded` after each read, `decided` after a release or a discard."""

    loaded = Signal()
    decided = Signal(str)  # a sentence for the status bar

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("heldDialog")
        self.setWindowTitle("Records held for review")
        self._session = session
        self.model = held_model(self)
        intro = QLabel(
            "Records revoked stations wrote after their date of compromise. They stay at HQ "
            "and are sent to nobody until you release them (HQ sends them on as its own) or "
            "discard them (never sent)."
        )
        intro.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setObjectName("heldSearch")
        self.search.setPlaceholderText("Search their content")
        self.search.setClearButtonEnabled(True)
        self.show_all = QCheckBox("Show released and discarded")
        self.show_all.setObjectName("heldShowAll")
        self._delay = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._delay.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._delay.start())
        self.show_all.toggled.connect(lambda _: self.reload())
        self.table = read_only_table(self.model)
        self.table.setObjectName("heldTable")
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._on_current())
        self.content = QPlainTextEdit()
        self.content.setObjectName("heldContent")
        self.content.setReadOnly(True)
        self.count = QLabel()
        self.count.setObjectName("heldCount")
        self.release_button = QPushButton("&Release…")
        self.release_button.setObjectName("heldRelease")
        self.release_button.clicked.connect(lambda: self._decide(release=True))
        self.discard_button = QPushButton("&Discard…")
        self.discard_button.setObjectName("heldDiscard")
        self.discard_button.clicked.connect(lambda: self._decide(release=False))
        for button in (self.release_button, self.discard_button):
            button.setAutoDefault(False)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.search, 1)
        row.addWidget(self.show_all)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.content)
        actions = QHBoxLayout()
        actions.addWidget(self.count, 1)
        actions.addWidget(self.release_button)
        actions.addWidget(self.discard_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        layout.addWidget(close)
        self.resize(820, 560)
        self._enable()
        self.reload()

    def selected(self) -> HeldRow | None:
        return self.model.row_at(self.table.currentIndex().row())

    def reload(self) -> None:
        text = self.search.text().strip()
        statuses = STATUSES if self.show_all.isChecked() else ("held",)

        def work(vault: Vault) -> list[HeldRow]:
            return held_for_review(vault, text, statuses)

        self._session.read(work, self._show, self, self._failed)

    def _show(self, rows: list[HeldRow]) -> None:
        kept = self.selected()
        self.model.set_rows(rows)
        again = None if kept is None else self.model.row_of(kept.key)
        if again is not None:
            self.table.selectRow(again)
        elif rows:
            self.table.selectRow(0)
        else:
            self.content.clear()
        waiting = sum(1 for r in rows if r.held.status == "held")
        self.count.setText(f"{plural(waiting, 'record')} waiting for a decision.")
        self._enable()
        self.loaded.emit()

    def _on_current(self) -> None:
        self._enable()
        chosen = self.selected()
        if chosen is None:
            self.content.clear()
            return
        kind, record_id = chosen.key

        def work(vault: Vault) -> list[tuple[str, str]]:
            return held_content(vault, kind, record_id)

        def show(fields: list[tuple[str, str]]) -> None:
            if self.selected() is chosen:
                lines = [f"{name}: {text}" for name, text in fields]
                self.content.setPlainText("\n".join(lines) or "(nothing left of this record)")

        self._session.read(work, show, self, self._failed)

    def _enable(self) -> None:
        chosen = self.selected()
        open_ = chosen is not None and chosen.held.status == "held"
        self.release_button.setEnabled(open_)
        self.discard_button.setEnabled(open_)

    def _decide(self, release: bool) -> None:
        chosen = self.selected()
        if chosen is None or chosen.held.status != "held":
            return
        title = chosen.held.title or "this record"
        station = chosen.held.station_name or "the revoked station"
        if release:
            question = (
                f"Release “{title}”? HQ sends it on, as its own copy, to the stations it is "
                f"shared with at the next sync, although {station} wrote it after its date "
                "of compromise."
            )
        else:
            question = f"Discard “{title}”? It stays at HQ and is never sent on."
        answer = QMessageBox.question(
            self,
            "Release held record" if release else "Discard held record",
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        kind, record_id = chosen.key

        def work(vault: Vault) -> None:
            decide(vault, kind, record_id, release)

        def done(_: None) -> None:
            self.decided.emit(f"“{title}” {'released' if release else 'discarded'}.")
            self.reload()

        self.release_button.setEnabled(False)
        self.discard_button.setEnabled(False)
        self._session.write("sync", work, done, self, self._failed)

    def _failed(self, error: LiaisonError) -> None:
        self.count.setText(error.message)
        self._enable()


class HeldButton(QPushButton):
    """Opens the review of held records (HQ's Sync section)."""

    status_message = Signal(str)

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__("&Held records…", parent)
        self.setObjectName("heldRecordsButton")
        self.setAutoDefault(False)
        self._session = session
        self.dialog: HeldDialog | None = None
        self.clicked.connect(self.show_held)

    def show_held(self) -> None:
        self.dialog = HeldDialog(self._session, self.window())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.decided.connect(self.status_message)
        self.dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        self.dialog.open()
