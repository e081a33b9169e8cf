"""The editor's widgets for a meeting's calendar side: a yes/no box (all day) and how
it repeats. Laid out by `editors.RecordEditor` like every field of `editor_fields`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QWidget

from liaison_desk.core.recurrence_text import FREQUENCIES, describe_rule, frequency, simple_rule
from liaison_desk.ui.record_fields import FieldSpec

Changed = Callable[[], None]


class CheckField:
    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self.box = QCheckBox()
        self.box.toggled.connect(lambda _: changed())
        self.widget: QWidget = self.box

    def get(self) -> Any:
        return self.box.isChecked()

    def set(self, value: Any) -> None:
        self.box.setChecked(bool(value))


class RepeatsField:
    """How a meeting repeats: none, daily, weekly, monthly or yearly; a rule that came
    from a calendar ("every second Tuesday, 10 times") is kept while its frequency is
    chosen, and shown in words with the rule itself."""

    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self._kept: str | None = None
        self._box = QComboBox()
        self._box.addItem("Does not repeat", "")
        for freq in FREQUENCIES:
            self._box.addItem(freq.capitalize(), freq)
        self.rule = QLabel()
        self.rule.setWordWrap(True)
        self.rule.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._changed = changed
        self._box.currentIndexChanged.connect(lambda _: self._chosen())
        self.widget: QWidget = QWidget()
        self.widget.setFocusProxy(self._box)
        row = QHBoxLayout(self.widget)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._box)
        row.addWidget(self.rule, 1)

    def get(self) -> Any:
        freq = self._box.currentData() or None
        return (
            self._kept if freq is not None and freq == frequency(self._kept) else simple_rule(freq)
        )

    def set(self, value: Any) -> None:
        self._kept = value or None
        index = self._box.findData(frequency(self._kept) or "")
        self._box.setCurrentIndex(max(index, 0))
        self._show()

    def _chosen(self) -> None:
        self._show()
        self._changed()

    def _show(self) -> None:
        rule = self.get()
        self.rule.setText(f"{describe_rule(rule)} · {rule}" if rule else "")
