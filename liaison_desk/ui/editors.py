"""The form that edits one record, built from its kind's field list (record_fields.FIELDS).

Each field gets the widget its value needs; the form reads and fills "editor
fields" (see record_fields), never the store. Links to other records are
typed, completed from the vault off the GUI thread, and held as ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QDate,
    QDateTime,
    QEvent,
    Qt,
    QTime,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import CONTACT, MEETING, ORGANIZATION, Kind
from liaison_desk.core.records import PARTICIPANT_ROLES
from liaison_desk.core.routing import default_for
from liaison_desk.sync.recipients import Recipients
from liaison_desk.ui.distribution_picker import DistributionPicker
from liaison_desk.ui.markings_style import banner_css, colour
from liaison_desk.ui.record_fields import FIELDS, EditState, FieldSpec, field_spec, pretty
from liaison_desk.ui.record_model import RecordCompleter
from liaison_desk.ui.session import Session
from liaison_desk.ui.zone_box import zone_box

WALL_TIME = "yyyy-MM-ddTHH:mm"
_NO_DATE = QDate(1900, 1, 1)
_SPLIT = re.compile(r"[,;\n]")


# -- widgets for one value ---------------------------------------------------------------------


Changed = Callable[[], None]


class _Line:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._edit = QLineEdit()
        self._edit.setPlaceholderText(spec.placeholder)
        self._edit.textChanged.connect(lambda _: changed())
        self.widget: QWidget = self._edit

    def get(self) -> Any:
        text = self._edit.text()
        return text if text.strip() else None

    def set(self, value: Any) -> None:
        self._edit.setText(value or "")


class _List(_Line):
    """Several short values in one line, separated by commas."""

    def get(self) -> Any:
        return [part.strip() for part in _SPLIT.split(self._edit.text()) if part.strip()]

    def set(self, value: Any) -> None:
        self._edit.setText(", ".join(value or ()))


class _Text:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._edit = QPlainTextEdit()
        self._edit.setPlaceholderText(spec.placeholder)
        self._edit.setTabChangesFocus(True)  # Tab moves on, as in every other field
        lines = 12 if spec.name in ("body", "notes") else 3
        self._edit.setMinimumHeight(self._edit.fontMetrics().lineSpacing() * lines + 12)
        self._edit.textChanged.connect(changed)
        self.widget: QWidget = self._edit

    def get(self) -> Any:
        text = self._edit.toPlainText()
        return text if text.strip() else None

    def set(self, value: Any) -> None:
        self._edit.setPlainText(value or "")


class _Choice:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._box = QComboBox()
        if spec.name != "status":  # every other choice may be left unset
            self._box.addItem("—", "")
        for choice in spec.choices:
            self._box.addItem(pretty(choice), choice)
        self._box.currentIndexChanged.connect(lambda _: changed())
        self.widget: QWidget = self._box

    def get(self) -> Any:
        return self._box.currentData() or None

    def set(self, value: Any) -> None:
        index = self._box.findData(value or "")
        if index < 0 and value:  # a value from a newer version: keep it rather than lose it
            self._box.addItem(pretty(value), value)
            index = self._box.count() - 1
        self._box.setCurrentIndex(max(index, 0))


class _Marking:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._box = QComboBox()
        self._box.currentIndexChanged.connect(lambda _: changed())
        self.widget: QWidget = self._box

    def set_markings(self, markings: Sequence[str]) -> None:
        current = self._box.currentText()
        self._box.clear()
        for i, marking in enumerate(markings):
            self._box.addItem(marking, marking)
            self._box.setItemData(
                i, QColor(colour(marking, markings)), Qt.ItemDataRole.ForegroundRole
            )
        self.set(current or None)

    def get(self) -> Any:
        return self._box.currentText() or None

    def set(self, value: Any) -> None:
        index = self._box.findText(value) if value else 0
        if index < 0:
            self._box.addItem(value, value)
            index = self._box.count() - 1
        self._box.setCurrentIndex(index)


class _Count:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._spin = QSpinBox()
        self._spin.setRange(0, 3650)
        self._spin.setSpecialValueText("No cadence")
        self._spin.setSuffix(" days")
        self._spin.setToolTip("Aim to meet at least this often; 0 for no aim.")
        self._spin.valueChanged.connect(lambda _: changed())
        self.widget: QWidget = self._spin

    def get(self) -> Any:
        return self._spin.value() or None

    def set(self, value: Any) -> None:
        self._spin.setValue(int(value or 0))


class _NullableDateEdit(QDateEdit):
    """A date edit that can hold "no date": its minimum, shown as a word; Delete clears it.

    Typing into "no date" starts from `today`, the vault's today at the station.
    """

    today: QDate | None = None

    def _start_from_today(self) -> None:
        if self.today is not None and self.date() == self.minimumDate():
            self.setDate(self.today)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.date() != _NO_DATE:
            self.setDate(_NO_DATE)
            return
        if event.text().isdigit() or event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self._start_from_today()
        super().keyPressEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._start_from_today()
        super().mousePressEvent(event)


class _Date:
    """A date that starts empty ("No date") until one is chosen, with a button to empty it.

    A bare QDateEdit always holds some date (2000-01-01 until told otherwise),
    which a new follow-up showed as if it were due then.
    """

    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self.edit = _NullableDateEdit()
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd")
        self.edit.setMinimumDate(_NO_DATE)
        self.edit.setSpecialValueText("No date")
        self.edit.setToolTip("Type or pick a date; Delete or Clear empties it.")
        self.clear_button = QToolButton()
        self.clear_button.setText("Clear")
        self.clear_button.setToolTip("No date")
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(lambda: self.set(None))
        self.edit.dateChanged.connect(lambda _: self._on_changed(changed))
        self.widget: QWidget = QWidget()
        self.widget.setFocusProxy(self.edit)
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.clear_button)
        self.set(None)

    def _on_changed(self, changed: Changed) -> None:
        self.clear_button.setEnabled(self.get() is not None)
        changed()

    def get(self) -> Any:
        day = self.edit.date()
        return None if day == _NO_DATE else day.toString(Qt.DateFormat.ISODate)

    def set(self, value: Any) -> None:
        self.edit.setDate(QDate.fromString(value, Qt.DateFormat.ISODate) if value else _NO_DATE)
        self.clear_button.setEnabled(value is not None)

    def set_today(self, day: str) -> None:
        self.edit.today = QDate.fromString(day, Qt.DateFormat.ISODate)


class _DateTime:
    """Wall-clock time at the meeting's place; the time zone field says which place."""

    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._edit = QDateTimeEdit()
        self._edit.setCalendarPopup(True)
        self._edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        # Held as UTC so that the machine's own DST gaps never shift a time typed for elsewhere.
        self._edit.setTimeZone(QTimeZone(QTimeZone.Initialization.UTC))
        self._edit.dateTimeChanged.connect(lambda _: changed())
        self.widget: QWidget = self._edit

    def get(self) -> Any:
        return self._edit.dateTime().toString(WALL_TIME)

    def set(self, value: Any) -> None:
        moment = datetime.fromisoformat(value)
        self._edit.setDateTime(
            QDateTime(
                QDate(moment.year, moment.month, moment.day),
                QTime(moment.hour, moment.minute),
                QTimeZone(QTimeZone.Initialization.UTC),
            )
        )


