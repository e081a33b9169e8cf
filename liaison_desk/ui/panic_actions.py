"""Panic in the window: a shortcut that locks at once and, where the officer chose, wipes.

Ctrl+Shift+L locks without a question (unsaved edits stay as drafts, as an
auto-lock keeps them). If the officer enabled wipe on Panic (`liaison-desk
security set --panic-wipe`), a countdown of 5 seconds follows, with a Cancel
button; when it runs out the vault is wiped on the vault's worker, after the
lock. The window also locks when `liaison-desk panic` asks from another
process (`core.panic`): it watches the vault's folder for the request.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMenu, QVBoxLayout, QWidget

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.panic import take_lock_request
from liaison_desk.core.wipe import wipe_folder
from liaison_desk.core.wipe_policy import PANIC_COUNTDOWN_S, WipePolicy, load_policy
from liaison_desk.ui.session import Session

SHORTCUT = "Ctrl+Shift+L"


class PanicCountdown(QDialog):
    """Counts down to the wipe; Cancel (or Esc) stops it and leaves the vault locked, intact."""

    TICK_MS = 1000
    run_out = Signal()

    def __init__(self, parent: QWidget, seconds: int = PANIC_COUNTDOWN_S) -> None:
        super().__init__(parent)
        self.setObjectName("panicCountdown")
        self.setWindowTitle("Panic: wiping the vault")
        self._left = seconds
        self._label = QLabel()
        self._label.setObjectName("panicCountdownText")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._label)
        layout.addWidget(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(self.TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.rejected.connect(self._timer.stop)
        self._show_left()
        self._timer.start()

    def _show_left(self) -> None:
        self._label.setText(
            f"The vault is locked. It will be wiped in {self._left} s: nothing in it can be "
            "recovered afterwards, here or from HQ's copy of this laptop's keys.\n"
            "Cancel to keep it."
        )

    def _tick(self) -> None:
        self._left -= 1
        if self._left > 0:
            self._show_left()
            return
        self._timer.stop()
        self.accept()
        self.run_out.emit()


class PanicActions(QObject):
    """The Panic action, the countdown, and the watch for `liaison-desk panic`'s request."""

    wiped = Signal()
    status_message = Signal(str)

    def __init__(
        self, window: QWidget, session: Session, lock_now: Callable[[], None], menu: QMenu
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._lock_now = lock_now
        self.countdown: PanicCountdown | None = None
        self.action = QAction("Pa&nic: lock now", window)
        self.action.setObjectName("panicAction")
        self.action.setShortcut(QKeySequence(SHORTCUT))
        self.action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.action.triggered.connect(self.panic)
        window.addAction(self.action)
        menu.addAction(self.action)
        take_lock_request(session.vault_dir)  # one left from before this window: not now's
        self._watcher = QFileSystemWatcher([str(session.vault_dir)], self)
        self._watcher.directoryChanged.connect(self._requested)

    def panic(self) -> None:
        """Lock now; then read the officer's choice (on the worker) and count down if asked."""
        self._lock_now()
        folder = self._session.vault_dir
        self._session.runner.run(lambda: load_policy(folder), self._chosen, self._failed, self)

    def _requested(self) -> None:
        if take_lock_request(self._session.vault_dir):
            self._lock_now()

    def _chosen(self, policy: WipePolicy) -> None:
        if not policy.panic_wipe or self.countdown is not None:
            return
        self.countdown = PanicCountdown(self._window)
        self.countdown.run_out.connect(self._wipe)
        self.countdown.finished.connect(self._countdown_closed)
        self.countdown.open()

    def _countdown_closed(self) -> None:
        if self.countdown is not None and self.countdown.result() != QDialog.DialogCode.Accepted:
            self.status_message.emit("Wipe cancelled: the vault is locked and intact.")
        self.countdown = None

    def _wipe(self) -> None:
        folder = self._session.vault_dir
        # After the lock on the same worker: the database is closed before it is wiped.
        self._session.runner.run(lambda: wipe_folder(folder), self._done, self._failed, self)

    def _done(self, files: int) -> None:
        self.status_message.emit(f"The vault was wiped ({files} files overwritten and removed).")
        self.wiped.emit()

    def _failed(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
