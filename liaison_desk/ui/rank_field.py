"""A contact's rank in the editor: picked from the rank table (`core.ranks`) or typed freely.

The completer offers the ranks of the contact's nation (every nation's while the
country is blank), each with its service and NATO code; typing filters them by any
part of the name, in the nation's words or in English. A picked rank keeps the code
it was picked with ("Captain" picked as the US Navy's stays OF-5); text that maps to
no code is kept as typed and shown as "not mapped". The code travels as its own
editor field (`rank_code`), read from this widget by `RankCodeField`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import QCompleter, QHBoxLayout, QLabel, QLineEdit, QWidget

from liaison_desk.core.ranks import NOT_MAPPED, Rank, rank_table, unmapped_reason
from liaison_desk.ui.record_fields import FieldSpec

Changed = Callable[[], None]


class RankField:
    """The rank's text, a completer over the table, and the code it maps to beside it."""

    def __init__(self, spec: FieldSpec, changed: Changed) -> None:
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(spec.placeholder)
        # The code sits inside the field, at its right end: the form keeps one line edit
        # per rank, as every other text field has.
        self.status = QLabel()
        self.status.setCursor(Qt.CursorShape.ArrowCursor)
        room = self.status.fontMetrics().horizontalAdvance(NOT_MAPPED) + 12
        inside = QHBoxLayout(self.edit)
        inside.setContentsMargins(0, 0, 6, 0)
        inside.addStretch()
        inside.addWidget(self.status)
        self.edit.setTextMargins(0, 0, room, 0)
        self._changed = changed
        self._country: str | None = None  # as typed in the contact's form
        self._nation: str | None = None  # whose ranks are offered (None: every nation's)
        # The rank picked (text, code, its nation) or loaded (nation None: whatever the country).
        self._picked: tuple[str, str, str | None] | None = None
        self._offered: dict[str, Rank] = {}
        self._model = QStringListModel()
        self.completer = QCompleter(self._model, self.edit)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.completer.setMaxVisibleItems(12)
        self.edit.setCompleter(self.completer)
        # After the line edit's own slot has written the label in: the name replaces it.
        self.completer.activated[str].connect(self._pick)  # type: ignore[index]
        self.edit.textChanged.connect(lambda _: self._show_code())
        self.edit.textChanged.connect(lambda _: changed())
        self.widget: QWidget = self.edit
        self.set_country(None)

    def set_country(self, country: str | None) -> None:
        """Offer the nation's ranks (every nation's when there is none, or none in the table)."""
        self._country = (country or "").strip().upper() or None
        table = rank_table()
        self._nation = self._country if self._country in table.nations else None
        ranks = table.of_nation(self._nation)
        # Every nation's ranks say whose they are.
        self._offered = {
            f"{r.label}, {r.nation}" if not self._nation else r.label: r for r in ranks
        }
        self._model.setStringList(list(self._offered))
        self._show_code()

    def _pick(self, label: str) -> None:
        """A rank picked from the list: its own name in the field, its code remembered."""
        rank = self._offered.get(label)
        if rank is not None:
            self._picked = (rank.native, rank.code, rank.nation)
            self.edit.setText(rank.native)
            self._show_code()  # the name may be the one typed already: the code is new
            self._changed()

    def code(self) -> str | None:
        """The code the rank as shown maps to: the one picked, else the table's."""
        text = self.edit.text().strip()
        if not text:
            return None
        if self._picked is not None:
            picked, code, nation = self._picked
            # A rank picked for one nation says nothing of another's.
            if picked == text and (None in (nation, self._nation) or nation == self._nation):
                return code
        return rank_table().code_of(text, self._country)

    def _show_code(self) -> None:
        text = self.edit.text().strip()
        code = self.code()
        self.status.setText(code or (NOT_MAPPED if text else ""))
        self.status.setStyleSheet("" if code else "color: #8a5a00; font-style: italic;")
        tip = unmapped_reason(text, self._country) if text and not code else None
        self.status.setToolTip(tip or "The rank's NATO code (STANAG 2116)")

    def get(self) -> Any:
        text = self.edit.text()
        return text if text.strip() else None

    def set(self, value: Any) -> None:
        self._picked = None
        self.edit.setText(value or "")

    def keep_code(self, code: str | None) -> None:
        """The code the record holds for its rank: kept while the text stays the same."""
        text = self.edit.text().strip()
        self._picked = (text, code, None) if text and code else None
        self._show_code()


class RankCodeField:
    """The `rank_code` editor field: no widget of its own, the rank field's code."""

    def __init__(self, rank: RankField) -> None:
        self.rank = rank
        self.widget: QWidget = rank.widget

    def get(self) -> Any:
        return self.rank.code()

    def set(self, value: Any) -> None:
        self.rank.keep_code(value)