class _Zone:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._box = zone_box(spec.placeholder)
        self._box.currentTextChanged.connect(lambda _: changed())
        self.widget: QWidget = self._box

    def get(self) -> Any:
        return self._box.currentText().strip() or None

    def set(self, value: Any) -> None:
        self._box.setCurrentText(value or "")

    def set_station_zone(self, zone: str) -> None:
        """Say what a blank field means: the station's zone, a vault setting."""
        line = self._box.lineEdit()
        assert line is not None
        line.setPlaceholderText(f"blank: {zone}, this station's zone")
        self._box.setToolTip(
            f"Where the time above is read. Blank: {zone}, this station's zone "
            "(set in Preferences)."
        )


class _Ref:
    """A link to another record, chosen by typing part of its name.

    `creatable` (a contact's organization): a name that matches nothing can be
    kept as a new record instead, created by the core in the same save.
    """

    def __init__(
        self, spec: FieldSpec, changed: Changed, session: Session, creatable: bool = False
    ) -> None:
        assert spec.ref is not None
        self._edit = QLineEdit()
        self._edit.setPlaceholderText(spec.placeholder)
        self._edit.setClearButtonEnabled(True)
        self.lookup: Mapping[str, str] = {}
        self._id: str | None = None
        self._name = ""
        self._changed = changed
        self.completer = RecordCompleter(session, spec.ref, self._edit)
        self.completer.picked.connect(self._pick)
        self._edit.textEdited.connect(self._on_edited)
        self.create: QPushButton | None = None
        self.widget: QWidget = self._edit
        if creatable:
            self.create = QPushButton()
            self.create.setCheckable(True)
            self.create.setAutoDefault(False)
            self.create.setToolTip(f"Saved as a new {spec.ref.name} with this record")
            self.create.toggled.connect(lambda _: changed())
            self.create.hide()
            self.widget = QWidget()
            self.widget.setFocusProxy(self._edit)
            column = QVBoxLayout(self.widget)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(self._edit)
            column.addWidget(self.create, 0, Qt.AlignmentFlag.AlignLeft)

    def _pick(self, record_id: str, name: str) -> None:
        self._id, self._name = record_id, name
        self._edit.setText(name)
        self._offer_create()
        self._changed()

    def _on_edited(self, text: str) -> None:
        if self._id is not None and text != self._name:
            self._id = None
            self._changed()
        self._offer_create()

    def _offer_create(self) -> None:
        if self.create is None:
            return
        text = self._edit.text().strip()
        offered = self._id is None and bool(text)
        self.create.setText(f"Create organization “{text}”" if offered else "")
        self.create.setVisible(offered)
        if not offered:
            self.create.setChecked(False)

    def new_name(self) -> str | None:
        """The name of the record to create on save, if the officer asked for one."""
        if self.create is not None and self.create.isChecked() and self._id is None:
            return self._edit.text().strip() or None
        return None

    def set_new_name(self, name: str | None) -> None:
        if self.create is not None and name:
            self._id = None
            self._edit.setText(name)
            self._offer_create()
            self.create.setChecked(True)

    def unresolved(self) -> bool:
        return self._id is None and bool(self._edit.text().strip()) and self.new_name() is None

    def get(self) -> Any:
        return self._id

    def set(self, value: Any) -> None:
        self._id = value or None
        self._name = self.lookup.get(value, "(deleted)") if value else ""
        self._edit.setText(self._name)
        self._offer_create()


