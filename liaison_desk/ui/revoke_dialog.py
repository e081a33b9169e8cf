"""HQ revokes a station from the Sync section: the reason, a date of compromise, or a wipe.

The same choices as `liaison-desk peers revoke` and `peers wipe`, asked in one
dialog: the reason (required: every refusal shows it), optionally the moment
from which the station's work is no longer trusted (what it wrote since is held
at HQ for review), and optionally the order to wipe the lost laptop at its next
contact. The work itself is the core's (`sync.compromise`, `sync.wipe_order`).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.vault import Vault
from liaison_desk.sync.compromise import MAX_REASON
from liaison_desk.sync.wipe_order import revoke_lost_or_not


@dataclass(frozen=True)
class RevokeChoice:
    fingerprint: str
    reason: str
    compromised_since_ms: int | None
    wipe: bool

    def apply(self, vault: Vault) -> int:
        """Revoke (and order the wipe); returns the records held for review."""
        return revoke_lost_or_not(
            vault, self.fingerprint, self.reason, self.compromised_since_ms, self.wipe
        )


class RevokeDialog(QDialog):
    """Asks; `chosen` carries what was decided when the officer confirms."""

    chosen = Signal(object)  # RevokeChoice

    def __init__(self, parent: QWidget, name: str, fingerprint: str, now_ms: int) -> None:
        super().__init__(parent)
        self.setObjectName("revokeDialog")
        self.setWindowTitle(f"Revoke {name}")
        self._fingerprint = fingerprint
        text = QLabel(
            f"Revoke {name}? Its bundles and relay requests will be refused, with the reason "
            "below, and nothing more will be sent to it. To take it back, HQ must approve a "
            "new enrolment request."
        )
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setObjectName("revokeReason")
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText("Laptop lost in transit")
        self.compromised = QCheckBox("Compromised since:")
        self.compromised.setObjectName("revokeCompromised")
        self.since = QDateTimeEdit(QDateTime.fromMSecsSinceEpoch(now_ms, QTimeZone.utc()))
        self.since.setObjectName("revokeSince")
        self.since.setTimeZone(QTimeZone.utc())
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.since.setEnabled(False)
        self.compromised.toggled.connect(self.since.setEnabled)
        self.wipe = QCheckBox("Lost: wipe it at its next contact (cannot be taken back)")
        self.wipe.setObjectName("revokeWipe")
        held = QLabel("What it wrote since then is held at HQ for review, never sent on.")
        held.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason)
        form.addRow(self.compromised, self.since)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Re&voke")
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._enable)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(held)
        layout.addWidget(self.wipe)
        layout.addWidget(self.buttons)
        self._enable()

    def _enable(self) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(bool(self.reason.text().strip()))

    def _confirm(self) -> None:
        if not self.reason.text().strip():
            return
        since = self.since.dateTime().toMSecsSinceEpoch() if self.compromised.isChecked() else None
        choice = RevokeChoice(self._fingerprint, self.reason.text(), since, self.wipe.isChecked())
        self.accept()
        self.chosen.emit(choice)
