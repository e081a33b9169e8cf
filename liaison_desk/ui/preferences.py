"""Preferences kept in QSettings (behaviour only, never record content), and the station's zone.

The station's time zone is a setting of the vault, not of this computer: the
dialog shows and returns it, the main window reads and writes it on the
vault's worker (core.station_zone).
"""

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

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.station_zone import check_zone_name
from liaison_desk.ui.zone_box import zone_box


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
    """`station_zone` is the zone set in the vault (None: it follows `system_zone`);
    `zone_editable` is False while the vault is locked."""

    def __init__(
        self,
        prefs: Preferences,
        parent: QWidget | None = None,
        *,
        station_zone: str | None = None,
        system_zone: str = "UTC",
        zone_editable: bool = True,
    ) -> None:
        super().__init__(parent)
        self._prefs = prefs
        self._zone_before = station_zone
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
        self.zone = zone_box(f"blank: {system_zone}, this computer's zone")
        self.zone.setCurrentText(station_zone or "")
        self.zone.setEnabled(zone_editable)
        self.zone.setToolTip(
            "Where a meeting time typed without a time zone is read. Kept in the vault."
        )
        self.zone_error = QLabel()
        self.zone_error.setStyleSheet("color: #c8102e;")
        self.zone_error.setVisible(False)
        form = QFormLayout(self)
        form.addRow("Lock after idle:", self.autolock)
        form.addRow("Default country:", self.country)
        form.addRow("Station time &zone:", self.zone)
        form.addRow(self.zone_error)
        form.addRow(QLabel("The theme follows your system's light or dark setting."))
        form.addRow(QLabel("The relay's address and auto-sync are set in the Sync section."))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        zone = self.station_zone()
        if zone is not None and zone != self._zone_before and self.zone.isEnabled():
            try:
                check_zone_name(zone)
            except ValidationError as exc:
                self.zone_error.setText(exc.message)
                self.zone_error.setVisible(True)
                return
        super().accept()

    def station_zone(self) -> str | None:
        """The zone chosen for this station; None to follow the computer's."""
        return self.zone.currentText().strip() or None

    def preferences(self) -> Preferences:
        return replace(
            self._prefs,
            autolock_minutes=self.autolock.value(),
            default_country=self.country.text().upper(),
        )
