"""The Edit menu: Undo (naming what it undoes), Delete with the record's links shown first, Trash.

Every step runs on the vault's worker through the session; the undo history
itself (`core.undo_history`) lives in the session and is only touched there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.record_links import RecordLinks, record_links
from liaison_desk.core.undo_history import Change
from liaison_desk.ui.delete_dialog import DeleteDialog
from liaison_desk.ui.record_model import IdRole
from liaison_desk.ui.record_section import READ_ONLY, RecordSection
from liaison_desk.ui.session import Session
from liaison_desk.ui.trash_dialog import TrashDialog

UNDO = "&Undo"


class EditActions(QObject):
    """Builds the Edit menu for `window`; `attach` gives each section's list the Delete action."""

    status_message = Signal(str)
    navigate_requested = Signal(str, str)  # kind name, record id

    def __init__(
        self,
        window: QWidget,
        session: Session,
        current_section: Callable[[], RecordSection | None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.current_section = current_section
        self.menu = QMenu("&Edit", window)
        self.undo_action = self._action(UNDO, QKeySequence.StandardKey.Undo, self.undo)
        self.undo_action.setEnabled(False)
        self.delete_action = self._action("&Delete…", QKeySequence.StandardKey.Delete, self.delete)
        self.trash_action = self._action("&Trash…", "", self.open_trash)
        self.menu.addAction(self.undo_action)
        self.menu.addSeparator()
        self.menu.addAction(self.delete_action)
        self.menu.addAction(self.trash_action)
        session.changed.connect(lambda _: self.refresh_undo())
        session.unlocked.connect(self.refresh_undo)
        session.locked.connect(self._on_locked)

    def _action(
        self,
        text: str,
        keys: QKeySequence.StandardKey | str,
        slot: Callable[[], object],
    ) -> QAction:
        act = QAction(text, self.window)
        if keys:
            act.setShortcut(QKeySequence(keys))
        act.triggered.connect(slot)
        self.window.addAction(act)
        return act

    def attach(self, sections: Sequence[RecordSection]) -> None:
        """Each list offers Delete in its context menu (its Delete key is the menu's)."""
        for section in sections:
            section.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            section.table.addAction(self.delete_action)

    # -- undo -------------------------------------------------------------------------------

    def refresh_undo(self) -> None:
        """Name what Undo would undo now (read on the worker, where the history lives)."""
        if not self.session.is_unlocked:
            return
        history = self.session.history

        def done(label: str | None) -> None:
            self.undo_action.setEnabled(label is not None)
            self.undo_action.setText(f"{UNDO} {label}" if label else UNDO)

        self.session.read(lambda _: history.next_label(), done, self)

    def _on_locked(self) -> None:
        self.undo_action.setEnabled(False)
        self.undo_action.setText(UNDO)

    def undo(self) -> None:
        if not self.session.is_unlocked:
            return
        history = self.session.history

        def done(change: Change) -> None:
            for kind in change.kinds:
                self.session.changed.emit(kind)
            self.status_message.emit(f"Undone: {change.label}.")

        def failed(error: LiaisonError) -> None:
            self.status_message.emit(error.message)
            self.refresh_undo()

        self.session.read(lambda v: history.undo(v.store), done, self, failed)

    # -- delete -----------------------------------------------------------------------------

    def delete(self) -> None:
        """Ask about the record selected in the current list, showing what it is linked to."""
        section = self.current_section()
        if section is None or not self.session.is_unlocked:
            return
        if section.read_only:
            self.status_message.emit(READ_ONLY)
            return
        if section.stack.currentWidget() is section.editor:
            # Delete in a form belongs to the form; the record goes from the list.
            self.status_message.emit("Save or discard the edit first, then delete.")
            return
        index = section.table.currentIndex()
        record_id = index.data(IdRole) if index.isValid() else None
        if not isinstance(record_id, str):
            self.status_message.emit(f"Select one of the {section.spec.noun} to delete it.")
            return
        kind = section.kind

        def ask(links: RecordLinks) -> None:
            dialog = DeleteDialog(links, self.window)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.accepted.connect(lambda: self._delete(section, links))
            dialog.open()

        self.session.read(
            lambda v: record_links(v.store, kind, record_id),
            ask,
            self,
            lambda e: self.status_message.emit(e.message),
        )

    def _delete(self, section: RecordSection, links: RecordLinks) -> None:
        kind, record_id = section.kind, links.record_id
        history = self.session.history

        def done(title: str) -> None:
            section.forget(record_id)
            self.status_message.emit(
                f"Deleted {kind.name} “{title}”. Undo (Ctrl+Z) brings it back."
            )

        self.session.write(
            kind.name,
            lambda v: history.delete(v.store, kind, record_id),
            done,
            section,
            lambda e: self.status_message.emit(e.message),
        )

    # -- trash ------------------------------------------------------------------------------

    def open_trash(self) -> None:
        if not self.session.is_unlocked:
            return
        dialog = TrashDialog(self.session, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.status_message.connect(self.status_message)
        dialog.restored.connect(self.navigate_requested)
        dialog.open()
