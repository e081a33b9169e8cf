"""Vault menu, Seal for travel: explained first, then the vault keeps HQ's key slot alone.

The window explains what sealing means and asks; on yes the event is audited
while the vault is open, the window locks (unsaved edits kept as drafts), and
only then, on the vault's worker after the lock, are the passphrase and
recovery slots destroyed (`sync.recovery`). The lock screen then says the vault
is sealed, as it does at every start until HQ's grant is applied.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

from liaison_desk.core.errors import LiaisonError
from liaison_desk.sync.recovery import SEALING, note_sealing, seal_keyfile
from liaison_desk.ui.session import Session


class TravelSeal(QObject):
    """The menu action and its steps; `sealed` once keys.json holds HQ's slot alone."""

    sealed = Signal()
    status_message = Signal(str)

    def __init__(
        self, window: QWidget, session: Session, lock_now: Callable[[], None], menu: QMenu
    ) -> None:
        super().__init__(window)
        self._window = window
        self._session = session
        self._lock_now = lock_now
        self.action = QAction("Seal for &travel…", window)
        self.action.setObjectName("travelSealAction")
        self.action.triggered.connect(self.ask)
        menu.addAction(self.action)
        session.unlocked.connect(lambda: self.action.setEnabled(True))
        session.locked.connect(lambda: self.action.setEnabled(False))
        self.action.setEnabled(session.is_unlocked)

    def ask(self) -> None:
        if not self._session.is_unlocked:
            return
        answer = QMessageBox.question(
            self._window,
            "Seal for travel",
            f"{SEALING}\n\nSeal the vault now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes:
            self._session.write("vault", note_sealing, lambda _: self._seal(), self, self._failed)

    def _seal(self) -> None:
        self._lock_now()
        folder = self._session.vault_dir
        self._session.runner.run(lambda: seal_keyfile(folder), self._done, self._failed, self)

    def _done(self, _: None) -> None:
        self.status_message.emit("Sealed for travel: only HQ can open the vault now.")
        self.sealed.emit()

    def _failed(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
