"""The lock screen's way back into a sealed (or locked-out) vault through HQ's relay.

Two steps, as `liaison-desk recovery request --relay` then `travel restore`:
send the recovery request to the relay (its address typed: a locked vault
cannot say where its relay is) and read the code shown to HQ on the phone;
once HQ has granted it, fetch the grant, set a new passphrase, and see the new
recovery code once. The work is `sync.recovery_relay`'s, on the vault's worker;
opening the vault goes through the Session like any unlock.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.vault import Vault, VaultInfo
from liaison_desk.sync import recovery, recovery_relay
from liaison_desk.sync.errors import RecoveryError
from liaison_desk.sync.recovery_wire import request_code
from liaison_desk.ui.first_run import NewPassphraseForm, busy_bar, error_label, explanation, named
from liaison_desk.ui.session import Session

INTRO = (
    "Only HQ can open this vault now. Send HQ a recovery request through its relay, call HQ, "
    "and read them the code shown. Once HQ has granted it, choose a new passphrase here."
)


def _authority(path: str) -> str | None:
    return recovery_relay.read_authority(Path(path.strip())) if path.strip() else None


def _waiting_code(folder: Path) -> str | None:
    """The code of a request already sent through the relay and waiting for its grant."""
    try:
        pending = recovery.read_pending(folder)
    except RecoveryError:
        return None
    return request_code(pending.request) if pending.relay_url else None


class RestoreDialog(QDialog):
    """Request, then grant; `restored` once the vault is open and its new code was shown."""

    restored = Signal()

    def __init__(self, session: Session, parent: QWidget, kdf: KdfParams | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("restoreDialog")
        self.setWindowTitle("Restore through HQ's relay")
        self._session = session
        self._kdf = kdf
        self.relay = named(QLineEdit(), "restoreRelay")
        self.relay.setPlaceholderText("https://relay.example:8443")
        self.relay.textChanged.connect(self._enable)
        self.authority = named(QLineEdit(), "restoreAuthority")
        self.authority.setPlaceholderText("Only if HQ runs its own certificate authority")
        self.send_button = named(QPushButton("&Send request"), "restoreSend")
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.send)
        self.code = named(QLabel(), "restoreCode")
        self.code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.code.setWordWrap(True)
        self.passphrase = NewPassphraseForm()
        self.passphrase.changed.connect(self._enable)
        self.apply_button = named(QPushButton("&Fetch HQ's grant and unlock"), "restoreApply")
        self.apply_button.setAutoDefault(False)
        self.apply_button.clicked.connect(self.apply)
        self.new_code = named(QLabel(), "restoreNewCode")
        self.new_code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.new_code.setWordWrap(True)
        self.error = error_label("restoreError")
        self.busy = busy_bar("restoreBusy")
        self.busy.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Relay address:", self.relay)
        form.addRow("&Authority (PEM file):", self.authority)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation(INTRO))
        layout.addLayout(form)
        layout.addWidget(self.send_button)
        layout.addWidget(self.code)
        layout.addWidget(self.passphrase)
        layout.addWidget(self.apply_button)
        layout.addWidget(self.new_code)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self._sent = False
        self._busy = False
        self._opened = False
        self.finished.connect(self._closed)
        self._enable()
        folder = session.vault_dir
        session.runner.run(lambda: _waiting_code(folder), self._show_waiting, self._failed, self)

    def _show_waiting(self, code: str | None) -> None:
        if code is not None:
            self._show_code(code)

    def _show_code(self, code: str) -> None:
        self._sent = True
        self.code.setText(f"Call HQ and read them this code:\n{code}")
        self._enable()

    def _enable(self) -> None:
        ready = not self._busy and not self._opened
        self.send_button.setEnabled(ready and bool(self.relay.text().strip()))
        self.apply_button.setEnabled(
            ready and self._sent and self.passphrase.passphrase() is not None
        )

    def _working(self, busy: bool) -> None:
        self._busy = busy
        self.busy.setVisible(busy)
        if busy:
            self.error.hide()
        self._enable()

    def send(self) -> None:
        url, authority = self.relay.text().strip(), self.authority.text()
        folder = self._session.vault_dir
        if not url:
            return

        def work() -> str:
            return recovery_relay.send_request(folder, url, _authority(authority))

        self._working(True)
        self._session.runner.run(work, self._sent_done, self._failed, self)

    def _sent_done(self, code: str) -> None:
        self._working(False)
        self._show_code(code)

    def apply(self) -> None:
        new = self.passphrase.passphrase()
        if new is None:
            return
        folder, kdf = self._session.vault_dir, self._kdf
        codes: list[str] = []

        def opener() -> Vault:
            vault, code = recovery_relay.apply_from_relay(folder, new, kdf=kdf)
            codes.append(code)
            return vault

        def done(_info: VaultInfo) -> None:
            self._working(False)
            self.passphrase.clear()
            self.new_code.setText(
                "The vault is open. Your new recovery code (write it down; it is shown once):\n"
                + codes[0]
            )
            self._opened = True
            self._enable()

        self._working(True)
        self._session.open(opener, done, self._failed, self)

    def _closed(self) -> None:
        if self._opened:
            self.restored.emit()

    def _failed(self, error: LiaisonError) -> None:
        self._working(False)
        self.error.setText(error.message)
        self.error.show()
