"""The time zone picker of the meeting editor and of Preferences."""

from __future__ import annotations

import functools

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QCompleter

from liaison_desk.core.station_zone import zone_names


@functools.cache
def _sorted_names() -> tuple[str, ...]:
    # Listing the zones scans the tzdata folder (~20 ms): once per process.
    return tuple(sorted(zone_names()))


def zone_box(placeholder: str) -> QComboBox:
    """A time zone picked from every IANA name by typing any part of it (blank allowed)."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.addItems(["", *_sorted_names()])
    completer = box.completer()
    line = box.lineEdit()
    assert completer is not None and line is not None  # an editable combo has both
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    line.setPlaceholderText(placeholder)
    return box