class RefsField:
    """Links to several records (a follow-up's contacts): type a name, pick, repeat."""

    def __init__(self, spec: FieldSpec, changed: Changed, session: Session) -> None:
        assert spec.ref is not None
        self._changed = changed
        self.line = QLineEdit()
        self.line.setPlaceholderText(spec.placeholder)
        self.chips = _Chips(changed)
        self.completer = RecordCompleter(session, spec.ref, self.line)
        self.completer.picked.connect(self.add)
        self.widget: QWidget = QWidget()
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        layout.addWidget(self.chips)
        self.widget.setFocusProxy(self.line)
        self.lookup: Mapping[str, str] = {}

    def add(self, record_id: str, name: str) -> None:
        self.line.clear()
        if record_id in self.get():
            return
        self.chips.add(name, {"id": record_id})
        self._changed()

    def unresolved(self) -> bool:
        return bool(self.line.text().strip())

    def get(self) -> Any:
        return [p["id"] for p in self.chips.payloads()]

    def set(self, value: Any) -> None:
        self.line.clear()
        self.chips.clear()
        for record_id in value or ():
            self.chips.add(self.lookup.get(record_id, "(deleted)"), {"id": record_id})


class _Distribution:
    """Who receives the record, picked (ui/distribution_picker.py), stored as routing text."""

    def __init__(self, spec: FieldSpec, changed: Changed, default_scope: str) -> None:
        self.picker = DistributionPicker(default_scope, changed)
        self.widget: QWidget = self.picker

    def get(self) -> Any:
        return self.picker.get()

    def set(self, value: Any) -> None:
        self.picker.set(value)


_Field = (
    _Line
    | _Text
    | _Choice
    | _Marking
    | _Count
    | _Date
    | _DateTime
    | _Zone
    | _Ref
    | RefsField
    | _Distribution
)
_SIMPLE: dict[str, Callable[[FieldSpec, Changed], _Field]] = {
    "line": _Line,
    "list": _List,
    "text": _Text,
    "choice": _Choice,
    "marking": _Marking,
    "count": _Count,
    "date": _Date,
    "datetime": _DateTime,
    "zone": _Zone,
}


