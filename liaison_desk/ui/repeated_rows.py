"""A compact editor for a list of alike items: a contact's phones, addresses, postings, people.

One row per item, its cells on one line or a few (an address takes three). The
list's name and its Add button ("+") sit in the form's label column, beside the
rows, so an empty list costs one line and a full one no more than its rows. The
keyboard reaches everything: the name's Alt+letter goes to Add (Space adds a row
and puts the cursor in it), Tab runs through the rows in the order they read,
Ctrl+Shift+Delete removes the row being typed in (a plain Delete, Ctrl+Delete
and Shift+Delete already edit the text).

The values are editor fields: a list of JSON-able dicts, one per item. Cells put
back the keys they show; every other key of an item (its id, what the core
derived from it) passes through untouched, and a cell nobody edited gives back
the value it was given, so an item left alone comes back exactly as it went in
and a save changes only what was typed. A row whose text cells are all empty is
no item: leaving a new row blank adds nothing, clearing a row removes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeySequence, QRegularExpressionValidator, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import Kind
from liaison_desk.ui.record_fields import pretty
from liaison_desk.ui.record_model import RecordCompleter
from liaison_desk.ui.session import Session

Item = dict[str, Any]
Changed = Callable[[], None]
REMOVE_KEYS = QKeySequence("Ctrl+Shift+Delete")
NO_CHOICE = "—"


@dataclass(frozen=True)
class Cell:
    """One value of a row: which key of the item it shows, and how.

    kind: "line" (free text), "label" (a box offering `offered`, pretty-printed,
    that also takes any typed text, kept as typed), "choice" (one of `offered`,
    or none), "link" (a name typed and completed from the vault's `link` records:
    a pick keeps the record's id under `link_id`, typed text is kept as the name).
    """

    name: str
    placeholder: str = ""
    kind: str = "line"
    offered: tuple[str, ...] = ()
    chars: int = 0  # a fixed width, in characters (an extension, a postcode); 0 stretches
    link: Kind[Any] | None = None
    link_id: str = ""
    pattern: str = ""  # a line: what may be typed, as a regular expression
    # Shown only for an item that has it: an address's free-form text, all that an
    # address from an older version or some cards has, beside the parts typed today.
    if_given: bool = False


@dataclass(frozen=True)
class RowSpec:
    """A list's heading (with its Alt+letter), the noun of one item, and a row's cells by line."""

    heading: str
    noun: str
    lines: tuple[tuple[Cell, ...], ...]


def _fixed_width(widget: QWidget, chars: int, extra: int) -> None:
    widget.setFixedWidth(widget.fontMetrics().horizontalAdvance("x" * chars) + extra)


class _LineCell:
    def __init__(self, cell: Cell, changed: Changed) -> None:
        self.cell = cell
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(cell.placeholder)
        self.edit.setAccessibleName(cell.placeholder)
        if cell.pattern:
            pattern = QRegularExpression(cell.pattern)
            self.edit.setValidator(QRegularExpressionValidator(pattern, self.edit))
        if cell.chars:
            _fixed_width(self.edit, cell.chars, 12)
        self.edit.textChanged.connect(lambda _: changed())
        self.widget: QWidget = self.edit
        self.focusables: list[QWidget] = [self.edit]
        self.holds_text = True
        self._given: Any = None

    def set(self, item: Mapping[str, Any], lookup: Mapping[str, str]) -> None:
        self._given = item.get(self.cell.name)
        self.edit.setText("" if self._given is None else str(self._given))
        self.edit.setCursorPosition(0)  # a long value shows its start, as it reads

    def get(self) -> Item:
        text = self.edit.text()
        if text == ("" if self._given is None else str(self._given)):
            return {self.cell.name: self._given}
        return {self.cell.name: text.strip() or None}

    def blank(self) -> bool:
        return not self.edit.text().strip()


class _LabelCell:
    """Offered labels to pick, any other text typed in; what was not touched stays as it was."""

    def __init__(self, cell: Cell, changed: Changed) -> None:
        self.cell = cell
        self.box = QComboBox()
        self.box.setEditable(True)
        self.box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.box.setAccessibleName(cell.placeholder)
        for label in cell.offered:
            self.box.addItem(pretty(label), label)
        if cell.chars:
            _fixed_width(self.box, cell.chars, 34)  # room for the arrow
        line = self.box.lineEdit()
        assert line is not None
        line.setPlaceholderText(cell.placeholder)
        self.box.currentTextChanged.connect(lambda _: changed())
        self.widget: QWidget = self.box
        self.focusables: list[QWidget] = [self.box]
        self.holds_text = False
        self._given: Any = None
        self._shown = ""

    def set(self, item: Mapping[str, Any], lookup: Mapping[str, str]) -> None:
        self._given = item.get(self.cell.name)
        index = self.box.findData(self._given) if self._given is not None else -1
        self._shown = self.box.itemText(index) if index >= 0 else str(self._given or "")
        self.box.setCurrentIndex(index)
        self.box.setEditText(self._shown)

    def get(self) -> Item:
        text = self.box.currentText()
        if text == self._shown:
            return {self.cell.name: self._given}
        typed = text.strip()
        for label in self.cell.offered:
            if typed.casefold() in (label.casefold(), pretty(label).casefold()):
                return {self.cell.name: label}
        return {self.cell.name: typed or None}

    def blank(self) -> bool:
        return True


class _ChoiceCell:
    """One of a fixed few (a language's level), or none; a value from elsewhere is kept."""

    def __init__(self, cell: Cell, changed: Changed) -> None:
        self.cell = cell
        self.box = QComboBox()
        self.box.setAccessibleName(cell.placeholder)
        self.box.addItem(NO_CHOICE, None)
        for choice in cell.offered:
            self.box.addItem(choice, choice)
        self.box.setToolTip(cell.placeholder)
        if cell.chars:
            _fixed_width(self.box, cell.chars, 34)
        self.box.currentIndexChanged.connect(lambda _: changed())
        self.widget: QWidget = self.box
        self.focusables: list[QWidget] = [self.box]
        self.holds_text = False

    def set(self, item: Mapping[str, Any], lookup: Mapping[str, str]) -> None:
        value = item.get(self.cell.name)
        index = self.box.findData(value)
        if index < 0:
            self.box.addItem(str(value), value)
            index = self.box.count() - 1
        self.box.setCurrentIndex(index)

    def get(self) -> Item:
        return {self.cell.name: self.box.currentData()}

    def blank(self) -> bool:
        return True


class _LinkCell:
    """A record of the vault picked by name, or a name typed that is no record (both kept).

    The record's id goes under `link_id` and the typed name under the cell's own
    key; typing over a picked name lets go of the record.
    """

    def __init__(self, cell: Cell, changed: Changed, session: Session | None) -> None:
        self.cell = cell
        self._changed = changed
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(cell.placeholder)
        self.edit.setAccessibleName(cell.placeholder)
        self.edit.textChanged.connect(lambda _: changed())
        self.edit.textEdited.connect(self._on_edited)
        self.completer: RecordCompleter | None = None
        if session is not None and cell.link is not None:
            self.completer = RecordCompleter(session, cell.link, self.edit)
            self.completer.picked.connect(self.pick)
        self.widget: QWidget = self.edit
        self.focusables: list[QWidget] = [self.edit]
        self.holds_text = True
        self._given: Item = {}
        self._shown = ""
        self._id: str | None = None
        self._picked_name = ""

    def set(self, item: Mapping[str, Any], lookup: Mapping[str, str]) -> None:
        self._given = {k: item.get(k) for k in (self.cell.link_id, self.cell.name)}
        self._id = item.get(self.cell.link_id)
        name = item.get(self.cell.name)
        if self._id:
            self._shown = lookup.get(self._id) or name or "(deleted)"
        else:
            self._shown = name or ""
        self._picked_name = self._shown
        self.edit.setText(self._shown)
        self.edit.setCursorPosition(0)

    def pick(self, record_id: str, name: str) -> None:
        self._id, self._picked_name = record_id, name
        self.edit.setText(name)
        self._changed()

    def linked(self) -> str | None:
        """The id of the record this cell names, None for a name typed."""
        return self._id

    def _on_edited(self, text: str) -> None:
        if self._id is not None and text != self._picked_name:
            self._id = None

    def get(self) -> Item:
        text = self.edit.text()
        if text == self._shown and self._id == self._given[self.cell.link_id]:
            return dict(self._given)
        if self._id is not None:
            return {self.cell.link_id: self._id, self.cell.name: None}
        return {self.cell.link_id: None, self.cell.name: text.strip() or None}

    def blank(self) -> bool:
        return not self.edit.text().strip()


CellWidget = _LineCell | _LabelCell | _ChoiceCell | _LinkCell


class Row(QWidget):
    """One item: its cells line by line, and a button that removes it."""

    def __init__(
        self,
        spec: RowSpec,
        changed: Changed,
        session: Session | None,
        remove: Callable[[Row], None],
    ) -> None:
        super().__init__()
        self.cells: list[CellWidget] = []
        self.payload: Item = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        lines = QVBoxLayout()
        lines.setSpacing(2)
        for cells in spec.lines:
            line = QHBoxLayout()
            line.setSpacing(4)
            for cell in cells:
                made = _make_cell(cell, changed, session)
                self.cells.append(made)
                line.addWidget(made.widget, 0 if cell.chars else 1)
            lines.addLayout(line)
        row.addLayout(lines, 1)
        self.remove_button = QToolButton()
        self.remove_button.setText("\N{MULTIPLICATION SIGN}")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip(f"Remove this {spec.noun} ({_keys()})")
        self.remove_button.setAccessibleName(f"Remove this {spec.noun}")
        self.remove_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab stays on the values
        self.remove_button.clicked.connect(lambda: remove(self))
        row.addWidget(self.remove_button, 0, Qt.AlignmentFlag.AlignTop)

    def focusables(self) -> list[QWidget]:
        """Its fields in the order Tab visits them: as they read, the left label first."""
        return [w for cell in self.cells for w in cell.focusables]

    def first_text(self) -> QWidget:
        """Where typing starts in a new row: its first text cell (the number, not its type)."""
        shown = [c for c in self.cells if not c.widget.isHidden()]
        return next((c.widget for c in shown if c.holds_text), shown[0].widget)

    def set(self, item: Mapping[str, Any], lookup: Mapping[str, str]) -> None:
        self.payload = dict(item)
        for cell in self.cells:
            cell.set(item, lookup)
            if cell.cell.if_given:
                cell.widget.setVisible(item.get(cell.cell.name) is not None)

    def get(self) -> Item | None:
        """The item as the row holds it now; None when its text cells are all empty."""
        if all(c.blank() for c in self.cells if c.holds_text):
            return None
        out = dict(self.payload)
        for cell in self.cells:
            out.update(cell.get())
        return out


def _make_cell(cell: Cell, changed: Changed, session: Session | None) -> CellWidget:
    if cell.kind == "label":
        return _LabelCell(cell, changed)
    if cell.kind == "choice":
        return _ChoiceCell(cell, changed)
    if cell.kind == "link":
        return _LinkCell(cell, changed, session)
    return _LineCell(cell, changed)


def _article(noun: str) -> str:
    return "an" if noun[:1] in "aeiou" else "a"


def _keys() -> str:
    return REMOVE_KEYS.toString(QKeySequence.SequenceFormat.NativeText)


class RepeatedRows(QWidget):
    """One row per item; `header` (the list's name and its Add button) is placed by the form.

    In a form the header takes the label column, so a list costs as many lines
    as it has items, and one (its header) when it has none.
    """

    def __init__(
        self,
        spec: RowSpec,
        changed: Changed,
        session: Session | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.spec = spec
        self._changed = changed
        self._session = session
        self.lookup: Mapping[str, str] = {}  # names of the records link cells point to
        self.rows: list[Row] = []
        self.header = QWidget()
        self.heading = QLabel(spec.heading)
        self.add_button = QToolButton()
        self.add_button.setText("+")
        self.add_button.setAccessibleName(f"Add {spec.noun}")
        self.add_button.setToolTip(f"Add {_article(spec.noun)} {spec.noun}")
        self.add_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.add_button.clicked.connect(self.add_row)
        self.heading.setBuddy(self.add_button)
        head = QHBoxLayout(self.header)
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.heading)
        head.addStretch()
        head.addWidget(self.add_button, 0, Qt.AlignmentFlag.AlignTop)
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(4)
        remove = QShortcut(REMOVE_KEYS, self, self._remove_focused)
        remove.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        remove.setWhatsThis(f"Remove the {spec.noun} being edited")

    @property
    def widget(self) -> QWidget:
        """What the form lays out beside `header`: the rows."""
        return self

    def set(self, items: Sequence[Mapping[str, Any]] | None) -> None:
        """Show these items (and only these), in this order."""
        for row in self.rows:
            self._drop(row)
        self.rows = []
        for item in items or ():
            self._append(item)
        self._order()

    def get(self) -> list[Item]:
        return [item for row in self.rows if (item := row.get()) is not None]

    def add_row(self) -> None:
        """A new, empty row at the end, its first offered label chosen, the cursor in it."""
        defaults = {
            cell.name: cell.offered[0]
            for line in self.spec.lines
            for cell in line
            if cell.kind == "label" and cell.offered
        }
        row = self._append(defaults)
        self._order()
        row.first_text().setFocus()
        self._changed()

    def remove_row(self, row: Row) -> None:
        """Take a row out; the cursor goes to the row that takes its place, or to Add."""
        index = self.rows.index(row)
        focus = QApplication.focusWidget()
        had_focus = focus is not None and row.isAncestorOf(focus)
        self.rows.remove(row)
        self._drop(row)
        self._order()
        if had_focus or not self.rows:
            after = self.rows[min(index, len(self.rows) - 1)] if self.rows else None
            (after.first_text() if after is not None else self.add_button).setFocus()
        self._changed()

    def _drop(self, row: Row) -> None:
        self._rows.removeWidget(row)
        row.hide()
        row.deleteLater()

    def _remove_focused(self) -> None:
        focus = QApplication.focusWidget()
        row = next((r for r in self.rows if focus is not None and r.isAncestorOf(focus)), None)
        if row is not None:
            self.remove_row(row)

    def _append(self, item: Mapping[str, Any]) -> Row:
        row = Row(self.spec, self._changed, self._session, self.remove_row)
        row.set(item, self.lookup)
        self.rows.append(row)
        self._rows.addWidget(row)
        row.show()  # now, not on the next pass of the event loop: the cursor goes into it
        return row

    def _order(self) -> None:
        """Tab goes from Add through the rows top to bottom, then on to what follows the list.

        Rows made after the form would otherwise come last in the window's order.
        """
        chain = [self.add_button] + [w for row in self.rows for w in row.focusables()]
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)
