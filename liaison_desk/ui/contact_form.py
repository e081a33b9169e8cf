"""A contact's form in tabs: who they are, how to reach them, and the notes kept on them.

A contact holds more than one column can show without scrolling forever, so
its fields are grouped the way an officer looks for them, one tab each, and
each tab fits the editor pane of a window on a 1366x768 screen
(tests/ui/test_fit.py). A tab's own Alt+letter opens it (Ctrl+Tab moves on);
a field's Alt+letter acts on the tab shown, so each tab uses each letter once,
and none the tab titles or the window's menus (V, E, I, H) use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.ui.record_fields import FieldSpec
from liaison_desk.ui.repeated_rows import RepeatedRows

PHOTO = "photo"  # where the photo editor sits (record_files.PhotoEditor), not a field

# Tab titles take D, C, A, L, T: letters no field of any tab uses.
CONTACT_TABS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("I&dentity", ("full_name", "rank", "position", "org_id", "country", "languages", PHOTO)),
    ("Rea&ch", ("phones", "emails", "address")),
    (
        "No&tes",
        ("how_met", "trust_notes", "notes", "cadence_days", "tags", "marking", "distribution"),
    ),
)


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
                    continue
                fld = fields[name]
                if isinstance(fld, RepeatedRows):
                    form.addRow(fld.header, fld)
                else:
                    form.addRow(specs[name].label, fld.widget)
            self.forms.append(form)
            self.addTab(_page(form), title)


def _page(form: QFormLayout) -> QScrollArea:
    inner = QWidget()
    inner.setLayout(form)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(inner)
    return scroll
