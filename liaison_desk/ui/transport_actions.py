"""Syncing through a drive or HQ's relay from the window: offers, progress, summaries, auto-sync.

A drive that is plugged in is offered in a quiet bar (never a dialog: it must
not take the keyboard from an officer typing); a drive or folder can also be
chosen in the Sync section. Either sync runs on the vault's worker, reporting
progress through a queued signal to a label and a bar in the status bar, and
ends with a summary of what came in and what went out.

Auto-sync follows the relay monitor: when the relay answers after not
answering (or for the first time since unlocking) the vault syncs, because
bundles may be waiting there; while it keeps answering, the vault syncs when
it was changed and owes a peer a bundle, and at least every ten minutes to
pick up what others sent. An unacknowledged bundle is not sent again at every
probe: only a change, or that ten-minute round, sends it again. One sync at a
time: a request made during another waits for it.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QElapsedTimer, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync import drive as drive_sync
from liaison_desk.sync import online as online_sync
from liaison_desk.sync.drive import ROOT
from liaison_desk.sync.errors import RelayUnreachable
from liaison_desk.sync.peers import Peer
from liaison_desk.sync.transfer import StepProgress, SyncReport, sync_wanted
from liaison_desk.ui.connectivity import RelayMonitor
from liaison_desk.ui.drive_watch import Drive, DriveWatch
from liaison_desk.ui.enrolment_panel import ERROR_STYLE
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_lines import export_line, import_line
from liaison_desk.ui.sync_section import SyncSection

log = logging.getLogger("liaison_desk.ui.transport")

RESYNC_MS = 10 * 60_000  # while the relay answers, sync at least this often
RELAY = "Sync with the relay"


def drive_title(path: Path) -> str:
    return f"Sync with {path.name or path}"


def summary_text(report: SyncReport) -> str:
    """What came in and what went out, a line per bundle, for the summary dialog."""
    incoming = [import_line(r) for r in (*report.applied, *report.replayed)]
    incoming += [f"{r.name}: refused ({r.reason}). {r.message}" for r in report.refused]
    outgoing = [export_line(r) for r in report.sent]
    lines = ["Came in:", *(f"  {line}" for line in incoming or ["nothing was waiting."])]
    lines += ["Went out:", *(f"  {line}" for line in outgoing or ["nothing was owed."])]
    if report.roster_sent:
        lines.append("The list of enrolled and revoked stations went to the relay.")
    if report.error is not None:
        lines.append(f"Stopped early: {report.error.message}")
    return "\n".join(lines)


def sync_sentence(report: SyncReport, title: str) -> str:
    """One line for the status bar."""
    parts = []
    received = len(report.applied) + len(report.replayed)
    if received:
        parts.append(f"{plural(received, 'bundle')} in ({plural(report.changes_in, 'change')})")
    if report.conflicts:
        parts.append(f"{plural(report.conflicts, 'conflict')} to review")
    if report.refused:
        parts.append(f"{len(report.refused):,} refused")
    parts += [
        f"{r.sender_name} refused this vault's last bundle (see the Sync section)"
        for r in report.applied
        if r.bundle_refused_by_peer is not None
    ]
    if report.sent:
        parts.append(
            f"{plural(len(report.sent), 'bundle')} out ({plural(report.changes_out, 'change')})"
        )
    text = f"{title}: {', '.join(parts) if parts else 'nothing to receive or send'}."
    return f"{text} Stopped early: {report.error.message}" if report.error else text


class TransportProgress(QObject):
    """Carries progress from the worker to the GUI thread (one per session, so a report
    from a sync started before a lock still lands on a living object)."""

    advanced = Signal(int, str, int, int)  # operation, what is happening, done, total


def transport_progress(session: Session) -> TransportProgress:
    relay = session.findChild(TransportProgress)
    return relay if isinstance(relay, TransportProgress) else TransportProgress(session)


class DriveBar(QFrame):
    """A quiet bar naming the drive just plugged in; it never takes the keyboard focus."""

    sync_requested = Signal(object)  # Path

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("driveBar")
        self.setStyleSheet("#driveBar { background: #e3f0fc; border-bottom: 1px solid #8db8e0; }")
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.sync_button = QPushButton("Sync with this drive")
        self.dismiss_button = QPushButton("Not now")
        row = QHBoxLayout(self)
        row.addWidget(self.label, 1)
        for button in (self.sync_button, self.dismiss_button):
            button.setAutoDefault(False)
            row.addWidget(button)
        self.drive: Drive | None = None
        self.sync_button.clicked.connect(self._sync)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.hide()

    def offer(self, drive: Drive) -> None:
        self.drive = drive
        volume = drive.volume
        labelled = volume.name and volume.name != str(volume.path)
        name = f"“{volume.name}” ({volume.path})" if labelled else str(volume.path)
        carries = (
            f"It carries a {ROOT} folder."
            if drive.has_folder
            else f"It has no {ROOT} folder yet; syncing makes one."
        )
        self.label.setText(f"A drive was plugged in: {name}. {carries}")
        self.show()

    def withdraw(self, path: Path) -> None:
        """The drive was taken out: its offer goes with it."""
        if self.drive is not None and self.drive.volume.path == path:
            self.dismiss()

    def dismiss(self) -> None:
        self.drive = None
        self.hide()

    def _sync(self) -> None:
        if self.drive is not None:
            path = self.drive.volume.path
            self.dismiss()
            self.sync_requested.emit(path)


class SyncSummary(QDialog):
    """What a sync did; not modal, so the officer can read it beside the window and go on."""

    def __init__(self, title: str, text: str, failed: bool, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.text = QLabel(text)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if failed:
            self.text.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        column = QVBoxLayout(self)
        column.addWidget(self.text)
        column.addWidget(buttons)
        self.resize(520, self.sizeHint().height())


class TransportActions(QObject):
    """The drive offer, the drive and relay syncs, and auto-sync; one per main window."""

    status_message = Signal(str)
    busy_changed = Signal(bool)
    finished = Signal(object)  # the SyncReport, or the LiaisonError that stopped the sync

    def __init__(
        self,
        window: QMainWindow,
        session: Session,
        monitor: RelayMonitor,
        watch: DriveWatch,
        resync_ms: int = RESYNC_MS,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.monitor = monitor
        self.watch = watch
        self.resync_ms = resync_ms
        self.summary_dialog: SyncSummary | None = None
        self._auto_sync = True
        self._busy = False
        self._again = False  # an auto-sync was due while another sync ran
        self._dirty = False  # the vault changed since the last relay sync began
        self._emitting = False
        self._operation = 0
        self._last_sync = QElapsedTimer()
        self.network = Runner("relay-sync")  # a slow relay never holds up the vault's worker
        self.progress_relay = transport_progress(session)
        self.progress_relay.advanced.connect(self._on_progress)

        self.relay_label = QLabel()
        self.relay_label.setVisible(False)
        monitor.status_changed.connect(self._show_relay)
        self.drive_bar = DriveBar()
        self.drive_bar.sync_requested.connect(lambda path: self.sync_drive(path))
        watch.appeared.connect(self.drive_bar.offer)
        watch.gone.connect(self.drive_bar.withdraw)
        self.progress_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(220)
        self.progress.setTextVisible(False)
        self.progress_label.setVisible(False)
        self.progress.setVisible(False)

        monitor.checked.connect(self._on_checked)
        session.changed.connect(self._on_changed)
        session.unlocked.connect(self._on_unlocked)
        session.locked.connect(self._on_locked)
        watch.start()
        if session.is_unlocked:
            self._on_unlocked()

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def auto_sync(self) -> bool:
        return self._auto_sync

    @auto_sync.setter
    def auto_sync(self, on: bool) -> None:
        self._auto_sync = on
        if on and self.monitor.reachable:
            self._on_checked(True, True)

    def attach(self, section: SyncSection) -> None:
        """Wire a freshly built Sync section (there is a new one at each unlock)."""
        section.drive_chosen.connect(self.sync_drive)
        section.sync_now_requested.connect(lambda: self.sync_online())
        section.relay_changed.connect(self.monitor.set_url)
        section.set_auto_sync(self._auto_sync)
        section.set_transport_busy(self._busy)
        self.busy_changed.connect(section.set_transport_busy)

    def shutdown(self) -> None:
        self.watch.stop()
        self.monitor.stop()

    # -- locking ---------------------------------------------------------------------------------

    def _on_unlocked(self) -> None:
        self._last_sync.invalidate()
        self._dirty = False

        def settings(vault: Vault) -> tuple[str | None, str | None]:
            return online_sync.relay_url(vault), online_sync.relay_authority(vault)

        def watch(found: tuple[str | None, str | None]) -> None:
            self.monitor.set_authority(found[1])
            self.monitor.set_url(found[0])

        self.session.read(settings, watch, self, self._quiet)

    def _on_locked(self) -> None:
        self.monitor.stop()
        dialog = self.summary_dialog
        if dialog is not None and shiboken6.isValid(dialog):
            dialog.close()
        self.summary_dialog = None

    def _quiet(self, error: LiaisonError) -> None:
        log.info("background check skipped: %s", type(error).__name__)

    # -- the syncs -------------------------------------------------------------------------------

    def sync_drive(self, path: Path, peers: list[Peer] | None = None) -> None:
        """Apply what waits on the drive for this vault, then write what peers are owed."""
        if not self._can_start():
            return
        if self.drive_bar.drive is not None and self.drive_bar.drive.volume.path == path:
            self.drive_bar.dismiss()
        title = drive_title(path)
        progress = self._begin(f"{title}…")

        def work(vault: Vault) -> SyncReport:
            return drive_sync.sync_drive(vault, path, peers, progress)

        self.session.write(
            "sync",
            work,
            lambda report: self._done(report, title, show=True),
            self,
            lambda error: self._failed(error, title, show=True),
        )

    def sync_online(self, auto: bool = False) -> None:
        """Pull what waits on the relay, push what peers are owed; `auto` reports only in the
        status bar."""
        url = self.monitor.url
        if url is None:
            self.status_message.emit("Set the relay's address in the Sync section first.")
            return
        if auto and self._busy:
            self._again = True
            return
        if not self._can_start():
            return
        self._dirty = False
        progress = self._begin(f"{RELAY}…")

        def work() -> SyncReport:  # the network here; each vault step on the vault's worker
            return online_sync.sync_through(self.session.on_vault, url, progress)

        def done(report: SyncReport) -> None:
            self.session.changed.emit("sync")
            self._last_sync.restart()
            error = report.error
            self.monitor.note_sync(error if isinstance(error, RelayUnreachable) else None)
            self._done(report, RELAY, show=not auto)

        def failed(error: LiaisonError) -> None:
            self._last_sync.restart()
            self.monitor.note_sync(error if isinstance(error, RelayUnreachable) else None)
            self._failed(error, RELAY, show=not auto)

        self.network.run(work, done, failed, self)

    def _can_start(self) -> bool:
        if not self.session.is_unlocked:
            return False
        if self._busy:
            self.status_message.emit("A sync is already running; try again when it is over.")
            return False
        return True

    def _begin(self, label: str) -> StepProgress:
        """Show the label and a busy bar; returns the worker's progress callback."""
        self._operation += 1
        self._busy = True
        self.busy_changed.emit(True)
        self.progress_label.setText(label)
        self.progress.setRange(0, 0)
        self.progress_label.setVisible(True)
        self.progress.setVisible(True)
        relay, operation = self.progress_relay, self._operation

        def report(what: str, done: int, total: int) -> None:  # on the worker: emit only
            relay.advanced.emit(operation, what, done, total)

        return report

    def _on_progress(self, operation: int, what: str, done: int, total: int) -> None:
        if operation != self._operation or not self._busy:
            return
        self.progress_label.setText(f"{what}…")
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        else:
            self.progress.setRange(0, 0)

    def _done(self, report: SyncReport, title: str, show: bool) -> None:
        self._refresh(report)
        self._finish(sync_sentence(report, title))
        if show:
            self._summary(title, summary_text(report), report.error is not None)
        self.finished.emit(report)

    def _failed(self, error: LiaisonError, title: str, show: bool) -> None:
        self._finish(f"{title}: {error.message}")
        if show:
            self._summary(title, error.message, True)
        self.finished.emit(error)

    def _finish(self, message: str) -> None:
        self._busy = False
        self.progress_label.setVisible(False)
        self.progress.setVisible(False)
        self.busy_changed.emit(False)
        self.status_message.emit(message)
        if self._again:
            self._again = False
            if self.monitor.reachable:
                self._on_checked(True, True)

    def _refresh(self, report: SyncReport) -> None:
        """Tell every view what the applied bundles touched, as an import from a folder does."""
        if not report.applied or not self.session.is_unlocked:
            return
        kinds = set().union(*(r.kinds for r in report.applied))
        self._emitting = True
        try:
            for kind in BY_NAME:  # the sidebar's order, so lists refresh top to bottom
                if kind in kinds:
                    self.session.changed.emit(kind)
            self.session.changed.emit("conflict")
        finally:
            self._emitting = False

    def _summary(self, title: str, text: str, failed: bool) -> None:
        if not self.session.is_unlocked:
            return  # locked meanwhile: nothing about the vault stays on screen
        old = self.summary_dialog
        if old is not None and shiboken6.isValid(old):
            old.close()
        dialog = SyncSummary(title, text, failed, self.window)
        self.summary_dialog = dialog
        dialog.show()

    # -- auto-sync -------------------------------------------------------------------------------

    def _on_changed(self, kind: str) -> None:
        if kind not in ("sync", "draft") and not self._emitting:
            self._dirty = True

    def _on_checked(self, reachable: bool, turned: bool) -> None:
        if not (reachable and self._auto_sync and self.session.is_unlocked):
            return
        if self._busy:
            self._again = self._again or turned
            return
        due = turned or not self._last_sync.isValid() or self._last_sync.hasExpired(self.resync_ms)
        if not (due or self._dirty):
            return

        def decide(wants: tuple[bool, bool]) -> None:
            has_peers, owes = wants
            if not owes:
                self._dirty = False
            if has_peers and (due or owes) and self._auto_sync and self.monitor.reachable:
                self.sync_online(auto=True)

        self.session.read(sync_wanted, decide, self, self._quiet)

    def _show_relay(self, text: str, reason: str) -> None:
        self.relay_label.setText(text)
        self.relay_label.setToolTip(reason)
        self.relay_label.setVisible(bool(text))
