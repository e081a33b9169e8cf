"""Who receives a record, chosen from a list instead of typed as `hq`, `all`, `group:<name>`.

The picker reads and writes the same text the core stores (core/routing.py):
blank for the default, `hq`, `all`, `stations:<id>,<id>` or `group:<name>`.
The stations and groups it offers are the ones this vault knows, read on the
vault's worker (sync.recipients.known_recipients) and handed to every editor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.routing import parse
from liaison_desk.sync.identity import short
from liaison_desk.sync.recipients import Recipients

DEFAULT, HQ, ALL, STATIONS, GROUP = "", "hq", "all", "stations", "group"
_SCOPE_TEXT = {HQ: "HQ only", ALL: "All stations"}


class DistributionPicker(QWidget):
    """A scope (default, HQ only, all stations, chosen stations, a group) and, for the last
    two, the stations ticked in a list or the group picked from the vault's."""

    def __init__(self, default_scope: str, changed: Callable[[], None]) -> None:
        super().__init__()
        self._changed = changed
        self.scope = QComboBox()
        self.scope.addItem(f"Default ({_SCOPE_TEXT.get(default_scope, default_scope)})", DEFAULT)
        self.scope.addItem("HQ only", HQ)
        self.scope.addItem("All stations", ALL)
        self.scope.addItem("Chosen stations", STATIONS)
        self.scope.addItem("A group", GROUP)
        self.stations = QListWidget()
        self.stations.setMaximumHeight(self.stations.fontMetrics().lineSpacing() * 5 + 8)
        self.group = QComboBox()
        self.group.setPlaceholderText("No group defined yet")
        self.setFocusProxy(self.scope)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scope)
        layout.addWidget(self.stations)
        layout.addWidget(self.group)
        self.scope.currentIndexChanged.connect(self._on_scope)
        self.stations.itemChanged.connect(lambda _: changed())
        self.group.currentIndexChanged.connect(lambda _: changed())
        self._on_scope()

    def set_recipients(self, recipients: Recipients) -> None:
        """Offer these stations and groups; what is chosen stays chosen."""
        blocked = self.blockSignals(True)
        value = self.get()
        self.stations.blockSignals(True)
        self.group.blockSignals(True)
        self.stations.clear()
        for fingerprint, name in recipients.stations:
            self._add_station(fingerprint, name)
        self.group.clear()
        for name in recipients.groups:
            self.group.addItem(name, name)
        self.stations.blockSignals(False)
        self.group.blockSignals(False)
        self.set(value)
        self.blockSignals(blocked)

    def get(self) -> str | None:
        scope = self.scope.currentData()
        if scope == STATIONS:
            chosen = sorted(
                self.stations.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.stations.count())
                if self.stations.item(i).checkState() == Qt.CheckState.Checked
            )
            return f"stations:{','.join(chosen)}"
        if scope == GROUP:
            return f"group:{self.group.currentData() or ''}"
        return str(scope) or None

    def set(self, value: str | None) -> None:
        """Show a stored distribution; ids and groups this vault does not know are added."""
        scope: str = DEFAULT
        members: tuple[str, ...] = ()
        if value:
            try:
                parsed = parse(value)
                scope, members = parsed.scope, parsed.members
            except ValidationError:
                scope = DEFAULT  # not from this program: the save says what is accepted
        self.stations.blockSignals(True)
        self.group.blockSignals(True)
        for i in range(self.stations.count()):
            self.stations.item(i).setCheckState(Qt.CheckState.Unchecked)
        if scope == STATIONS:
            for fingerprint in members:
                item = self._station_item(fingerprint) or self._add_station(fingerprint, "")
                item.setCheckState(Qt.CheckState.Checked)
        if scope == GROUP:
            if self.group.findData(members[0]) < 0:
                self.group.addItem(members[0], members[0])
            self.group.setCurrentIndex(self.group.findData(members[0]))
        self.stations.blockSignals(False)
        self.group.blockSignals(False)
        self.scope.setCurrentIndex(self.scope.findData(scope))
        self._on_scope()

    def _station_item(self, fingerprint: str) -> QListWidgetItem | None:
        for i in range(self.stations.count()):
            if self.stations.item(i).data(Qt.ItemDataRole.UserRole) == fingerprint:
                return self.stations.item(i)
        return None

    def _add_station(self, fingerprint: str, name: str) -> QListWidgetItem:
        item = QListWidgetItem(f"{name or 'Unknown station'} ({short(fingerprint)})")
        item.setData(Qt.ItemDataRole.UserRole, fingerprint)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Unchecked)
        self.stations.addItem(item)
        return item

    def _on_scope(self) -> None:
        scope = self.scope.currentData()
        if scope == GROUP and self.group.currentIndex() < 0 and self.group.count():
            self.group.setCurrentIndex(0)
        self.stations.setVisible(scope == STATIONS)
        self.group.setVisible(scope == GROUP)
        if not self.signalsBlocked():
            self._changed()
