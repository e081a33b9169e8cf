"""One sidebar section: a filtered, sorted list of one kind of record, its detail and its editor.

The list is a RecordListModel (paged and sorted in SQL); the detail and the
editor are filled from single reads on the vault's worker. Typing is never
lost: unsaved edits become a draft in the vault every few seconds, leaving
the editor saves it, and a failed save keeps everything on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.drafts import Draft, discard_draft, save_draft
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, PROTOCOL
from liaison_desk.core.protocol_library import protocol_countries
from liaison_desk.core.record_detail import RecordDetail, record_detail
from liaison_desk.core.records import PROTOCOL_CATEGORIES, FollowUp
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.recipients import known_recipients
from liaison_desk.ui.brief_view import BriefButton
from liaison_desk.ui.detail_view import GREY, DetailView
from liaison_desk.ui.editors import RecordEditor
from liaison_desk.ui.gift_section import GIFT_SPEC
from liaison_desk.ui.record_fields import EditState, load_edit_state, plan_save, pretty
from liaison_desk.ui.record_files import PhotoEditor, RecordFiles
from liaison_desk.ui.record_model import SPECS, IdRole, RecordListModel, SectionSpec
from liaison_desk.ui.runner import OnError
from liaison_desk.ui.session import Session
from liaison_desk.ui.tables import read_only_table

T = TypeVar("T")

DRAFT_INTERVAL_MS = 3_000
FILTER_DELAY_MS = 200
ANY = "*"  # a filter combo's "all" entry
GENERAL = "general"  # protocol that applies in every country (stored without one)
READ_ONLY = "The protocol library is published by HQ; it is read-only at stations."


def make_sections(session: Session) -> list[RecordSection]:
    """The sidebar's sections, in the order officers use them."""
    return [RecordSection(session, spec) for spec in (*SPECS, GIFT_SPEC)]


