"""The Sync section: who this vault is, where each peer stands, bundles through a folder, the relay.

A station exports to its HQ; HQ exports to one station or to every active
one. Export and import run on the vault's worker, one bundle per task, each
reporting progress through a queued signal; the section only ever touches its
widgets on the GUI thread. After an import, every section showing a kind of
record the bundle touched is told, and so is the Conflicts section. Syncing
with a drive or the relay is the window's (`transport_actions`): the section
asks for it by signal, and keeps the relay's address in the vault.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.bundle_names import SUFFIX
from liaison_desk.sync.clocks import clock_warning
from liaison_desk.sync.errors import RelayError
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.identity import grouped
from liaison_desk.sync.importing import ImportResult, import_bundle
from liaison_desk.sync.online import set_relay_url
from liaison_desk.sync.refusals import advice
from liaison_desk.sync.relay_client import check_url
from liaison_desk.sync.status import PeerStatus, SyncOverview, sync_overview
from liaison_desk.ui.detail_view import GREY
from liaison_desk.ui.enrolment_panel import ERROR_STYLE, EnrolmentPanel, fingerprint_label
from liaison_desk.ui.held_review import HeldButton
from liaison_desk.ui.revoke_dialog import RevokeChoice, RevokeDialog
from liaison_desk.ui.session import Session
from liaison_desk.ui.station_charts import StationActivityButton
from liaison_desk.ui.station_log_dialog import StationLogButton
from liaison_desk.ui.sync_lines import export_line, import_line, refusal_line, status_text
from liaison_desk.ui.sync_models import KeyRole, PeerTableModel
from liaison_desk.ui.tables import read_only_table

TITLE = "Sync"


def _now_ms() -> int:
    return int(time.time() * 1000)


STEP = 1_000  # progress bar units per bundle
REFRESH_DELAY_MS = 400  # several changes in a row read the peers once
HIDDEN_REFRESH_MS = 5_000  # while another section is shown, only the status bar needs it
ALL_STATIONS = ""  # the export target combo's "every active station"
_QUIET = ("draft", "settings")  # changes that cannot alter what a peer is owed


class ProgressRelay(QObject):
    """Carries progress from the worker to the GUI thread, where its receivers run."""

    advanced = Signal(int, int, int, int)  # operation, step, done, total


def progress_relay(session: Session) -> ProgressRelay:
    """One per session: it outlives the sections rebuilt at each unlock, so late reports land."""
    relay = session.findChild(ProgressRelay)
    return relay if isinstance(relay, ProgressRelay) else ProgressRelay(session)


@dataclass
class _Batch:
    """Bundles going out or coming in, one worker task each."""

    operation: int
    steps: int
    finished: int = 0
    lines: list[str] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    applied: bool = False


class SyncSection(QWidget):
    """Identity, enrolment, peers, and exporting and importing bundles."""

    status_message = Signal(str)
    status_changed = Signal(str)  # one line for the status bar
    finished = Signal()  # a batch of exports or imports is over
    drive_chosen = Signal(object, object)  # the folder; the peers to write for (None: all)
    sync_now_requested = Signal()
    relay_changed = Signal(str)  # the relay address, once saved in the vault
    auto_sync_changed = Signal(bool)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = TITLE
        self.role = session.info.role if session.info else "station"
        self.state: SyncOverview | None = None
        self.folder = Path.home()
        self._batch: _Batch | None = None
        self._operations = 0
        self._transport_busy = False
        self.revoke_dialog: RevokeDialog | None = None
        self.model = PeerTableModel(self.role, self)
        self.relay = progress_relay(session)
        self.relay.advanced.connect(self._on_progress)
        self._refresh = QTimer(self, singleShot=True, interval=REFRESH_DELAY_MS)
        self._refresh.timeout.connect(self.reload)
        self._build()
        session.changed.connect(self._on_changed)
        self.reload()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.identity_label = QLabel()
        self.identity_label.setWordWrap(True)
        self.clock_warning = QLabel()
        self.clock_warning.setObjectName("clockWarning")
        self.clock_warning.setWordWrap(True)
        self.clock_warning.setStyleSheet(ERROR_STYLE)
        self.clock_warning.setVisible(False)
        self.refusal_warning = QLabel()
        self.refusal_warning.setObjectName("bundleRefusedWarning")
        self.refusal_warning.setWordWrap(True)
        self.refusal_warning.setStyleSheet(ERROR_STYLE)
        self.refusal_warning.setVisible(False)
        self.fingerprint = fingerprint_label()
        self.fingerprint.setObjectName("ownFingerprint")
        hint = QLabel("Fingerprint, to read aloud and compare group by group:")
        hint.setStyleSheet(GREY)
        identity = QGroupBox("This vault")
        column = QVBoxLayout(identity)
        column.addWidget(self.identity_label)
        column.addWidget(self.clock_warning)
        column.addWidget(self.refusal_warning)
        column.addWidget(hint)
        column.addWidget(self.fingerprint)

        self.enrolment = EnrolmentPanel(self.session)
        self.enrolment.status_message.connect(self.status_message)
        self.enrolment.enrolled.connect(self._after_enrolment)

        self.table = read_only_table(self.model)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.peers_hint = QLabel()
        self.peers_hint.setStyleSheet(GREY)
        self.peers_hint.setWordWrap(True)

        self.target = QComboBox()
        self.target.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.target.setVisible(self.role == "hq")
        self.export_button = QPushButton("E&xport bundle to folder…")
        self.export_button.clicked.connect(self.export_bundles)
        self.import_button = QPushButton("Im&port bundles…")
        self.import_button.clicked.connect(self.import_bundles)
        self.drive_button = QPushButton("Sync with a &drive or folder…")
        self.drive_button.clicked.connect(self.choose_drive)
        self.revoke_button = QPushButton("&Revoke station")
        self.revoke_button.setVisible(self.role == "hq")
        self.revoke_button.setEnabled(False)
        self.revoke_button.clicked.connect(self.revoke_station)
        self.log_button = StationLogButton(self.session, self._selected_station, self)
        self.log_button.setVisible(self.role == "hq")
        self.held_button = HeldButton(self.session, self)
        self.held_button.setVisible(self.role == "hq")
        self.held_button.status_message.connect(self.status_message)
        self.activity_button = StationActivityButton(self.session, self)
        self.activity_button.setVisible(self.role == "hq")
        buttons = QHBoxLayout()
        if self.role == "hq":
            buttons.addWidget(QLabel("Send to:"))
        buttons.addWidget(self.target)
        for button in (self.export_button, self.import_button, self.drive_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.held_button)
        buttons.addWidget(self.activity_button)
        buttons.addWidget(self.log_button)
        buttons.addWidget(self.revoke_button)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        peers = QGroupBox("Stations" if self.role == "hq" else "Peers")
        column = QVBoxLayout(peers)
        column.addWidget(self.table, 1)
        column.addWidget(self.peers_hint)
        column.addLayout(buttons)
        column.addWidget(self.progress)
        column.addWidget(self.summary)

        layout = QVBoxLayout(self)
        layout.addWidget(identity)
        layout.addWidget(self.enrolment)
        layout.addWidget(peers, 1)
        layout.addWidget(self._relay_box())

    def _relay_box(self) -> QGroupBox:
        self.relay_edit = QLineEdit()
        self.relay_edit.setPlaceholderText("https://relay.example:8443")
        self.relay_edit.returnPressed.connect(self.save_relay)
        self.save_relay_button = QPushButton("Save &address")
        self.save_relay_button.clicked.connect(self.save_relay)
        self.auto_sync_box = QCheckBox("Sync automatically when the relay is reachable")
        self.auto_sync_box.setChecked(True)
        self.auto_sync_box.toggled.connect(self.auto_sync_changed)
        self.sync_now_button = QPushButton("Sync &now")
        self.sync_now_button.clicked.connect(self.sync_now_requested)
        address = QHBoxLayout()
        address.addWidget(QLabel("Relay address:"))
        address.addWidget(self.relay_edit, 1)
        address.addWidget(self.save_relay_button)
        row = QHBoxLayout()
        row.addWidget(self.auto_sync_box, 1)
        row.addWidget(self.sync_now_button)
        for button in (self.save_relay_button, self.sync_now_button):
            button.setAutoDefault(False)
        box = QGroupBox("Relay (when a network is there)")
        column = QVBoxLayout(box)
        column.addLayout(address)
        column.addLayout(row)
        return box

    # -- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read identity and peers again (after any change, and whenever the section shows)."""
        self._refresh.stop()
        if self.session.is_unlocked:
            self.session.read(sync_overview, self._set_state, self, self._report)

    def _set_state(self, state: SyncOverview) -> None:
        self.state = state
        me = state.me
        role = "HQ" if me.role == "hq" else "Station"
        post = f" · {html.escape(me.post)}" if me.post else ""
        self.identity_label.setText(f"<b>{html.escape(me.name)}</b> · {role}{post}")
        self.fingerprint.setText(grouped(me.fingerprint))
        ahead = state.clock_ahead_ms
        self.clock_warning.setText(clock_warning(ahead) if ahead else "")
        self.clock_warning.setVisible(bool(ahead))
        refused = [advice(name, refusal) for name, refusal in state.refused_by_peers]
        self.refusal_warning.setText("\n".join(refused))
        self.refusal_warning.setVisible(bool(refused))
        self.enrolment.set_state(me, state.hq)
        selected = self._selected_fingerprint()
        self.model.set_rows(state.peers)
        row = self.model.row_of(selected) if selected else None
        if row is not None:
            self.table.selectRow(row)
        self._fill_targets()
        self.peers_hint.setText(self._peers_hint(state))
        if not self.relay_edit.isModified():  # never overwrite what is being typed
            self.relay_edit.setText(state.relay or "")
        self._enable()
        self.status_changed.emit(status_text(state))

    def _peers_hint(self, state: SyncOverview) -> str:
        if state.me.role == "hq":
            if not state.peers:
                return "No station is enrolled yet: approve a station's request above."
            return "Pending: changes the next bundle to that station would carry."
        if state.hq is None:
            return "Once HQ approves this station, HQ appears here and bundles can go out."
        return (
            f"Bundles go to {state.hq.name}. Pending: changes of this vault that "
            f"{state.hq.name} has not acknowledged yet."
        )

    def _fill_targets(self) -> None:
        if self.role != "hq" or self.state is None:
            return
        current = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItem("All active stations", ALL_STATIONS)
        for s in self.state.peers:
            if s.peer.active and s.peer.role == "station":
                self.target.addItem(s.peer.name, s.peer.fingerprint)
        index = self.target.findData(current)
        self.target.setCurrentIndex(max(index, 0))
        self.target.blockSignals(False)

    def _selected_fingerprint(self) -> str | None:
        index = self.table.currentIndex()
        value = index.data(KeyRole) if index.isValid() else None
        return value if isinstance(value, str) else None

    def _selected(self) -> PeerStatus | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _selected_station(self) -> tuple[str, str] | None:
        status = self._selected()
        if status is None or status.peer.role != "station":
            return None
        return status.peer.fingerprint, status.peer.name

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        status = self.model.row_at(current.row()) if current.isValid() else None
        if status is not None and self.role == "hq":
            index = self.target.findData(status.peer.fingerprint)
            if index >= 0:
                self.target.setCurrentIndex(index)
        self._enable()

    def _enable(self) -> None:
        idle = self._batch is None
        targets = bool(self._targets())
        self.export_button.setEnabled(idle and targets)
        self.export_button.setToolTip("" if targets else "There is no enrolled peer to send to.")
        self.import_button.setEnabled(idle)
        self.drive_button.setEnabled(idle and not self._transport_busy)
        relay = self.state is not None and self.state.relay is not None
        self.sync_now_button.setEnabled(relay and not self._transport_busy)
        self.sync_now_button.setToolTip("" if relay else "Save the relay's address first.")
        selected = self._selected()
        self.log_button.setEnabled(self._selected_station() is not None)
        self.revoke_button.setEnabled(
            idle and selected is not None and selected.peer.active and selected.peer.role != "hq"
        )

    def _targets(self) -> list[tuple[str, str]]:
        """(fingerprint, name) of the peers the next export goes to."""
        state = self.state
        if state is None:
            return []
        if state.me.role != "hq":
            hq = state.hq
            return [(hq.fingerprint, hq.name)] if hq is not None and hq.active else []
        chosen = self.target.currentData()
        return [
            (s.peer.fingerprint, s.peer.name)
            for s in state.peers
            if s.peer.active and chosen in (ALL_STATIONS, s.peer.fingerprint)
        ]

    def _on_changed(self, kind: str) -> None:
        """Edits change what peers are owed; counting it is not free, so hidden, count later."""
        if kind not in _QUIET:
            self._refresh.start(REFRESH_DELAY_MS if self.isVisible() else HIDDEN_REFRESH_MS)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()  # lags and pending counts move while the section is hidden

    def _after_enrolment(self) -> None:
        self.session.changed.emit("sync")
        self.reload()

    # -- bundles -------------------------------------------------------------------------------

    def export_bundles(self) -> None:
        """Ask for a folder and write the next bundle for each target peer there."""
        targets = self._targets()
        if not targets or self._batch is not None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export bundle to folder", str(self.folder))
        if not folder:
            return
        self.folder = Path(folder)
        batch = self._start(len(targets))
        for step, (fingerprint, name) in enumerate(targets):
            progress = self._progress(batch, step)

            def work(
                vault: Vault, fp: str = fingerprint, p: Callable[[int, int], None] = progress
            ) -> ExportResult:
                return export_bundle(vault, fp, Path(folder), p)

            def failed(error: LiaisonError, name: str = name) -> None:
                self._step_done(batch, f"To {name}: not written. {error.message}")

            self.session.write(
                "sync", work, lambda r: self._step_done(batch, export_line(r)), self, failed
            )

    def import_bundles(self) -> None:
        """Ask for bundle files and apply each (a refused one changes nothing; the rest go on)."""
        if self._batch is not None:
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import bundles", str(self.folder), f"Bundles (*{SUFFIX});;All files (*)"
        )
        if not paths:
            return
        self.folder = Path(paths[0]).parent
        batch = self._start(len(paths))
        for step, name in enumerate(paths):
            path = Path(name)
            progress = self._progress(batch, step)

            def work(
                vault: Vault, path: Path = path, p: Callable[[int, int], None] = progress
            ) -> ImportResult:
                return import_bundle(vault, path, p)

            def done(result: ImportResult) -> None:
                if result.status == "applied":
                    batch.applied = True
                    batch.kinds |= result.kinds
                self._step_done(batch, import_line(result))

            def failed(error: LiaisonError, path: Path = path) -> None:
                self._step_done(batch, refusal_line(path, error))

            self.session.write("sync", work, done, self, failed)

    def _start(self, steps: int) -> _Batch:
        self._operations += 1
        batch = _Batch(self._operations, steps)
        self._batch = batch
        self.progress.setRange(0, steps * STEP)
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.summary.setStyleSheet("")
        self.summary.setText("Working…")
        self._enable()
        return batch

    def _progress(self, batch: _Batch, step: int) -> Callable[[int, int], None]:
        """Called on the worker: emits only (the relay lives as long as the session)."""
        relay, operation = self.relay, batch.operation

        def report(done: int, total: int) -> None:
            relay.advanced.emit(operation, step, done, total)

        return report

    def _on_progress(self, operation: int, step: int, done: int, total: int) -> None:
        batch = self._batch
        if batch is None or operation != batch.operation or step < batch.finished:
            return
        fraction = min(done, total) * STEP // total if total > 0 else STEP
        self.progress.setValue(max(self.progress.value(), step * STEP + fraction))

    def _step_done(self, batch: _Batch, line: str) -> None:
        batch.finished += 1
        batch.lines.append(line)
        self.progress.setValue(batch.finished * STEP)
        self.summary.setText("\n".join(batch.lines))
        if batch.finished < batch.steps:
            return
        self._batch = None
        if batch.applied:
            for kind in BY_NAME:  # the sidebar's order, so lists refresh top to bottom
                if kind in batch.kinds:
                    self.session.changed.emit(kind)
            self.session.changed.emit("conflict")
        self.reload()
        self._enable()
        self.status_message.emit(batch.lines[-1] if batch.steps == 1 else "Done.")
        self.finished.emit()

    # -- drive and relay -----------------------------------------------------------------------

    def choose_drive(self) -> None:
        """Ask for a drive or folder to sync with; HQ writes for the station chosen in "Send to"."""
        folder = QFileDialog.getExistingDirectory(
            self, "Sync with a drive or folder", str(self.folder)
        )
        if not folder:
            return
        self.folder = Path(folder)
        chosen, state = self.target.currentData(), self.state
        peers = None
        if self.role == "hq" and chosen != ALL_STATIONS and state is not None:
            peers = [s.peer for s in state.peers if s.peer.fingerprint == chosen]
        self.drive_chosen.emit(Path(folder), peers)

    def save_relay(self) -> None:
        """Check the address, keep it in the vault, then have the window watch it."""
        try:
            url = check_url(self.relay_edit.text())
        except RelayError as error:
            self._report(error)
            return

        def done(_: None) -> None:
            self.relay_edit.setText(url)
            self.summary.setStyleSheet("")
            self.summary.setText(f"Relay address saved: {url}")
            self.relay_changed.emit(url)
            self.reload()  # now, even while hidden: "Sync now" needs the address

        self.session.write(
            "sync", lambda vault: set_relay_url(vault, url), done, self, self._report
        )

    def set_auto_sync(self, on: bool) -> None:
        self.auto_sync_box.blockSignals(True)
        self.auto_sync_box.setChecked(on)
        self.auto_sync_box.blockSignals(False)

    def set_transport_busy(self, busy: bool) -> None:
        """A drive or relay sync is running in the window: no second one from here."""
        self._transport_busy = busy
        self._enable()

    # -- HQ ------------------------------------------------------------------------------------

    def revoke_station(self) -> None:
        """Ask the reason (and a date of compromise, or a wipe); then revoke the station."""
        status = self._selected()
        if status is None or not status.peer.active or status.peer.role == "hq":
            return
        peer = status.peer
        self.revoke_dialog = RevokeDialog(self, peer.name, peer.fingerprint, _now_ms())
        self.revoke_dialog.chosen.connect(lambda choice: self._revoke(peer.name, choice))
        self.revoke_dialog.open()

    def _revoke(self, name: str, choice: RevokeChoice) -> None:
        def done(held: int) -> None:
            kept = f" {plural(held, 'record')} held for review." if held else ""
            wiped = " It is wiped at its next contact." if choice.wipe else ""
            self.status_message.emit(f"{name} is revoked.{kept}{wiped}")
            self.reload()

        self.session.write("sync", choice.apply, done, self, self._report)

    def _report(self, error: LiaisonError) -> None:
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setText(error.message)
        self.status_message.emit(error.message)
