"""The Vault menu's dialogs: change the passphrase, restore a backup into a new folder.

Each hands its input to the vault's worker (Argon2id runs there, never on the GUI
thread) and shows the core's sentence when it refuses. Secrets live in the fields
only until the work is handed over, then the fields are cleared.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.backup import restore_backup
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.vault import VaultInfo
from liaison_desk.ui.first_run import NewPassphraseForm, busy_bar, error_label, explanation, named
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session


def _secret_field(name: str) -> QLineEdit:
    field = named(QLineEdit(), name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    return field


class ChangePassphraseDialog(QDialog):
    """The current passphrase, then the new one twice; the recovery code keeps working."""

    changed = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        name = session.info.name if session.info else session.vault_dir.name
        self.setWindowTitle(f"Change the passphrase — {name}")
        self.current = _secret_field("currentPassphrase")
        self.form = NewPassphraseForm()
        self.form.add_leading_row("C&urrent passphrase:", self.current)
        self.error = error_label("changeError")
        self.busy = busy_bar("changeBusy")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.change_button = self.buttons.addButton(
            "Change passphrase", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._change)
        self.buttons.rejected.connect(self.reject)
        self.form.changed.connect(self._enable)
        self.current.textChanged.connect(self._enable)
        self.form.submitted.connect(self._change)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "The vault's data is not rewritten: its key is wrapped again under the new "
                "passphrase. The old one stops working at once; the recovery code stays valid."
            )
        )
        layout.addWidget(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self._enable()

    def _enable(self) -> None:
        ready = bool(self.current.text()) and self.form.passphrase() is not None
        self.change_button.setEnabled(ready)

    def _change(self) -> None:
        current, new = self.current.text(), self.form.passphrase()
        if not current or new is None or not self.change_button.isEnabled():
            return
        self.setEnabled(False)
        self.error.hide()
        self.busy.show()
        self.session.read(
            lambda vault: vault.change_passphrase(current, new), self._done, self, self._failed
        )

    def _done(self, _: None) -> None:
        self.current.clear()
        self.form.clear()
        self.busy.hide()
        self.setEnabled(True)
        self.changed.emit()
        self.accept()

    def _failed(self, error: LiaisonError) -> None:
        self.busy.hide()
        self.setEnabled(True)
        self.error.setText(error.message)
        self.error.show()
        self.current.setFocus()
        self.current.selectAll()


class RestoreDialog(QDialog):
    """A backup file, a new folder, the passphrase it was made under (or the recovery code).

    Emits `restored` with a Session holding the restored vault, unlocked.
    """

    restored = Signal(object)

    def __init__(self, runner: Runner, folder: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.folder = folder
        self.session: Session | None = None
        self.setWindowTitle("Restore a backup — Liaison Desk")
        self.source = named(QLineEdit(), "backupFile")
        self.source.setPlaceholderText("A .ldbackup file")
        self.dest = named(QLineEdit(), "restoreFolder")
        self.dest.setPlaceholderText("A new or empty folder")
        self.use_code = named(QCheckBox("Use the recovery code instead"), "useRecoveryCode")
        self.secret = _secret_field("backupSecret")
        self.secret.setPlaceholderText("The passphrase valid when the backup was made")
        self.error = error_label("restoreError")
        self.busy = busy_bar("restoreBusy")
        browse_file = QPushButton("Browse…")
        browse_file.clicked.connect(self._pick_file)
        browse_folder = QPushButton("Browse…")
        browse_folder.clicked.connect(self._pick_folder)
        form = QFormLayout()
        form.addRow("Backup &file:", _row(self.source, browse_file))
        form.addRow("&New folder:", _row(self.dest, browse_folder))
        form.addRow("", self.use_code)
        form.addRow("&Passphrase:", self.secret)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = self.buttons.addButton(
            "Restore and open", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.accepted.connect(self._restore)
        self.buttons.rejected.connect(self.reject)
        self.use_code.toggled.connect(self._secret_kind)
        for edit in (self.source, self.dest, self.secret):
            edit.textChanged.connect(self._enable)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "A backup is restored into a new folder, never over a vault, and opens in a "
                "window of its own. It writes under a new origin, so its peers can tell it "
                "from the vault it was copied from."
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.resize(560, 0)
        self._enable()

    def _secret_kind(self, code: bool) -> None:
        self.secret.setPlaceholderText(
            "The recovery code" if code else "The passphrase valid when the backup was made"
        )

    def _pick_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Choose a backup", str(self.folder), "Liaison Desk backups (*.ldbackup)"
        )
        if name:
            path = Path(name)
            self.source.setText(str(path))
            if not self.dest.text():
                self.dest.setText(str(path.parent / f"{path.stem}-restored"))

    def _pick_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Where the restored vault goes")
        if name:
            stem = Path(self.source.text()).stem or "vault"
            chosen = Path(name)
            empty = not any(chosen.iterdir())
            self.dest.setText(str(chosen if empty else chosen / f"{stem}-restored"))

    def _enable(self) -> None:
        self.restore_button.setEnabled(
            all(edit.text().strip() for edit in (self.source, self.dest, self.secret))
        )

    def _restore(self) -> None:
        if not self.restore_button.isEnabled():
            return
        source = Path(self.source.text().strip()).expanduser()
        dest = Path(self.dest.text().strip()).expanduser()
        secret, recovery = self.secret.text(), self.use_code.isChecked()
        self.secret.clear()
        self.setEnabled(False)
        self.error.hide()
        self.busy.show()
        session = Session(dest, self.runner)
        self.session = session
        session.open(
            lambda: restore_backup(source, dest, secret, recovery=recovery),
            self._done,
            self._failed,
            self,
        )

    def _done(self, _info: VaultInfo) -> None:
        self.busy.hide()
        self.setEnabled(True)
        session, self.session = self.session, None
        self.restored.emit(session)
        self.accept()

    def done(self, result: int) -> None:
        """Closed while restoring (a lock closes every dialog): the restored vault locks too."""
        if self.session is not None:
            self.session.lock()
            self.session = None
        super().done(result)

    def _failed(self, error: LiaisonError) -> None:
        self.session = None
        self.busy.hide()
        self.setEnabled(True)
        self.error.setText(error.message)
        self.error.show()
        self.secret.setFocus()


def _row(edit: QLineEdit, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    layout.addWidget(button)
    return row
