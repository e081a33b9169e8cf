"""Preferences kept in QSettings: behaviour only, never record content."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import QRegularExpression, QSettings
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)


@dataclass
class Preferences:
    autolock_minutes: int = 5
    default_country: str = ""
    auto_sync: bool = True  # set in the Sync section, beside the relay's address

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        minutes = settings.value("autolock_minutes", cls.autolock_minutes)
        country = settings.value("default_country", cls.default_country)
        auto_sync = settings.value("auto_sync", cls.auto_sync)
        try:
            minutes = int(minutes)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            minutes = cls.autolock_minutes
        return cls(
            autolock_minutes=max(0, minutes),
            default_country=str(country or ""),
            auto_sync=str(auto_sync).lower() not in ("false", "0"),  # an INI file holds text
        )

    def save(self, settings: QSettings) -> None:
        settings.setValue("autolock_minutes", self.autolock_minutes)
        settings.setValue("default_country", self.default_country)
        settings.setValue("auto_sync", self.auto_sync)


class PreferencesDialog(QDialog):
    def __init__(self, prefs: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self.setWindowTitle("Preferences")
        self.autolock = QSpinBox()
        self.autolock.setRange(0, 240)
        self.autolock.setSuffix(" min")
        self.autolock.setSpecialValueText("Never (not advised)")
        self.autolock.setValue(prefs.autolock_minutes)
        self.country = QLineEdit(prefs.default_country)
        self.country.setPlaceholderText("e.g. FR")
        self.country.setMaxLength(2)
        self.country.setValidator(
            QRegularExpressionValidator(QRegularExpression("[A-Za-z]{0,2}"), self.country)
        )
        form = QFormLayout(self)
        form.addRow("Lock after idle:", self.autolock)
        form.addRow("Default country:", self.country)
        form.addRow(QLabel("The theme follows your system's light or dark setting."))
        form.addRow(QLabel("The relay's address and auto-sync are set in the Sync section."))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def preferences(self) -> Preferences:
        return replace(
            self._prefs,
            autolock_minutes=self.autolock.value(),
            default_country=self.country.text().upper(),
        )
