"""HQ's view of a station's security log: each entry marked where its hash chain verifies.

What the station's bundles brought (`sync.station_audit`), read and checked on
the vault's worker each time the dialog opens. Above the table, whether the
chain holds, and if not, each break named (an entry removed, reordered or
edited); entries after the first break are marked ✗: the chain no longer
vouches for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout, QWidget

from liaison_desk.core import audit
from liaison_desk.core.audit_chain import ChainEntry
from liaison_desk.core.vault import Vault
from liaison_desk.sync.station_audit import StationLog, station_log_of
from liaison_desk.ui.enrolment_panel import ERROR_STYLE
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_models import Column, RowsModel
from liaison_desk.ui.tables import read_only_table

VERIFIED, BROKEN = "✓", "✗"


def _detail(entry: ChainEntry) -> str:
    if entry.at is None or entry.event is None or entry.detail is None:
        return ""
    try:
        parsed = json.loads(entry.detail)
    except ValueError:
        return "(unreadable)"
    return audit.describe(audit.AuditEntry(entry.at, entry.event, parsed)) if parsed else ""


class StationLogDialog(QDialog):
    """One station's security log as HQ holds it."""

    def __init__(self, parent: QWidget, name: str, log: StationLog) -> None:
        super().__init__(parent)
        self.setObjectName("stationLog")
        self.setWindowTitle(f"Security log of {name}")
        self.summary = QLabel()
        self.summary.setObjectName("stationLogSummary")
        self.summary.setWordWrap(True)
        if log.intact:
            self.summary.setText(
                f"{VERIFIED} The chain verifies: {len(log.entries)} entries, in order, unaltered."
            )
        else:
            self.summary.setStyleSheet(ERROR_STYLE)
            lines = "\n".join(b.sentence for b in log.breaks)
            self.summary.setText(f"{BROKEN} The chain is broken.\n{lines}")
        columns: tuple[Column[ChainEntry], ...] = (
            Column("", lambda e: VERIFIED if log.verified(e) else BROKEN, alert=_unverified(log)),
            Column("#", lambda e: str(e.n), numeric=True),
            Column("When", lambda e: e.at or ""),
            Column("Event", lambda e: e.event or ""),
            Column("Detail", _detail),
        )
        self.model: RowsModel[ChainEntry] = RowsModel(columns, lambda e: e.n, self)
        self.model.set_rows([e for e in log.entries if e.has_content])
        table = read_only_table(self.model)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(table, 1)
        layout.addWidget(buttons)
        self.resize(820, 480)


def _unverified(log: StationLog) -> Callable[[ChainEntry], bool]:
    return lambda e: not log.verified(e)


class StationLogButton(QPushButton):
    """Opens the selected station's log; `selected` gives (fingerprint, name) or None."""

    def __init__(
        self, session: Session, selected: Callable[[], tuple[str, str] | None], parent: QWidget
    ) -> None:
        super().__init__("Security &log…", parent)
        self.setObjectName("stationLogButton")
        self.setAutoDefault(False)
        self._session = session
        self._selected = selected
        self.dialog: StationLogDialog | None = None
        self.clicked.connect(self.show_log)

    def show_log(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        fingerprint, name = chosen

        def work(vault: Vault) -> StationLog:
            return station_log_of(vault, fingerprint)

        self._session.read(work, lambda log: self._show(name, log), self)

    def _show(self, name: str, log: StationLog) -> None:
        self.dialog = StationLogDialog(self.window(), name, log)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        self.dialog.open()