class RecordSection(QWidget):
    """A list, a detail pane and an editor for one kind of record (one per sidebar entry)."""

    marking_shown = Signal(str)  # the marking of the record on screen, "" for none
    status_message = Signal(str)
    copy_requested = Signal(str)
    navigate_requested = Signal(str, str)  # kind name, record id
    saved = Signal(str)  # the id of the record just saved

    draft_interval_ms = DRAFT_INTERVAL_MS

    def __init__(self, session: Session, spec: SectionSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parked = False
        self.session = session
        self.spec = spec
        self.title = spec.title
        self.kind = spec.kind
        role = session.info.role if session.info else "station"
        self.read_only = spec.kind is PROTOCOL and role != "hq"
        self.markings: tuple[str, ...] = ()
        self._shown_id: str | None = None  # on screen, in the detail or the editor
        self._saving = False
        self._edit_open = False
        self._focus_before_save: QWidget | None = None
        self._after_save: list[Callable[[], None]] = []
        self._watched = {spec.kind.name, *spec.depends_on}
        self.model = RecordListModel(
            session,
            spec.kind,
            spec.columns,
            self,
            annotate=spec.annotate,
            depends_on=spec.depends_on,
            query=spec.query,
        )
        self._build()
        self._draft_timer = QTimer(self, singleShot=True)
        self._draft_timer.timeout.connect(self._write_draft)
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(
            lambda: self.model.set_filter_text(self.filter_box.text())
        )
        session.changed.connect(self._on_changed)
        session.locked.connect(self._draft_timer.stop)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._on_focus_changed)
        self._read(lambda v: v.store.markings(), self._set_markings)
        self._read(known_recipients, self.editor.set_recipients)
        if spec.kind is PROTOCOL:
            self._load_countries()

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self.filter_box = QLineEdit()
        what = self.kind.title_field.removeprefix("full_")
        self.filter_box.setPlaceholderText(f"Filter {self.spec.noun} by {what}")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.textChanged.connect(lambda _: self._filter_timer.start())
        self.filter_box.returnPressed.connect(self._focus_list)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_box, 2)
        self.status_filter: QComboBox | None = None
        self.country_filter: QComboBox | None = None
        self.category_filter: QComboBox | None = None
        if self.kind is FOLLOWUP:
            statuses = [("Open", "open"), ("Done", "done"), ("All statuses", ANY)]
            self.status_filter = self._combo(statuses, bar)
        if self.kind is PROTOCOL:
            self.country_filter = self._combo([("All countries", ANY), ("General", GENERAL)], bar)
            categories = [(pretty(c), c) for c in PROTOCOL_CATEGORIES]
            self.category_filter = self._combo([("All categories", ANY), *categories], bar)
        self.count_label = QLabel()
        self.count_label.setStyleSheet(GREY)
        bar.addWidget(self.count_label, 1, Qt.AlignmentFlag.AlignRight)
        self.done_button = QPushButton("Mark &done")
        self.done_button.setVisible(self.kind is FOLLOWUP)
        self.done_button.setEnabled(False)
        self.done_button.clicked.connect(self.mark_done)
        self.edit_button = QPushButton("Edit")
        self.edit_button.setToolTip("Edit the selected record (Enter)")
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self.edit_record)
        self.new_button = QPushButton("New")
        self.new_button.setToolTip(f"New {self.kind.name} (Ctrl+N)")
        self.new_button.clicked.connect(self.new_record)
        self.brief_button = BriefButton(
            self.session, self.kind.name, self.current_record_id, lambda: self.markings, self
        )
        self.brief_button.status_message.connect(self.status_message)
        self.marking_shown.connect(lambda marking: self.brief_button.setEnabled(bool(marking)))
        for button in (self.done_button, self.brief_button, self.edit_button, self.new_button):
            button.setAutoDefault(False)
            bar.addWidget(button)
        self.edit_button.setVisible(not self.read_only)
        self.new_button.setVisible(not self.read_only)

        self.table = QTableView()
        self._setup_table()
        self.detail = DetailView()
        self.detail.show_message(self._hint())
        self.detail.copy_requested.connect(self.copy_requested)
        self.detail.navigate_requested.connect(self._navigate)
        self.files = RecordFiles(self.session, self.kind, self.read_only, self)
        self.files.attach(self.detail, self.status_message)
        self.editor = RecordEditor(self.session, self.kind)
        self.editor.changed.connect(self._on_editor_changed)
        self.editor.save_requested.connect(self.save)
        self.editor.revert_requested.connect(self.discard_changes)
        self.photo_editor = PhotoEditor(self.session) if self.kind is CONTACT else None
        if self.photo_editor is not None:
            self.photo_editor.attach(self.editor, self.status_message)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.detail)
        self.stack.addWidget(self.editor)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.stack)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])  # proportions: the list gets the larger share
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        new = QShortcut(QKeySequence(QKeySequence.StandardKey.New), self)
        new.setContext(Qt.ShortcutContext.WindowShortcut)  # only while this section is shown
        new.setWhatsThis("New record in the list shown")
        new.activated.connect(self.new_record)

    def _combo(self, items: Sequence[tuple[str, str]], bar: QHBoxLayout) -> QComboBox:
        box = QComboBox()
        for text, value in items:
            box.addItem(text, value)
        box.currentIndexChanged.connect(lambda _: self._apply_filters())
        bar.addWidget(box)
        return box

    def _setup_table(self) -> None:
        table = read_only_table(
            self.model, [c.width_chars or 0 for c in self.spec.columns], self.table
        )
        table.setTabKeyNavigation(False)
        table.setCornerButtonEnabled(False)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        header = table.horizontalHeader()
        header.setSortIndicator(self.model.sort_column(), self._sort_order())
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_sort_indicator)
        table.selectionModel().currentRowChanged.connect(self._on_current_row)
        table.activated.connect(lambda _: self.edit_record())
        self.model.loaded.connect(self._after_reload)
        self.model.rowsInserted.connect(lambda *_: self._show_count())
        self.model.load_failed.connect(self.status_message)

    def _hint(self) -> str:
        add = "" if self.read_only else " Ctrl+N adds one."
        return f"Select one of the {self.spec.noun} to see it here.{add}"

    # -- the list ------------------------------------------------------------------------------

    def _apply_filters(self) -> None:
        where: dict[str, object] = {}
        boxes = (
            ("status", self.status_filter),
            ("country", self.country_filter),
            ("category", self.category_filter),
        )
        for name, box in boxes:
            value = box.currentData() if box is not None else ANY
            if value != ANY:
                where[name] = None if value == GENERAL else value  # general: no country
        self.model.set_query(replace(self.model.query, where=where))

    def _load_countries(self) -> None:
        def done(countries: list[str]) -> None:
            box = self.country_filter
            assert box is not None
            known = {box.itemData(i) for i in range(box.count())}
            for country in countries:
                if country not in known:
                    box.addItem(country, country)

        self._read(lambda v: protocol_countries(v.store), done)

    def _keep_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        """Columns computed per page cannot sort in SQL: put the indicator back."""
        if self.model.sort_field(column) is None:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column(), self._sort_order())
            header.blockSignals(False)
            self.status_message.emit("That column cannot be sorted.")

    def _sort_order(self) -> Qt.SortOrder:
        descending = self.model.query.descending
        return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

    def _show_count(self) -> None:
        self.count_label.setText(plural(self.model.total, self.spec.noun[:-1], self.spec.noun))

    def _after_reload(self) -> None:
        self._show_count()
        row = self.model.row_of(self._shown_id) if self._shown_id else None
        if row is not None and self.table.currentIndex().row() != row:
            self.table.selectRow(row)

    def _focus_list(self) -> None:
        self.table.setFocus()
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.selectRow(0)

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        record_id = current.data(IdRole) if current.isValid() else None
        if isinstance(record_id, str) and record_id != self._shown_id:
            self._leave_editor(lambda: self._show(record_id))

    # -- showing -------------------------------------------------------------------------------

    def current_record_id(self) -> str | None:
        """The record on screen (in the detail or the editor), None for a new one."""
        return self._shown_id

    def open_record(self, record_id: str) -> None:
        """Show a record: selected in the list if it is loaded, read directly if not."""
        self._leave_editor(lambda: self._select_and_show(record_id))

    def _select_and_show(self, record_id: str) -> None:
        self._show(record_id)
        row = self.model.row_of(record_id)
        if row is None:
            self.table.selectionModel().clear()
        else:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))

    def _show(self, record_id: str) -> None:
        self._shown_id = record_id
        self._switch(editing=False)
        kind = self.kind

        def done(detail: RecordDetail) -> None:
            if self._shown_id != record_id or self._editing():
                return
            self.detail.show_detail(detail, self.markings)
            self.files.show_record(record_id)
            self.edit_button.setEnabled(True)
            self.done_button.setEnabled(getattr(detail.record, "status", None) == "open")
            self.marking_shown.emit(detail.record.marking)

        def failed(error: LiaisonError) -> None:
            if self._shown_id == record_id:
                self._shown_id = None
                self.detail.show_message(error.message)
                self.edit_button.setEnabled(False)
                self.marking_shown.emit("")

        self._read(lambda v: record_detail(v.store, v.clock, kind, record_id), done, failed)

    def forget(self, record_id: str) -> None:
        """The record is gone (deleted): where it was shown, show the hint instead."""
        if self._shown_id == record_id and not self._editing():
            self._shown_id = None
            self.detail.show_message(self._hint())
            self.edit_button.setEnabled(False)
            self.done_button.setEnabled(False)
            self.marking_shown.emit("")

    def _navigate(self, kind: str, record_id: str) -> None:
        if kind == self.kind.name:
            self.open_record(record_id)
        else:
            self.navigate_requested.emit(kind, record_id)

    def _set_markings(self, markings: tuple[str, ...]) -> None:
        self.markings = markings
        self.editor.set_markings(markings)

    def _on_changed(self, kind: str) -> None:
        if kind == PROTOCOL.name and self.kind is PROTOCOL:
            self._load_countries()
        if kind in self._watched and self._shown_id and not self._editing() and not self._saving:
            self._show(self._shown_id)

    def mark_done(self) -> None:
        """Close the follow-up on screen."""
        record_id = self._shown_id
        if self.kind is not FOLLOWUP or record_id is None or self._editing():
            return

        history = self.session.history

        def work(vault: Vault) -> FollowUp:
            return history.mark_done(vault.store, record_id)

        self._write(FOLLOWUP.name, work, lambda _: self.status_message.emit("Marked done."))

    # -- editing -------------------------------------------------------------------------------

    def _editing(self) -> bool:
        return self._edit_open

    def _switch(self, *, editing: bool) -> None:
        """Flip between detail and editor, flag first: focus moving meanwhile is not leaving."""
        self._edit_open = editing
        self.stack.setCurrentWidget(self.editor if editing else self.detail)

    def has_unsaved_changes(self) -> bool:
        return self._editing() and self.editor.is_dirty()

    def new_record(self) -> None:
        if self.read_only:
            self.status_message.emit(READ_ONLY)
            return
        self._leave_editor(lambda: self._open_editor(None, None))

    def edit_record(self) -> None:
        if self.read_only:
            self.status_message.emit(READ_ONLY)
        elif self._shown_id is not None and not self._editing():
            self._open_editor(self._shown_id, None)

    def restore_draft(self, draft: Draft) -> None:
        """Open the editor as it was when the draft was written."""
        self._leave_editor(lambda: self._open_editor(draft.record_id, draft.fields))

    def _open_editor(self, record_id: str | None, draft: dict[str, Any] | None) -> None:
        kind = self.kind
        self._read(lambda v: load_edit_state(v, kind, record_id, draft), self._start_editing)

    def _start_editing(self, state: EditState) -> None:
        self.editor.load(state)
        if self.photo_editor is not None:
            self.photo_editor.load(state.record_id)
        self._shown_id = state.record_id
        self._switch(editing=True)
        self.editor.first_field().setFocus()
        self.marking_shown.emit(self.editor.fields["marking"].get() or "")

    def _leave_editor(self, then: Callable[[], None]) -> None:
        """Go on to `then` once the editor's changes are saved (or at once if there are none)."""
        if not self._editing():
            then()
        elif self.editor.is_dirty():
            self._after_save.append(then)
            self.save()
        else:
            self._close_editor()
            then()

    def save(self) -> None:
        """Save the editor's changes in the background; `saved` is emitted once they are stored."""
        if not self._editing() or self._saving or not self.session.is_unlocked:
            return
        if not self.editor.is_dirty():
            self._close_editor()
            return
        missing = self.editor.unresolved()
        if missing:
            self._after_save.clear()
            self.editor.show_error(f"Choose the {missing[0]} from the list, or clear it.")
            return
        edit = plan_save(
            self.kind, self.editor.record_id, self.editor.snapshot, self.editor.values()
        )
        self._saving = True
        self._draft_timer.stop()
        self._focus_before_save = QApplication.focusWidget()
        self.editor.setEnabled(False)  # what is being saved is what stays on screen
        history = self.session.history
        self._write(
            self.kind.name, lambda v: history.save(v, edit), self._on_saved, self._on_save_failed
        )

    def _on_saved(self, record: Any) -> None:
        self._saving = False
        self.editor.setEnabled(True)
        self._switch(editing=False)
        self.status_message.emit("Saved.")
        self.saved.emit(record.id)
        then, self._after_save = self._after_save, []
        self._shown_id = None
        for step in then or [lambda: self._select_and_show(record.id)]:
            step()

    def _on_save_failed(self, error: LiaisonError) -> None:
        self._saving = False
        self._after_save.clear()
        self.editor.setEnabled(True)
        self.editor.show_error(error.message)
        focus = self._focus_before_save
        if focus is None or not self.editor.isAncestorOf(focus):
            focus = self.editor.first_field()
        focus.setFocus()
        row = self.model.row_of(self._shown_id) if self._shown_id else None
        if row is not None:
            self.table.selectRow(row)
        self._write_draft()

    def discard_changes(self) -> None:
        """Throw away the editor's changes and their draft; show the record as it is stored."""
        self._draft_timer.stop()
        self._after_save.clear()
        if not self._editing():
            return
        kind, record_id = self.kind.name, self.editor.record_id
        self._write("draft", lambda v: discard_draft(v, kind, record_id), lambda _: None)
        self._close_editor()

    def _close_editor(self) -> None:
        self.editor.clear_error()
        record_id = self.editor.record_id
        current = (
            self.table.currentIndex().data(IdRole) if self.table.currentIndex().isValid() else None
        )
        self._switch(editing=False)
        self._shown_id = None
        shown = record_id or (current if isinstance(current, str) else None)
        if shown:
            self._select_and_show(shown)
        else:
            self.detail.show_message(self._hint())
            self.marking_shown.emit("")
        self.table.setFocus()

    def _on_editor_changed(self) -> None:
        self.editor.clear_error()
        if self.editor.is_dirty():
            self._draft_timer.start(self.draft_interval_ms)

    def _write_draft(self) -> None:
        if not self.has_unsaved_changes() or not self.session.is_unlocked:
            return
        kind, record_id, fields = self.kind.name, self.editor.record_id, self.editor.values()

        def work(vault: Vault) -> None:
            save_draft(vault, kind, record_id, fields)

        self._write("draft", work, lambda _: None)

    def _on_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Focus moving from the editor to elsewhere in this window is leaving it: save."""
        if self._parked or old is None or new is None or not self.has_unsaved_changes():
            return
        leaving = self.editor.isAncestorOf(old) and not self.editor.isAncestorOf(new)
        if leaving and new.window() is self.window():  # not a popup of the editor's own
            self.save()

    def park(self) -> None:
        """The window is locking or closing: keep unsaved typing as a draft, never half-save it.

        From now on hiding this section (as the window tears it down) saves nothing.
        """
        self._parked = True
        if not self._saving:  # a save under way deletes the draft; do not write it back
            self._write_draft()

    def hideEvent(self, event: QHideEvent) -> None:
        if not self._parked and not event.spontaneous() and self.has_unsaved_changes():
            self.save()  # the main window switched to another section
        super().hideEvent(event)

    def _read(
        self, work: Callable[[Vault], T], done: Callable[[T], None], failed: OnError | None = None
    ) -> None:
        """Ask the vault, unless it is locked: a locked session's sections are on their way out."""
        if self.session.is_unlocked:
            self.session.read(work, done, self, failed or self._report)

    def _write(
        self,
        kind: str,
        work: Callable[[Vault], T],
        done: Callable[[T], None],
        failed: OnError | None = None,
    ) -> None:
        if self.session.is_unlocked:
            self.session.write(kind, work, done, self, failed or self._report)

    def _report(self, error: LiaisonError) -> None:
        self.status_message.emit(error.message)
