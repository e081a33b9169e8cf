"""Lists of records: a lazy table model paged from the vault, and what each section lists.

The model holds the rows loaded so far and the total the query matches; it
asks the session for the next page only when a view wants it (Anki's browser
table, in small). Filters and sort orders become SQL, never Python over rows,
so a 100k-row list costs one page to open. Each page may be annotated with
values derived by SQL for those rows only (a contact's last meeting, whether a
follow-up is overdue), computed on the vault's worker thread with the page.
The same model feeds completers, matching what the user types in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCompleter, QLineEdit

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, MEETING, ORGANIZATION, PROTOCOL, Kind
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.ui.markings_style import colour
from liaison_desk.ui.record_fields import (
    annotate_contacts,
    annotate_followups,
    annotate_meetings,
    pretty,
)
from liaison_desk.ui.session import Session

PAGE_SIZE = 200
RELOAD_LIMIT = 5 * PAGE_SIZE  # a reload keeps at most this many rows the user scrolled through
RecordRole = Qt.ItemDataRole.UserRole + 1
IdRole = Qt.ItemDataRole.UserRole + 2
ALERT_COLOUR = "#c8102e"

Index = QModelIndex | QPersistentModelIndex
Extras = Mapping[str, Any]
Annotator = Callable[[Vault, Sequence[Any]], Mapping[str, Extras]]
_ROOT = QModelIndex()
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)
_SORTABLE_META = ("created_at", "updated_at")
_NOCASE = ("name", "full_name", "title")


@dataclass(frozen=True)
class Column:
    """One column of a list: the value shown, how it is written, how it sorts.

    `field` names a record attribute or an annotation of the page; `sort_field`
    is the stored column ORDER BY uses (by default `field`, when it is stored);
    `alert` names a boolean annotation that paints the cell red.
    """

    field: str
    header: str
    formatter: Callable[[Any], str] | None = None
    sort_field: str | None = None
    alert: str | None = None
    width_chars: int = 0


@dataclass(frozen=True)
class Row:
    record: Any
    extras: Extras = field(default_factory=dict)

    def value(self, name: str) -> Any:
        if name in self.extras:
            return self.extras[name]
        return getattr(self.record, name, None)


@dataclass(frozen=True)
class _Page:
    rows: list[Row]
    total: int | None


def display(value: Any) -> str:
    """A stored value as a cell shows it: lists joined, nothing for None."""
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


# -- the model -------------------------------------------------------------------------------


class RecordListModel(QAbstractTableModel):
    """Records of one kind, loaded a page at a time through the session's worker."""

    loaded = Signal()  # a (re)load from the first row arrived
    load_failed = Signal(str)

    def __init__(
        self,
        session: Session,
        kind: Kind[Any],
        columns: Sequence[Column],
        parent: QObject | None = None,
        *,
        annotate: Annotator | None = None,
        depends_on: Sequence[str] = (),
        query: ListQuery | None = None,
        lazy: bool = False,
    ) -> None:
        """`lazy`: read nothing until the first query or filter (a completer's matches)."""
        super().__init__(parent)
        self.kind = kind
        self.rows_fetched = 0
        self._session = session
        self._columns = tuple(columns)
        self._annotate = annotate
        self._watched = frozenset({kind.name, *depends_on})
        self._query = replace(query or ListQuery(), limit=PAGE_SIZE, offset=0)
        self._text = ""
        self._rows: list[Row] = []
        self._total = 0
        self._generation = 0
        self._busy = False
        self._failed = False
        self._active = not lazy
        session.changed.connect(self._on_changed)
        session.locked.connect(self._forget)
        session.unlocked.connect(self._on_unlocked)
        self._on_unlocked()

    # -- what the list shows -----------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def query(self) -> ListQuery:
        return self._query

    @property
    def total(self) -> int:
        """How many records the query matches (rows load as the view scrolls)."""
        return self._total

    @property
    def filter_text(self) -> str:
        return self._text

    @property
    def is_loading(self) -> bool:
        return self._busy

    def set_query(self, query: ListQuery) -> None:
        """Filter and sort by `query` (its limit and offset are the model's business)."""
        self._query = replace(query, limit=PAGE_SIZE, offset=0)
        self._restart()

    def set_filter_text(self, text: str) -> None:
        """Show only records whose name or title contains `text` (case-insensitive)."""
        text = text.strip()
        if text != self._text:
            self._text = text
            self._restart()

    def sort_field(self, column: int) -> str | None:
        """The stored field a column sorts by, or None if it cannot be sorted in SQL."""
        if not 0 <= column < len(self._columns):
            return None
        col = self._columns[column]
        name = col.sort_field or col.field
        stored = name in self.kind.fields and name not in self.kind.list_fields
        return name if stored or name in _SORTABLE_META else None

    def sort_column(self) -> int:
        """The column the current order sorts by, or -1 if no column shows it."""
        order = self._query.order_by or self.kind.default_order
        return next((i for i in range(len(self._columns)) if self.sort_field(i) == order), -1)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """ORDER BY the column's field in SQL; columns that are not stored do not sort."""
        name = self.sort_field(column)
        descending = order == Qt.SortOrder.DescendingOrder
        if name is None:
            return
        current = self._query.order_by or self.kind.default_order
        if name == current and descending == self._query.descending:
            return
        self._query = replace(self._query, order_by=name, descending=descending)
        self._restart()

    def record_at(self, row: int) -> Any | None:
        return self._rows[row].record if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: str) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.record.id == record_id), None)

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Load again from the first row; the rows shown stay until the new ones arrive."""
        loaded = -(-max(len(self._rows), PAGE_SIZE) // PAGE_SIZE) * PAGE_SIZE
        self._active = True
        self._request(0, min(loaded, RELOAD_LIMIT), first=True)

    def _restart(self) -> None:
        self._active = True
        self._request(0, PAGE_SIZE, first=True)

    def _on_unlocked(self) -> None:
        if self._active:
            self._restart()

    def _request(self, offset: int, limit: int, *, first: bool) -> None:
        if not self._session.is_unlocked:
            return  # unlocking loads again
        if first:
            self._generation += 1
            self._failed = False
        generation = self._generation
        self._busy = True
        kind, annotate = self.kind, self._annotate
        query = replace(self._query, limit=limit, offset=offset, title_contains=self._text or None)

        def work(vault: Vault) -> _Page:
            store = vault.store
            records = store.list(kind.cls, query)
            total = store.count(kind.cls, query) if first else None
            extras = annotate(vault, records) if annotate and records else {}
            return _Page([Row(r, extras.get(r.id, {})) for r in records], total)

        def done(page: _Page) -> None:
            if generation != self._generation:
                return
            self._busy = False
            self.rows_fetched += len(page.rows)
            if first:
                self._replace(page)
            else:
                self._append(offset, page)

        def failed(error: LiaisonError) -> None:
            if generation != self._generation:
                return
            self._busy = False
            self._failed = True  # no retry loop: the next reload or query tries again
            self.load_failed.emit(error.message)

        self._session.read(work, done, self, failed)

    def _replace(self, page: _Page) -> None:
        """Swap in reloaded rows, keeping selections on the same records when the size holds."""
        if len(page.rows) == len(self._rows):
            self.layoutAboutToBeChanged.emit()
            positions = {row.record.id: i for i, row in enumerate(page.rows)}
            old = self.persistentIndexList()
            new = []
            for index in old:
                moved = positions.get(self._rows[index.row()].record.id)
                new.append(self.index(moved, index.column()) if moved is not None else _ROOT)
            self._rows = page.rows
            self._total = page.total or 0
            self.changePersistentIndexList(old, new)
            self.layoutChanged.emit()
        else:
            self.beginResetModel()
            self._rows = page.rows
            self._total = page.total or 0
            self.endResetModel()
        self.loaded.emit()

    def _append(self, offset: int, page: _Page) -> None:
        if offset != len(self._rows):
            return
        if not page.rows:
            self._total = len(self._rows)  # records went away since the count
            return
        end = offset + len(page.rows)
        self.beginInsertRows(_ROOT, offset, end - 1)
        self._rows.extend(page.rows)
        self._total = max(self._total, end)
        self.endInsertRows()

    def _on_changed(self, kind_name: str) -> None:
        if kind_name in self._watched and self._active:
            self.reload()

    def _forget(self) -> None:
        """Locking drops decrypted rows from memory, not only the key."""
        self._generation += 1
        self._busy = False
        self.beginResetModel()
        self._rows = []
        self._total = 0
        self.endResetModel()

    # -- QAbstractItemModel ------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index) -> bool:
        if parent.isValid() or self._busy or self._failed:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._request(len(self._rows), PAGE_SIZE, first=False)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole and self.sort_field(section) is None:
            return f"{self._columns[section].header} (not sortable)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Never raises: an index out of range or a role we do not serve gives None."""
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self._columns)):
            return None
        item = self._rows[row]
        col = self._columns[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = item.value(col.field)
            text = col.formatter(value) if col.formatter else display(value)
            return text if role == Qt.ItemDataRole.DisplayRole else (text or None)
        if role == Qt.ItemDataRole.ForegroundRole:
            if col.alert and item.extras.get(col.alert):
                return QColor(ALERT_COLOUR)
            if col.field == "marking":
                return QColor(colour(item.record.marking, ()))
            return None
        if role == RecordRole:
            return item.record
        if role == IdRole:
            return item.record.id
        return None


# -- what each section lists ----------------------------------------------------------------


def _day(value: Any) -> str:
    return str(value)[:10] if value else ""


def _overdue(value: Any) -> str:
    return "Overdue" if value else ""


def _choice(value: Any) -> str:
    return pretty(str(value)) if value else ""


@dataclass(frozen=True)
class SectionSpec:
    """What one section lists and how: its columns, derived values and first filter."""

    title: str
    kind: Kind[Any]
    noun: str  # plural, for "1,234 contacts"
    columns: tuple[Column, ...]
    annotate: Annotator | None = None
    depends_on: tuple[str, ...] = ()  # other kinds whose changes alter this list
    query: ListQuery = field(default_factory=ListQuery)


_MARKING_COLUMN = Column("marking", "Marking", width_chars=14)
SPECS = (
    SectionSpec(
        "Contacts",
        CONTACT,
        "contacts",
        (
            Column("full_name", "Name", width_chars=26),
            Column("rank", "Rank", width_chars=14),
            Column("organization", "Organization", width_chars=22),
            Column("country", "Country", width_chars=7),
            Column("last_contact", "Last contact", _day, width_chars=11),
            Column("overdue", "Due", _overdue, alert="overdue", width_chars=8),
            _MARKING_COLUMN,
        ),
        annotate_contacts,
        # A contact's points, postings and relations show in its detail pane.
        ("meeting", "organization", "followup", "contact_point", "posting", "relation"),
    ),
    SectionSpec(
        "Organizations",
        ORGANIZATION,
        "organizations",
        (
            Column("name", "Name", width_chars=34),
            Column("kind", "Kind", _choice, width_chars=16),
            Column("country", "Country", width_chars=7),
            _MARKING_COLUMN,
        ),
        depends_on=("contact",),
    ),
    SectionSpec(
        "Meetings",
        MEETING,
        "meetings",
        (
            Column("when", "When", sort_field="starts_at", width_chars=16),
            Column("title", "Title", width_chars=30),
            Column("kind", "Kind", _choice, width_chars=10),
            Column("with", "With", width_chars=26),
            Column("place", "Place", width_chars=14),
            Column("repeats", "Repeats", width_chars=14),
            _MARKING_COLUMN,
        ),
        annotate_meetings,
        ("contact", "followup"),
        ListQuery(descending=True),  # a journal: the latest first
    ),
    SectionSpec(
        "Follow-ups",
        FOLLOWUP,
        "follow-ups",
        (
            Column("due", "Due", sort_field="due_date", alert="overdue", width_chars=22),
            Column("action", "Action", width_chars=34),
            Column("about", "About", width_chars=22),
            Column("owner", "Owner", width_chars=12),
            Column("status", "Status", _choice, width_chars=6),
            _MARKING_COLUMN,
        ),
        annotate_followups,
        ("contact", "meeting"),
        ListQuery(where={"status": "open"}),
    ),
    SectionSpec(
        "Protocol library",
        PROTOCOL,
        "references",
        (
            Column("title", "Title", width_chars=36),
            Column("country", "Country", lambda v: v or "General", width_chars=8),
            Column("category", "Category", _choice, width_chars=20),
            Column("version", "Version", width_chars=8),
            Column("effective_date", "Effective", width_chars=10),
            _MARKING_COLUMN,
        ),
    ),
)


# -- completion over a list ------------------------------------------------------------------


class RecordCompleter(QObject):
    """Completion from the vault for a line edit: matches are read off-thread as the user types."""

    picked = Signal(str, str)  # record id, title

    def __init__(self, session: Session, kind: Kind[Any], line: QLineEdit) -> None:
        super().__init__(line)
        self._line = line
        columns = [Column(kind.title_field, "Name")]
        self.model = RecordListModel(session, kind, columns, self, lazy=True)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setMaxVisibleItems(12)
        self.completer.setWidget(line)
        # The QModelIndex overload (the stubs know only one): ids, not names, identify records.
        self.completer.activated[QModelIndex].connect(self._on_activated)  # type: ignore[index]
        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self._query)
        line.textEdited.connect(lambda _: self._timer.start())
        self.model.loaded.connect(self._offer)

    def _query(self) -> None:
        text = self._line.text().strip()
        if text and text != self.model.filter_text:
            self.model.set_filter_text(text)  # offered when the matches arrive
        else:
            self._offer()

    def _offer(self) -> None:
        text = self._line.text().strip()
        if text and self._line.hasFocus() and self.model.rowCount():
            self.completer.complete()
        elif (popup := self.completer.popup()) is not None:
            popup.hide()

    def _on_activated(self, index: QModelIndex) -> None:
        record_id = index.data(IdRole)
        if isinstance(record_id, str):
            self.picked.emit(record_id, str(index.data()))