class _Chips(QListWidget):
    """A short list of chosen items; Delete removes the current one."""

    def __init__(self, changed: Changed) -> None:
        super().__init__()
        self._changed = changed
        self.setMaximumHeight(self.fontMetrics().lineSpacing() * 5 + 8)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self, self.remove_current)
        remove.setWhatsThis("Remove the selected person or follow-up from the form")
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)

    def remove_current(self) -> None:
        if self.currentRow() >= 0:
            self.takeItem(self.currentRow())
            self._changed()

    def add(self, text: str, payload: dict[str, Any]) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, payload)
        item.setToolTip("Delete removes it")
        self.addItem(item)

    def payloads(self) -> list[dict[str, Any]]:
        return [dict(self.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.count())]


class ParticipantsField(QWidget):
    """The people at a meeting: type a name, pick from the vault's contacts, repeat.

    Each comes with a role from PARTICIPANT_ROLES (or none), chosen in the box on
    their line; a role that came with an imported invitation is kept as it was.
    """

    def __init__(self, session: Session, changed: Changed) -> None:
        super().__init__()
        self._changed = changed
        self.line = QLineEdit()
        self.line.setPlaceholderText("Type a name to add a participant")
        self.chips = _Chips(changed)
        self.completer = RecordCompleter(session, CONTACT, self.line)
        self.completer.picked.connect(self.add)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        layout.addWidget(self.chips)
        self.setFocusProxy(self.line)

    def add(self, contact_id: str, name: str) -> None:
        self.line.clear()
        if any(p["contact_id"] == contact_id for p in self.chips.payloads()):
            return
        self._add_line({"contact_id": contact_id, "name": name, "participant_id": None})
        self._changed()

    def _add_line(self, person: dict[str, Any]) -> None:
        person.setdefault("role", None)
        self.chips.add("", person)  # the line below shows the name, beside its role
        item = self.chips.item(self.chips.count() - 1)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, str(person["name"]))
        role = QComboBox()
        role.setAccessibleName(f"Role of {person['name']}")
        role.addItem("— role —", "")
        for choice in PARTICIPANT_ROLES:
            role.addItem(pretty(choice), choice)
        if person["role"] and role.findData(person["role"]) < 0:
            role.addItem(pretty(person["role"]), person["role"])
        role.setCurrentIndex(max(role.findData(person["role"] or ""), 0))

        def chosen(_: int) -> None:
            item.setData(Qt.ItemDataRole.UserRole, {**person, "role": role.currentData() or None})
            self._changed()

        role.currentIndexChanged.connect(chosen)
        line = QWidget()
        row = QHBoxLayout(line)
        row.setContentsMargins(4, 0, 4, 0)
        row.addWidget(QLabel(str(person["name"])), 1)
        row.addWidget(role)
        item.setSizeHint(line.sizeHint())
        self.chips.setItemWidget(item, line)

    def role_box(self, contact_id: str) -> QComboBox:
        """The role chooser on a participant's line."""
        for i in range(self.chips.count()):
            item = self.chips.item(i)
            if item.data(Qt.ItemDataRole.UserRole)["contact_id"] == contact_id:
                box = self.chips.itemWidget(item).findChild(QComboBox)
                assert box is not None
                return box
        raise KeyError(contact_id)

    def get(self) -> list[dict[str, Any]]:
        return self.chips.payloads()

    def set(self, people: Sequence[Mapping[str, Any]]) -> None:
        self.chips.clear()
        for person in people:
            self._add_line(dict(person))


class FollowUpsField(QWidget):
    """Follow-ups to create with the meeting: an action, a due date, Enter to add."""

    def __init__(self, changed: Changed) -> None:
        super().__init__()
        self._changed = changed
        self.action = QLineEdit()
        self.action.setPlaceholderText("Add a follow-up: what needs doing, then Enter")
        self.due = _Date(field_spec("due_date", "Due", "date"), lambda: None)
        self.add_button = QPushButton("Add")
        self.add_button.setAutoDefault(False)
        self.chips = _Chips(changed)
        row = QHBoxLayout()
        row.addWidget(self.action, 1)
        row.addWidget(self.due.widget)
        row.addWidget(self.add_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.chips)
        self.action.returnPressed.connect(self.add)
        self.add_button.clicked.connect(self.add)

    def add(self) -> None:
        action = self.action.text().strip()
        if not action:
            return
        due = self.due.get()
        self.chips.add(f"{due or 'no date'} — {action}", {"action": action, "due_date": due})
        self.action.clear()
        self.due.set(None)
        self._changed()

    def get(self) -> list[dict[str, Any]]:
        return self.chips.payloads()

    def set(self, followups: Sequence[Mapping[str, Any]]) -> None:
        self.chips.clear()
        for f in followups:
            self.chips.add(f"{f['due_date'] or 'no date'} — {f['action']}", dict(f))


