"""The widgets of an editor form, one per kind of value (record_fields.FieldSpec.widget).

Each reads and writes one "editor field" value; links to other records are typed,
completed from the vault off the GUI thread (RecordCompleter), and held as ids.
The form that lays them out is `editors.RecordEditor`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QDate,
    QDateTime,
    Qt,
    QTime,
    QTimeZone,
)
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QMouseEvent, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.records import PARTICIPANT_ROLES
from liaison_desk.ui.calendar_fields import CheckField, RepeatsField
from liaison_desk.ui.distribution_picker import DistributionPicker
from liaison_desk.ui.markings_style import colour
from liaison_desk.ui.record_fields import FieldSpec, field_spec, pretty
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


class MarkingField:
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


class DateField:
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


class DateTimeField:
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

    def show_time(self, shown: bool) -> None:
        """An all-day meeting's days show without the hour (which it does not keep)."""
        self._edit.setDisplayFormat("yyyy-MM-dd HH:mm" if shown else "yyyy-MM-dd")

    def set(self, value: Any) -> None:
        moment = datetime.fromisoformat(value)
        self._edit.setDateTime(
            QDateTime(
                QDate(moment.year, moment.month, moment.day),
                QTime(moment.hour, moment.minute),
                QTimeZone(QTimeZone.Initialization.UTC),
            )
        )


class ZoneField:
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


class RefField:
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


class DistributionField:
    """Who receives the record, picked (ui/distribution_picker.py), stored as routing text."""

    def __init__(self, spec: FieldSpec, changed: Changed, default_scope: str) -> None:
        self.picker = DistributionPicker(default_scope, changed)
        self.widget: QWidget = self.picker

    def get(self) -> Any:
        return self.picker.get()

    def set(self, value: Any) -> None:
        self.picker.set(value)


Field = (
    _Line
    | _Text
    | _Choice
    | MarkingField
    | _Count
    | DateField
    | DateTimeField
    | CheckField
    | RepeatsField
    | ZoneField
    | RefField
    | RefsField
    | DistributionField
)
SIMPLE_FIELDS: dict[str, Callable[[FieldSpec, Changed], Field]] = {
    "line": _Line,
    "list": _List,
    "text": _Text,
    "choice": _Choice,
    "marking": MarkingField,
    "count": _Count,
    "date": DateField,
    "datetime": DateTimeField,
    "check": CheckField,
    "repeats": RepeatsField,
    "zone": ZoneField,
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
        self.due = DateField(field_spec("due_date", "Due", "date"), lambda: None)
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
