"""The lock screen: the passphrase opens the vault; the recovery code sets a new passphrase.

Both forms only hand their input to the Session, which does the work on the runner;
while it runs the form is disabled so a second submit cannot queue behind the first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError, WrongPassphrase
from liaison_desk.core.vault import Vault, VaultInfo
from liaison_desk.sync.recovery import is_sealed
from liaison_desk.ui.first_run import (
    NewPassphraseForm,
    busy_bar,
    error_label,
    explanation,
    named,
)
from liaison_desk.ui.passphrase_field import PassphraseField
from liaison_desk.ui.session import Session
from liaison_desk.ui.travel_restore import RestoreDialog

PANEL_WIDTH = 420


def link_button(text: str, name: str) -> QPushButton:
    """A flat button that reads like a link but is reachable with Tab and Space."""
    button = named(QPushButton(text), name)
    button.setFlat(True)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    palette = button.palette()
    palette.setColor(QPalette.ColorRole.ButtonText, palette.color(QPalette.ColorRole.Link))
    button.setPalette(palette)
    font = button.font()
    font.setUnderline(True)
    button.setFont(font)
    return button


class UnlockWidget(QWidget):
    """Asks for the passphrase (or the recovery code) and emits `unlocked` once the vault opens."""

    unlocked = Signal()

    def __init__(self, session: Session, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._session = session
        demo = "DEMO · " if session.demo else ""  # known once the vault was opened
        heading = named(QLabel(demo + (title or "Liaison Desk")), "unlockTitle")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setWeight(QFont.Weight.Bold)
        heading.setFont(font)
        heading.setWordWrap(True)

        # Two forms, one shown: a hidden one takes no room, so each keeps its own height.
        self._forms = QWidget()
        self._unlock_page = self._build_unlock_page()
        self._recover_page = self._build_recover_page()
        self._recover_page.hide()
        forms = QVBoxLayout(self._forms)
        forms.setContentsMargins(0, 0, 0, 0)
        forms.addWidget(self._unlock_page)
        forms.addWidget(self._recover_page)
        self._error = error_label("unlockError")
        self._busy = busy_bar("unlockBusy")
        self.restore_button = link_button("Restore through HQ's relay…", "restoreThroughRelay")
        self.restore_button.clicked.connect(self.open_restore)
        self.restore_button.hide()
        self.restore_dialog: RestoreDialog | None = None

        panel = QWidget()
        panel.setMaximumWidth(PANEL_WIDTH)
        column = QVBoxLayout(panel)
        column.addWidget(heading)
        column.addSpacing(8)
        column.addWidget(self._forms)
        column.addWidget(self._error)
        column.addWidget(self.restore_button)
        column.addWidget(self._busy)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(panel, 1)
        row.addStretch()
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self._passphrase.setFocus()
        if is_sealed(session.vault_dir):
            self.show_sealed()

    def show_sealed(self) -> None:
        """Say the vault is sealed for travel: no passphrase or code opens it (`sync.recovery`)."""
        self._forms.setEnabled(False)
        self._error.setText(
            "This vault is sealed for travel: nothing you know opens it. On arrival, make a "
            "recovery request to HQ (below, or liaison-desk recovery request), call HQ, and "
            "apply the grant HQ sends (liaison-desk travel restore)."
        )
        self._error.show()
        self.restore_button.show()

    def open_restore(self) -> None:
        """HQ's grant through the relay (`ui.travel_restore`); the vault opens when it applies."""
        self.restore_dialog = RestoreDialog(self._session, self)
        self.restore_dialog.restored.connect(self._restored)
        self.restore_dialog.open()

    def _restored(self) -> None:
        self.restore_button.hide()
        self._error.hide()
        self._forms.setEnabled(True)
        self._show_form(self._unlock_page)
        self.unlocked.emit()

    def focus_passphrase(self) -> None:
        """Back to the passphrase form with the cursor in the field (after a lock, say)."""
        self._show_form(self._unlock_page)
        self._passphrase.setFocus()

    # -- the passphrase form ------------------------------------------------------------------

    def _build_unlock_page(self) -> QWidget:
        page = QWidget()
        self._passphrase_field = PassphraseField("unlockPassphrase")
        self._passphrase = self._passphrase_field.edit
        self._passphrase.setPlaceholderText("Passphrase")
        self._passphrase.returnPressed.connect(self._unlock)
        self._unlock_button = named(QPushButton("&Unlock"), "unlockButton")
        self._unlock_button.setDefault(True)
        self._unlock_button.clicked.connect(self._unlock)
        forgot = link_button("Forgot the passphrase? Use the recovery code", "forgotPassphrase")
        forgot.clicked.connect(self._show_recovery)

        buttons = QHBoxLayout()
        buttons.addWidget(forgot)
        buttons.addStretch()
        buttons.addWidget(self._unlock_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(explanation("Enter the passphrase to unlock the vault."))
        layout.addWidget(self._passphrase_field)
        layout.addLayout(buttons)
        return page

    def _unlock(self) -> None:
        passphrase = self._passphrase.text()
        if not passphrase:
            return
        self._working()
        self._session.unlock(passphrase, self._unlock_done, self._unlock_failed, context=self)

    def _unlock_done(self, _info: VaultInfo) -> None:
        self._passphrase.clear()
        self._idle()
        self.unlocked.emit()

    def _unlock_failed(self, error: LiaisonError) -> None:
        self._failed(error)
        if isinstance(error, WrongPassphrase):
            self._passphrase.clear()
        self._passphrase.setFocus()

    # -- the recovery form --------------------------------------------------------------------

    def _build_recover_page(self) -> QWidget:
        page = QWidget()
        self._code = named(QLineEdit(), "recoveryCodeInput")
        self._code.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._code.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self._code.textChanged.connect(self._update_recover_button)
        self._code.returnPressed.connect(self._recover)
        self._new_passphrase = NewPassphraseForm()
        self._new_passphrase.add_leading_row("&Recovery code:", self._code)
        self._new_passphrase.changed.connect(self._update_recover_button)
        self._new_passphrase.submitted.connect(self._recover)
        self._recover_button = named(QPushButton("&Set passphrase and unlock"), "recoverButton")
        self._recover_button.setDefault(True)
        self._recover_button.clicked.connect(self._recover)
        back = link_button("Back to the passphrase", "backToPassphrase")
        back.clicked.connect(self.focus_passphrase)
        ask_hq = link_button("Lost the recovery code too? Ask HQ…", "askHq")
        ask_hq.clicked.connect(self.open_restore)

        buttons = QHBoxLayout()
        buttons.addWidget(back)
        buttons.addWidget(ask_hq)
        buttons.addStretch()
        buttons.addWidget(self._recover_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(
            explanation(
                "Type the recovery code you wrote down when the vault was created, then choose "
                "a new passphrase. The recovery code stays valid."
            )
        )
        layout.addWidget(self._new_passphrase)
        layout.addLayout(buttons)
        self._update_recover_button()
        return page

    def _show_recovery(self) -> None:
        self._show_form(self._recover_page)
        self._code.setFocus()

    def _update_recover_button(self) -> None:
        self._recover_button.setEnabled(
            bool(self._code.text().strip()) and self._new_passphrase.passphrase() is not None
        )

    def _recover(self) -> None:
        new = self._new_passphrase.passphrase()
        code = self._code.text()
        if new is None or not code.strip():
            return
        vault_dir = self._session.vault_dir
        self._working()
        self._session.open(
            lambda: Vault.recover(vault_dir, code, new, kdf=None),
            self._recover_done,
            self._recover_failed,
            context=self,
        )

    def _recover_done(self, _info: VaultInfo) -> None:
        self._code.clear()
        self._new_passphrase.clear()
        self._idle()
        self._show_form(self._unlock_page)
        self.unlocked.emit()

    def _recover_failed(self, error: LiaisonError) -> None:
        self._failed(error)
        self._code.setFocus()
        self._code.selectAll()

    # -- shared -------------------------------------------------------------------------------

    def _show_form(self, form: QWidget) -> None:
        self._unlock_page.setVisible(form is self._unlock_page)
        self._recover_page.setVisible(form is self._recover_page)
        self._error.hide()

    def _working(self) -> None:
        self._forms.setEnabled(False)
        self._error.hide()
        self._busy.show()

    def _idle(self) -> None:
        self._busy.hide()
        self._forms.setEnabled(True)

    def _failed(self, error: LiaisonError) -> None:
        self._idle()
        self._error.setText(error.message)
        self._error.show()