class RecordEditor(QWidget):
    """A form for one kind of record, with its marking banner, inline errors and Save/Revert."""

    changed = Signal()
    save_requested = Signal()
    revert_requested = Signal()

    def __init__(self, session: Session, kind: Kind[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.defaults: dict[str, Any] = {}  # preset values for a new record (preferences)
        self.kind = kind
        self.record_id: str | None = None
        self.snapshot: dict[str, Any] = {}
        self._loading = False
        self.heading = QLabel()
        self.heading.setStyleSheet("font-weight: bold; padding: 4px 2px;")
        self.banner = QLabel()
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, _Field] = {}
        for spec in FIELDS[kind.name]:
            if spec.widget == "refs":
                made: _Field = RefsField(spec, self._on_change, session)
            elif spec.ref is not None:
                creatable = kind is CONTACT and spec.ref is ORGANIZATION
                made = _Ref(spec, self._on_change, session, creatable)
            elif spec.widget == "distribution":
                role = session.info.role if session.info else "station"
                made = _Distribution(spec, self._on_change, default_for(role, kind.name))
            else:
                made = _SIMPLE[spec.widget](spec, self._on_change)
            self.fields[spec.name] = made
            form.addRow(spec.label, made.widget)
        self.people: ParticipantsField | None = None
        self.new_followups: FollowUpsField | None = None
        if kind is MEETING:
            self.people = ParticipantsField(session, self._on_change)
            self.new_followups = FollowUpsField(self._on_change)
            # Who was there comes right after what and when: it is what the officer
            # knows first, and follow-ups made below name these people.
            time_row = list(self.fields).index("timezone")  # one form row per field
            form.insertRow(time_row + 1, "Peop&le", self.people)
            form.addRow("&Follow-ups", self.new_followups)
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
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
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self._markings: tuple[str, ...] = ()
        self.changed.connect(self._show_marking)

    def first_field(self) -> QWidget:
        return next(iter(self.fields.values())).widget

    def set_markings(self, markings: Sequence[str]) -> None:
        self._markings = tuple(markings)
        marking = self.fields["marking"]
        assert isinstance(marking, _Marking)
        self._loading = True
        marking.set_markings(markings)
        self._loading = False
        self._show_marking()

    def set_recipients(self, recipients: Recipients) -> None:
        """The stations and groups this vault knows, for the distribution picker."""
        distribution = self.fields["distribution"]
        assert isinstance(distribution, _Distribution)
        self._loading = True
        distribution.picker.set_recipients(recipients)
        self._loading = False

    def load(self, state: EditState) -> None:
        """Fill the form from a record (or blank for a new one), then lay a draft over it."""
        self._loading = True
        self.record_id = state.record_id
        for fld in self.fields.values():
            if isinstance(fld, _Zone):
                fld.set_station_zone(state.station_zone)
            elif isinstance(fld, _Date):
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
            if isinstance(fld, _Ref | RefsField):
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

    def _creatable(self) -> _Ref | None:
        """The link field whose record can be created from this form, if it has one."""
        return next(
            (f for f in self.fields.values() if isinstance(f, _Ref) and f.create is not None), None
        )

    def is_dirty(self) -> bool:
        return self.values() != self.snapshot

    def unresolved(self) -> list[str]:
        """Labels of link fields holding typed text that names no record yet."""
        return [
            spec.label.replace("&", "").lower()
            for spec in FIELDS[self.kind.name]
            if isinstance(fld := self.fields[spec.name], _Ref | RefsField) and fld.unresolved()
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

    def _on_change(self) -> None:
        if not self._loading:
            self.changed.emit()

    def _show_marking(self) -> None:
        marking = self.fields["marking"].get() or (self._markings[0] if self._markings else "")
        self.banner.setText(marking)
        self.banner.setStyleSheet(banner_css(marking, self._markings))
        self.banner.setVisible(bool(marking))
