"""A contact's form in tabs: who they are, how to reach them, their career, their people, notes.

A contact holds more than one column can show without scrolling forever, so
its fields are grouped the way an officer looks for them, one tab each, and
each tab holds a contact with three phones, two addresses, two postings and a
spouse in the editor pane of a window on a 1366x768 screen (tests/ui/test_fit.py).
Repeated details are compact rows (ui/repeated_rows.py): a list costs a line per
item. A tab's own Alt+letter opens it (Ctrl+Tab moves on); a field's Alt+letter
acts on the tab shown, so each tab uses each letter once, and none that the tab
titles or the window's menus (V, E, I, H) use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from PySide6.QtCore import QRegularExpression
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.kinds import CONTACT, ORGANIZATION
from liaison_desk.core.records import RELATION_KINDS
from liaison_desk.ui.contact_fields import LANGUAGE_LEVELS, OFFERED_LABELS
from liaison_desk.ui.record_fields import FieldSpec
from liaison_desk.ui.repeated_rows import Cell, RepeatedRows, RowSpec

PHOTO = "photo"  # where the photo editor sits (record_files.PhotoEditor), not a field
NAME_PARTS = ("given_name", "family_name", "name_prefix", "additional_names", "name_suffix")

# Tab titles take D, C, A, L, T: letters no field of any tab uses.
CONTACT_TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "I&dentity",
        (
            "full_name",
            "given_name",  # with the other parts of the name, on one row
            "nicknames",
            "aliases",
            "rank",
            "position",
            "org_id",
            "country",
            "languages",
            "birthday",  # with the anniversary
            PHOTO,
        ),
    ),
    ("Rea&ch", ("phones", "emails", "addresses", "web", "im")),
    ("C&areer", ("postings", "diplomatic_rank", "accredited_on")),
    ("Peop&le", ("relations",)),
    (
        "No&tes",
        ("how_met", "trust_notes", "notes", "cadence_days", "tags", "marking", "distribution"),
    ),
)

_TYPE = 7  # characters: the widest offered label, "Mobile" or "Signal"
_DATE = r"\d{4}(-\d{2}(-\d{2})?)?"  # a posting's year, month or day: 2019, 2019-09


def _kind(channel: str, what: str = "Type") -> Cell:
    return Cell("label", what, "label", OFFERED_LABELS[channel], chars=_TYPE)


ROW_SPECS: dict[str, RowSpec] = {
    "languages": RowSpec(
        "Lan&guages",
        "language",
        ((Cell("language", "Code, e.g. fr"), Cell("level", "Level", "choice", LANGUAGE_LEVELS)),),
    ),
    "phones": RowSpec(
        "&Phones",
        "phone",
        (
            (
                _kind("phone"),
                Cell("value", "Number, e.g. +33 1 23 45 67 89"),
                Cell("extension", "Ext.", chars=5, pattern=r"[0-9*#]{0,20}"),
            ),
        ),
    ),
    "emails": RowSpec("E&mails", "email", ((_kind("email"), Cell("value", "Address")),)),
    "addresses": RowSpec(
        "Add&resses",
        "address",
        (
            (Cell("value", "As written", if_given=True),),
            (_kind("address"), Cell("street", "Street")),
            (
                Cell("postcode", "Postcode", chars=8),
                Cell("locality", "Town or city"),
                Cell("region", "Region"),
            ),
            (
                Cell("country", "Country"),
                Cell("extended", "Building, floor"),
                Cell("po_box", "PO box", chars=8),
            ),
        ),
    ),
    "web": RowSpec("&Web", "web page", ((_kind("web"), Cell("value", "https://…")),)),
    "im": RowSpec(
        "Messa&ging",
        "handle",
        ((_kind("im", "Service"), Cell("value", "Handle or number")),),
    ),
    "postings": RowSpec(
        "&Postings",
        "posting",
        (
            (
                Cell("title", "Position held"),
                Cell("starts_on", "From", chars=8, pattern=_DATE),
                Cell("ends_on", "To: now", chars=8, pattern=_DATE),
            ),
            (Cell("organization", "Organization", "link", link=ORGANIZATION, link_id="org_id"),),
        ),
    ),
    "relations": RowSpec(
        "&Relations",
        "person",
        (
            (
                Cell("relation", "Relation", "label", RELATION_KINDS, chars=11),
                Cell("name", "A contact, or a name", "link", link=CONTACT, link_id="other_id"),
            ),
        ),
    ),
}

_DAY = re.compile(r"^\d{2}-\d{2}$")


class DayField:
    """A birthday or an anniversary: 1974-03-14, or 03-14 when the year is not known.

    The core stores a day without its year as --03-14 (vCard's form); typed as
    03-14 here, it is read so.
    """

    def __init__(self, spec: FieldSpec, changed: Callable[[], None]) -> None:
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(spec.placeholder)
        self.edit.setToolTip("A date like 1974-03-14, or 03-14 without the year")
        pattern = QRegularExpression(r"[-0-9]{0,10}")  # the core says what is no date
        self.edit.setValidator(QRegularExpressionValidator(pattern, self.edit))
        self.edit.textChanged.connect(lambda _: changed())
        self.widget: QWidget = self.edit

    def get(self) -> Any:
        text = self.edit.text().strip()
        return f"--{text}" if _DAY.match(text) else text or None

    def set(self, value: Any) -> None:
        self.edit.setText(value or "")


class _Shown(Protocol):
    widget: QWidget


class ContactTabs(QTabWidget):
    """The tabs of a contact's form, filled with the editor's field widgets."""

    def __init__(
        self,
        specs: Mapping[str, FieldSpec],
        fields: Mapping[str, _Shown | RepeatedRows],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.photo_place = QVBoxLayout()
        self.photo_place.setContentsMargins(0, 0, 0, 0)
        self.forms: list[QFormLayout] = []
        for title, names in CONTACT_TABS:
            form = QFormLayout()
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name in names:
                if name == PHOTO:
                    form.addRow(self.photo_place)
                elif name == "given_name":
                    form.addRow("Na&me parts", _name_parts(fields))
                elif name == "birthday":
                    form.addRow(specs[name].label, _days(specs, fields))
                elif isinstance(fld := fields[name], RepeatedRows):
                    form.addRow(fld.header, fld)
                else:
                    form.addRow(specs[name].label, fld.widget)
            self.forms.append(form)
            self.addTab(_page(form), title)


def _name_parts(fields: Mapping[str, _Shown | RepeatedRows]) -> QWidget:
    """The structured name on two lines: given and family names, then the rarer parts."""
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setSpacing(4)
    given, family, prefix, additional, suffix = (fields[n].widget for n in NAME_PARTS)
    grid.addWidget(given, 0, 0, 1, 2)
    grid.addWidget(family, 0, 2, 1, 2)
    grid.addWidget(prefix, 1, 0)
    grid.addWidget(additional, 1, 1, 1, 2)
    grid.addWidget(suffix, 1, 3)
    box.setFocusProxy(given)
    return box


def _days(specs: Mapping[str, FieldSpec], fields: Mapping[str, _Shown | RepeatedRows]) -> QWidget:
    """Birthday and anniversary side by side: two short values, one line."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    anniversary = fields["anniversary"].widget
    label = QLabel(specs["anniversary"].label)
    label.setBuddy(anniversary)
    row.addWidget(fields["birthday"].widget, 1)
    row.addWidget(label)
    row.addWidget(anniversary, 1)
    box.setFocusProxy(fields["birthday"].widget)
    return box


def _page(form: QFormLayout) -> QScrollArea:
    """A tab's page; a contact with a dozen phones scrolls inside its tab."""
    inner = QWidget()
    inner.setLayout(form)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    return scroll
