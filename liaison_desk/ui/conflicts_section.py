"""The Conflicts section: two values of one field, neither written knowing the other, to settle.

The merge already picked a value (the later edit), so every vault agrees; the
other is kept here until someone keeps mine, keeps theirs, or writes a merged
text. A deletion stands over an edit made unseen, whichever is later, until
someone restores the record from here. The list, the comparison and each
resolution are read and written on the vault's worker; the sidebar shows how
many wait.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.errors import LiaisonError, RecordError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.conflicts import (
    Conflict,
    Side,
    get_conflict,
    list_conflicts,
    resolve,
    restore_record,
)
from liaison_desk.ui.conflict_diff import ONLY_MINE, ONLY_THEIRS, side_by_side, value_text
from liaison_desk.ui.detail_view import GREY
from liaison_desk.ui.markings_style import banner_css
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_models import ConflictListModel, KeyRole, field_label, kind_label, when
from liaison_desk.ui.tables import read_only_table

T = TypeVar("T")

TITLE = "Conflicts"
IGNORED = ("draft", "sync")  # changes that cannot alter a conflict or its record's title
EMPTY_HINT = (
    "No conflicts. When two people change the same field without having seen each "
    "other's change, both values wait here for you to choose."
)


def sidebar_title(open_count: int) -> str:
    return f"{TITLE} ({open_count:,})" if open_count else TITLE


@dataclass(frozen=True)
class ConflictView:
    """One conflict as the detail shows it, prepared on the worker."""

    conflict: Conflict
    mine_html: str
    theirs_html: str
    marking: str
    markings: tuple[str, ...]


def _deletion_html(deleted: bool) -> str:
    if deleted:
        return f"<p style='background-color:{ONLY_MINE}'>The record is deleted.</p>"
    return (
        f"<p style='background-color:{ONLY_THEIRS}'>The record was edited, unaware of its "
        "deletion. Restore the record to keep the edit.</p>"
    )


def load_view(vault: Vault, n: int) -> ConflictView:
    conflict = get_conflict(vault, n)
    if conflict.is_deletion:
        mine, theirs = _deletion_html(conflict.mine.value), _deletion_html(conflict.theirs.value)
    else:
        both = side_by_side(value_text(conflict.mine.value), value_text(conflict.theirs.value))
        mine, theirs = both.mine, both.theirs
    try:
        marking = vault.store.get(BY_NAME[conflict.entity].cls, conflict.record_id).marking
    except RecordError:
        marking = ""  # deleted here: the conflict is whether it stays so
    return ConflictView(conflict, mine, theirs, marking, vault.store.markings())


def mergeable(conflict: Conflict) -> bool:
    """Only text fields take a merged value (resolve refuses the others)."""
    text = str | None
    return (
        not conflict.is_deletion
        and isinstance(conflict.mine.value, text)
        and isinstance(conflict.theirs.value, text)
    )


def ask_merged_text(parent: QWidget, conflict: Conflict) -> str | None:
    """The merged value, edited from the one the record holds now; None if cancelled."""
    current = conflict.theirs if conflict.winner == "theirs" else conflict.mine
    text, ok = QInputDialog.getMultiLineText(
        parent,
        "Merge the two values",
        f"{field_label(conflict)} of {conflict.title}: write the value to keep.",
        value_text(current.value),
    )
    return text if ok else None


class _SidePane(QWidget):
    """One side: who wrote it and when, then the value with its differences shaded."""

    def __init__(self, heading: str) -> None:
        super().__init__()
        self.heading = heading
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.browser, 1)

    def show_side(self, side: Side, page: str, kept: str) -> None:
        """`kept` says what the record shows of this side now ("" if nothing)."""
        now = f" — {kept}" if kept else ""
        self.caption.setText(
            f"<b>{self.heading}</b>{now}<br><span style='{GREY}'>"
            f"changed by {side.author}, {when(side.changed_at)}</span>"
        )
        self.browser.setHtml(page)

    def clear(self) -> None:
        self.caption.clear()
        self.browser.clear()


class ConflictsSection(QWidget):
    """The open conflicts, the selected one side by side, and the three ways to settle it."""

    status_message = Signal(str)
    count_changed = Signal(int)
    navigate_requested = Signal(str, str)  # kind name, record id

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.title = TITLE
        self.open_count = 0
        self.view: ConflictView | None = None
        self._busy = False
        self._generation = 0  # detail reads for a row since left are dropped
        self.model = ConflictListModel(self)
        self._build()
        session.changed.connect(self._on_changed)
        session.locked.connect(self._forget)
        self.reload()

    # -- building ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.table = read_only_table(self.model, (26, 10, 14, 22))
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.table.activated.connect(lambda _: self.open_record())

        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setStyleSheet("font-size: 12pt;")
        self.banner = QLabel()
        self.banner.setVisible(False)
        self.mine = _SidePane("Mine (held here)")
        self.theirs = _SidePane("Theirs (received)")
        sides = QHBoxLayout()
        sides.addWidget(self.mine)
        sides.addWidget(self.theirs)
        self.keep_mine_button = QPushButton("Keep &mine")
        self.keep_theirs_button = QPushButton("Keep &theirs")
        self.merge_button = QPushButton("Mer&ge…")
        self.open_button = QPushButton("&Open record")
        self.restore_button = QPushButton("&Restore the record")
        self.restore_button.setToolTip(
            "Bring the record back with the edit made unaware of its deletion."
        )
        self.restore_button.clicked.connect(self.restore)
        self.keep_mine_button.clicked.connect(lambda: self.resolve("mine"))
        self.keep_theirs_button.clicked.connect(lambda: self.resolve("theirs"))
        self.merge_button.clicked.connect(self.merge)
        self.open_button.clicked.connect(self.open_record)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        for button in (
            self.restore_button,
            self.keep_mine_button,
            self.keep_theirs_button,
            self.merge_button,
        ):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        detail = QGroupBox()
        column = QVBoxLayout(detail)
        column.addWidget(self.banner)
        column.addWidget(self.heading)
        column.addLayout(sides, 1)
        column.addLayout(buttons)

        self.empty = QLabel(EMPTY_HINT)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet(GREY)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(detail)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([220, 480])
        self.pages.addWidget(splitter)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(GREY)
        layout = QVBoxLayout(self)
        layout.addWidget(self.count_label)
        layout.addWidget(self.pages, 1)
        self._show_view(None)

    # -- the list ------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the open conflicts again; the one selected stays selected if still open."""
        self._read(list_conflicts, self._set_conflicts)

    def _set_conflicts(self, conflicts: list[Conflict]) -> None:
        # The row chosen last, even if its values are still being read: a reload landing
        # meanwhile must not send the selection back to the conflict shown before.
        current = self.table.currentIndex().data(KeyRole)
        selected = (
            current if isinstance(current, int) else self.view.conflict.n if self.view else None
        )
        self.model.set_rows(conflicts)
        self.open_count = len(conflicts)
        self.count_label.setText(plural(self.open_count, "open conflict"))
        self.pages.setCurrentIndex(1 if conflicts else 0)
        self.count_changed.emit(self.open_count)
        row = self.model.row_of(selected) if selected is not None else None
        if row is None and conflicts:
            row = 0
        if row is None:
            self._show_view(None)
        elif self.table.currentIndex().row() != row:
            self.table.selectRow(row)
        else:
            self._load(conflicts[row].n)  # same row, perhaps new values

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        n = current.data(KeyRole) if current.isValid() else None
        if isinstance(n, int):
            self._load(n)

    def _load(self, n: int) -> None:
        self._generation += 1
        generation = self._generation

        def done(view: ConflictView) -> None:
            if generation == self._generation:
                self._show_view(view)

        self._read(lambda v: load_view(v, n), done)

    def _show_view(self, view: ConflictView | None) -> None:
        self.view = view
        for button in (self.keep_mine_button, self.keep_theirs_button, self.open_button):
            button.setEnabled(view is not None and not self._busy)
        self.merge_button.setEnabled(
            view is not None and not self._busy and mergeable(view.conflict)
        )
        deletion = view is not None and view.conflict.is_deletion
        self.restore_button.setVisible(deletion)
        self.restore_button.setEnabled(deletion and not self._busy)
        if view is None:
            self.heading.clear()
            self.banner.setVisible(False)
            self.mine.clear()
            self.theirs.clear()
            return
        c = view.conflict
        self.heading.setText(
            f"<b>{field_label(c)}</b> of {kind_label(c.entity).lower()} <b>{c.title}</b>"
        )
        self.banner.setText(view.marking)
        self.banner.setStyleSheet(banner_css(view.marking, view.markings))
        self.banner.setVisible(bool(view.marking))
        kept = "stands on every vault" if c.is_deletion else "kept for now"
        self.mine.show_side(c.mine, view.mine_html, kept if c.winner == "mine" else "")
        self.theirs.show_side(c.theirs, view.theirs_html, kept if c.winner == "theirs" else "")

    def _on_changed(self, kind: str) -> None:
        """A bundle or a resolution changes the count; an edit elsewhere, at most a title."""
        if kind == "conflict" or (kind not in IGNORED and self.isVisible()):
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not event.spontaneous():
            self.reload()

    def _forget(self) -> None:
        """Locking drops both values from memory, not only the key."""
        self._generation += 1
        self.model.clear()
        self._show_view(None)

    # -- settling ------------------------------------------------------------------------------

    def resolve(self, choice: str, merged: str | None = None) -> None:
        """Keep mine, keep theirs, or the merged text, written as a new edit on the worker."""
        view = self.view
        if view is None or self._busy:
            return
        c = view.conflict
        what = {"mine": "Kept this vault's value", "theirs": "Kept their value"}
        said = (
            f"{what.get(choice, 'Kept the merged value')} for {field_label(c).lower()} "
            f"of {c.title}."
        )
        self._settle(c, lambda vault: resolve(vault, c.n, choice, merged), said)

    def restore(self) -> None:
        """Bring back the record a deletion conflict shows deleted, with the unseen edit."""
        view = self.view
        if view is None or self._busy or not view.conflict.is_deletion:
            return
        c = view.conflict
        self._settle(c, lambda vault: restore_record(vault, c.n), f"Restored {c.title}.")

    def _settle(self, c: Conflict, work: Callable[[Vault], Conflict], said: str) -> None:
        """Write a conflict's settlement on the worker, then say what it did."""
        self._set_busy(True)

        def done(settled: Conflict) -> None:
            self._busy = False
            self._show_view(None)  # settled: the next one shows once the list is read again
            self.status_message.emit(
                f"Closed with the deletion: {c.title} was deleted since."
                if settled.closed_by_deletion
                else said
            )
            self.session.changed.emit("conflict")

        def failed(error: LiaisonError) -> None:
            self._set_busy(False)
            self.status_message.emit(error.message)
            self.reload()

        if self.session.is_unlocked:
            self.session.write(c.entity, work, done, self, failed)

    def merge(self) -> None:
        """Edit a merged value, starting from what the record holds now."""
        view = self.view
        if view is None or self._busy or not mergeable(view.conflict):
            return
        text = ask_merged_text(self, view.conflict)
        if text is not None:
            self.resolve("merged", text)

    def open_record(self) -> None:
        if self.view is not None:
            self.navigate_requested.emit(self.view.conflict.entity, self.view.conflict.record_id)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._show_view(self.view)

    def _read(self, work: Callable[[Vault], T], done: Callable[[T], None]) -> None:
        if self.session.is_unlocked:
            self.session.read(work, done, self, self._report)

    def _report(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
