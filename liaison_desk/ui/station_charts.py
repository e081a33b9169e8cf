"""At HQ: engagements recorded and bundles received per station, month by month, as charts.

The Sync section's "Activity…" button opens it. The counts are read on the
vault's worker (`core.timelines`); the window (and pyqtgraph with it) is loaded
on first use, so the application's start does not pay for the charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from liaison_desk.core.station_zone import station_today
from liaison_desk.core.timelines import (
    Timeline,
    months_ending,
    station_bundles,
    station_engagements,
)
from liaison_desk.core.vault import Vault
from liaison_desk.ui.session import Session

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog


def station_activity(vault: Vault) -> tuple[Timeline, Timeline]:
    """HQ's two charts over the last two years: engagements, then bundles, per station."""
    months = months_ending(station_today(vault.store, vault.clock))
    return (
        station_engagements(vault.store, vault.info.name, months),
        station_bundles(vault.store, months),
    )


def activity_dialog(timelines: tuple[Timeline, Timeline], parent: QWidget) -> QDialog:
    """The two charts one above the other, in a window of their own."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

    from liaison_desk.ui.charts import TimelineChart

    dialog = QDialog(parent)
    dialog.setObjectName("stationActivity")
    dialog.setWindowTitle("Station activity")
    layout = QVBoxLayout(dialog)
    for timeline in timelines:
        chart = TimelineChart(timeline, dialog)
        chart.setMinimumHeight(240)
        layout.addWidget(chart, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    dialog.resize(900, 640)
    return dialog


class StationActivityButton(QPushButton):
    """Opens HQ's charts of every station's engagements and bundles."""

    def __init__(self, session: Session, parent: QWidget) -> None:
        super().__init__("&Activity…", parent)
        self.setObjectName("stationActivityButton")
        self.setToolTip("Engagements recorded and bundles received per station, month by month")
        self.setAutoDefault(False)
        self._session = session
        self.dialog: QDialog | None = None
        self.clicked.connect(self.show_activity)

    def show_activity(self) -> None:
        self._session.read(station_activity, self._show, self)

    def _show(self, timelines: tuple[Timeline, Timeline]) -> None:
        self.dialog = activity_dialog(timelines, self.window())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        self._session.locked.connect(self.dialog.close)
        self.dialog.open()
