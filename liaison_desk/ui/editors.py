"""The form that edits one record, built from its kind's field list (record_fields.FIELDS).

Each field gets the widget its value needs; the form reads and fills "editor
fields" (see record_fields), never the store. Links to other records are
typed, completed from the vault off the GUI thread, and held as ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QEvent,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION, Kind
from liaison_desk.core.routing import default_for
from liaison_desk.sync.recipients import Recipients
from liaison_desk.ui.calendar_fields import CheckField
from liaison_desk.ui.contact_fields import DETAIL_LISTS
from liaison_desk.ui.contact_form import ROW_SPECS, ContactTabs, DayField
from liaison_desk.ui.editor_fields import (
    SIMPLE_FIELDS,
    DateField,
    DateTimeField,
    DistributionField,
    Field,
    FollowUpsField,
    MarkingField,
    ParticipantsField,
    RefField,
    RefsField,
    ZoneField,
)
from liaison_desk.ui.markings_style import banner_css
from liaison_desk.ui.rank_field import RankCodeField, RankField
from liaison_desk.ui.record_fields import FIELDS, EditState
from liaison_desk.ui.repeated_rows import RepeatedRows
from liaison_desk.ui.session import Session

FormField = Field | DayField | RepeatedRows | RankField | RankCodeField


class RecordEditor(QWidget):
    """A form for one kind of record, with its marking banner, inline errors and Save/Revert."""

    changed = Signal()
    save_requested = Signal()
    revert_requested = Signal()

    def __init__(self, session: Session, kind: Kind[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.defaults: dict[str, Any] = {}  # preset values for a new record (preferences)
        self.kind = kind
        self.session = session
        self.record_id: str | None = None
        self.snapshot: dict[str, Any] = {}
        self._loading = False
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; padding: 4px 2px;")
        self.banner = QLabel()
        self.fields: dict[str, FormField] = {}
        for spec in FIELDS[kind.name]:
            if spec.widget == "refs":
                made: FormField = RefsField(spec, self._on_change, session)
            elif spec.ref is not None:
                creatable = kind is CONTACT and spec.ref is ORGANIZATION
                made = RefField(spec, self._on_change, session, creatable)
            elif spec.widget == "distribution":
                role = session.info.role if session.info else "station"
                made = DistributionField(spec, self._on_change, default_for(role, kind.name))
            elif spec.widget == "rows":
                made = RepeatedRows(ROW_SPECS[spec.name], self._on_change, session)
            elif spec.widget == "day":
                made = DayField(spec, self._on_change)
            elif spec.widget == "rank":
                made = RankField(spec, self._on_change)
            elif spec.widget == "rank_code":
                picker = self.fields["rank"]
                assert isinstance(picker, RankField)
                made = RankCodeField(picker)
            else:
                made = SIMPLE_FIELDS[spec.widget](spec, self._on_change)
            self.fields[spec.name] = made
        rank = self.fields.get("rank")
        if isinstance(rank, RankField):  # a contact's rank is picked among its nation's
            country = self.fields["country"].widget
            assert isinstance(country, QLineEdit)
            country.textChanged.connect(rank.set_country)
        self.people: ParticipantsField | None = None
        self.new_followups: FollowUpsField | None = None
        self.tabs: ContactTabs | None = None
        self.photo_place: QVBoxLayout | None = None  # where a contact's photo editor goes
        body: QWidget
        if kind is CONTACT:
            # A contact's phones, postings...: not fields of its record, but edited alike.
            for name in DETAIL_LISTS:
                self.fields[name] = RepeatedRows(ROW_SPECS[name], self._on_change, session)
            self.tabs = ContactTabs({s.name: s for s in FIELDS[kind.name]}, self.fields)
            self.photo_place = self.tabs.photo_place
            body = self.tabs
        else:
            body = self._one_form()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c8102e; font-weight: bold;")
        self.error.setVisible(False)
        revert = QPushButton("Revert")
        revert.setToolTip("Throw away the changes (Esc when nothing changed)")
        save = QPushButton("Save")
        save.setToolTip("Save (Ctrl+S)")
        revert.clicked.connect(self.revert_requested)
        save.clicked.connect(self.save_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addStretch()  # keeps the buttons their natural size while no error shows
        buttons.addWidget(revert)
        buttons.addWidget(save)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.heading)
        layout.addWidget(body, 1)
        layout.addLayout(buttons)
        self._markings: tuple[str, ...] = ()
        self.changed.connect(self._show_marking)

    def _one_form(self) -> QScrollArea:
        """Every field in one column: enough for the kinds with few fields."""
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in FIELDS[self.kind.name]:
            form.addRow(spec.label, self.fields[spec.name].widget)
        if self.kind is MEETING:
            self.people = ParticipantsField(self.session, self._on_change)
            self.new_followups = FollowUpsField(self._on_change)
            # Who was there comes right after what and when: it is what the officer
            # knows first, and follow-ups made below name these people.
            time_row = list(self.fields).index("timezone")  # one form row per field
            form.insertRow(time_row + 1, "Peop&le", self.people)
            form.addRow("&Follow-ups", self.new_followups)
            all_day = self.fields["all_day"]
            assert isinstance(all_day, CheckField)
            all_day.box.toggled.connect(self._show_all_day)
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        return scroll

    def first_field(self) -> QWidget:
        return next(iter(self.fields.values())).widget

    def set_markings(self, markings: Sequence[str]) -> None:
        self._markings = tuple(markings)
        marking = self.fields["marking"]
        assert isinstance(marking, MarkingField)
        self._loading = True
        marking.set_markings(markings)
        self._loading = False
        self._show_marking()

    def set_recipients(self, recipients: Recipients) -> None:
        """The stations and groups this vault knows, for the distribution picker."""
        distribution = self.fields["distribution"]
        assert isinstance(distribution, DistributionField)
        self._loading = True
        distribution.picker.set_recipients(recipients)
        self._loading = False

    def load(self, state: EditState) -> None:
        """Fill the form from a record (or blank for a new one), then lay a draft over it."""
        self._loading = True
        self.record_id = state.record_id
        if self.tabs is not None:
            self.tabs.setCurrentIndex(0)  # where the first field is
        for fld in self.fields.values():
            if isinstance(fld, ZoneField):
                fld.set_station_zone(state.station_zone)
            elif isinstance(fld, DateField):
                fld.set_today(state.today)
        if self.new_followups is not None:
            self.new_followups.due.set_today(state.today)
        self._fill(state.original or {**state.blank, **self.defaults}, state.names)
        self.snapshot = self.values()
        if state.draft is not None:
            self._fill({**self.snapshot, **state.draft}, state.names)
        self._loading = False
        noun = self.kind.name.replace("followup", "follow-up")
        self.heading.setText(f"Edit {noun}" if state.record_id else f"New {noun}")
        self.clear_error()
        self._show_marking()

    def _fill(self, values: Mapping[str, Any], names: Mapping[str, str]) -> None:
        for name, fld in self.fields.items():
            if isinstance(fld, RefField | RefsField | RepeatedRows):
                fld.lookup = names
            fld.set(values.get(name))
        if (org := self._creatable()) is not None:
            org.set_new_name(values.get("new_organization"))
        if self.people is not None:
            self.people.set(values.get("participants", ()))
        if self.new_followups is not None:
            self.new_followups.set(values.get("followups", ()))

    def values(self) -> dict[str, Any]:
        """The form as editor fields (what a draft keeps and a save compares)."""
        out = {name: fld.get() for name, fld in self.fields.items()}
        if (org := self._creatable()) is not None:
            out["new_organization"] = org.new_name()
        if self.people is not None:
            out["participants"] = self.people.get()
        if self.new_followups is not None:
            out["followups"] = self.new_followups.get()
        return out

    def _creatable(self) -> RefField | None:
        """The link field whose record can be created from this form, if it has one."""
        return next(
            (f for f in self.fields.values() if isinstance(f, RefField) and f.create is not None),
            None,
        )

    def is_dirty(self) -> bool:
        return self.values() != self.snapshot

    def unresolved(self) -> list[str]:
        """Labels of link fields holding typed text that names no record yet."""
        return [
            spec.label.replace("&", "").lower()
            for spec in FIELDS[self.kind.name]
            if isinstance(fld := self.fields[spec.name], RefField | RefsField) and fld.unresolved()
        ]

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)

    def clear_error(self) -> None:
        self.error.clear()
        self.error.setVisible(False)

    def event(self, event: QEvent) -> bool:
        """Claim Ctrl+S while typing here, so a window-wide Save action is not ambiguous."""
        if event.type() == QEvent.Type.ShortcutOverride:
            assert isinstance(event, QKeyEvent)
            if event.matches(QKeySequence.StandardKey.Save):
                event.accept()
                return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Save):
            self.save_requested.emit()
        elif event.key() == Qt.Key.Key_Escape and not self.is_dirty():
            self.revert_requested.emit()
        elif event.key() == Qt.Key.Key_Escape:
            self.show_error("Unsaved changes: Ctrl+S saves them, Revert throws them away.")
        else:
            super().keyPressEvent(event)

    def _show_all_day(self, all_day: bool) -> None:
        """An all-day meeting is days, with no hour and no zone."""
        for name in ("starts_at", "ends_at"):
            when = self.fields[name]
            assert isinstance(when, DateTimeField)
            when.show_time(not all_day)
        self.fields["timezone"].widget.setEnabled(not all_day)

    def _on_change(self) -> None:
        if not self._loading:
            self.changed.emit()

    def _show_marking(self) -> None:
        marking = str(self.fields["marking"].get() or (self._markings[0] if self._markings else ""))
        self.banner.setText(marking)
        self.banner.setStyleSheet(banner_css(marking, self._markings))
        self.banner.setVisible(bool(marking))
