"""The Brief button: the brief on the contact, organization or meeting a section shows.

It sits beside Edit. The brief is read on the vault's worker
(`core.brief.brief_of`) and shown in its own window (`ui.brief_dialog`, loaded
on first use: its charts need pyqtgraph, which the application's start does not load).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QPushButton, QWidget

from liaison_desk.core.brief import Brief, brief_of
from liaison_desk.ui.session import Session

if TYPE_CHECKING:
    from liaison_desk.ui.brief_dialog import BriefDialog

BRIEFED_KINDS = ("contact", "organization", "meeting")


class BriefButton(QPushButton):
    """Opens the brief on the record a section shows; `current` gives its id or None."""

    status_message = Signal(str)

    def __init__(
        self,
        session: Session,
        kind: str,
        current: Callable[[], str | None],
        markings: Callable[[], tuple[str, ...]],
        parent: QWidget,
    ) -> None:
        super().__init__("Brief…", parent)
        self.setObjectName("briefButton")
        self.setToolTip(f"One page to read before meeting this {kind}: print it as a PDF")
        self.setAutoDefault(False)
        self.setVisible(kind in BRIEFED_KINDS)
        self.setEnabled(False)
        self._session = session
        self._kind = kind
        self._current = current
        self._markings = markings
        self.dialog: BriefDialog | None = None
        self.clicked.connect(self.open_brief)

    def open_brief(self) -> None:
        record_id = self._current()
        if record_id is None or self._kind not in BRIEFED_KINDS:
            return
        kind = self._kind
        self.status_message.emit("Preparing the brief…")
        self._session.read(lambda vault: brief_of(vault, kind, record_id), self._show, self)

    def _show(self, brief: Brief) -> None:
        if not self._session.is_unlocked:
            return
        from liaison_desk.ui.brief_dialog import BriefDialog

        self.dialog = BriefDialog(self._session, brief, self._markings(), self.window())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.status_message.connect(self.status_message)
        self.dialog.finished.connect(lambda _: setattr(self, "dialog", None))
        self.status_message.emit("")
        self.dialog.open()
