"""Table models of the Sync and Conflicts sections: peers with where they stand, open conflicts.

Both lists are short (a vault has one HQ or a few dozen stations; conflicts are
reviewed and go away), so each model holds the rows of its last read, made on
the vault's worker by the section. A reload with the same rows in the same
order only repaints, so selections survive a refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from liaison_desk.core.kinds import BY_NAME
from liaison_desk.sync.conflicts import Conflict
from liaison_desk.sync.status import PeerStatus
from liaison_desk.ui.record_fields import pretty
from liaison_desk.ui.record_model import ALERT_COLOUR

Index = QModelIndex | QPersistentModelIndex
KeyRole = Qt.ItemDataRole.UserRole + 1  # a peer's fingerprint, a conflict's number
_ROOT = QModelIndex()
_ROW_FLAGS = (
    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
)
LATE_SECONDS = 7 * 24 * 3600  # a station silent this long has its lag painted red

T = TypeVar("T")


def when(iso: str | None) -> str:
    """A stored UTC time as the rest of the window writes it: "2026-03-14 10:00 UTC"."""
    return f"{iso[:16].replace('T', ' ')} UTC" if iso else "never"


def lag_text(seconds: int | None) -> str:
    """How long since a peer was last heard from, in the largest unit that fits."""
    if seconds is None:
        return "never heard from"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "just now"


def field_label(conflict: Conflict) -> str:
    if conflict.is_deletion:
        return "Deleted or kept"
    return pretty(conflict.field.replace("_", " "))


def kind_label(entity: str) -> str:
    kind = BY_NAME.get(entity)
    return pretty(kind.name) if kind else entity


@dataclass(frozen=True)
class Column(Generic[T]):
    header: str
    text: Callable[[T], str]
    numeric: bool = False
    alert: Callable[[T], bool] | None = None


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of one read, shown through columns; `key` identifies a row across reloads."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        key: Callable[[T], object],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._key = key
        self._rows: list[T] = []

    @property
    def columns(self) -> tuple[Column[T], ...]:
        return self._columns

    def set_rows(self, rows: Sequence[T]) -> None:
        rows = list(rows)
        if [self._key(r) for r in rows] == [self._key(r) for r in self._rows] and rows:
            self._rows = rows
            last = self.index(len(rows) - 1, len(self._columns) - 1)
            self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def clear(self) -> None:
        self.set_rows([])

    def row_at(self, row: int) -> T | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, key: object) -> int | None:
        return next((i for i, r in enumerate(self._rows) if self._key(r) == key), None)

    def rows(self) -> list[T]:
        return list(self._rows)

    # -- QAbstractItemModel ------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].header
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Never raises: an index out of range or a role we do not serve gives None."""
        if not index.isValid() or index.parent().isValid():
            return None
        row, column = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= column < len(self._columns)):
            return None
        item, col = self._rows[row], self._columns[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = col.text(item)
            return text if role == Qt.ItemDataRole.DisplayRole else (text or None)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.alert and col.alert(item):
            return QColor(ALERT_COLOUR)
        if role == KeyRole:
            return self._key(item)
        return None


# -- peers ---------------------------------------------------------------------------------------


def _last_exchange(s: PeerStatus) -> str:
    times = [t for t in (s.last_in_at, s.last_out_at) if t]
    return when(max(times)) if times else "never"


def _late(s: PeerStatus) -> bool:
    return s.peer.active and (s.lag_seconds is None or s.lag_seconds > LATE_SECONDS)


_PEER_COLUMNS: tuple[Column[PeerStatus], ...] = (
    Column("Name", lambda s: s.peer.name),
    Column("Role", lambda s: "HQ" if s.peer.role == "hq" else "Station"),
    Column("Status", lambda s: "Enrolled" if s.peer.active else "Revoked"),
    Column("Held of theirs", lambda s: f"{s.held_of_theirs:,}", numeric=True),
    Column("Acknowledged of ours", lambda s: f"{s.acked_of_ours:,} of {s.ours:,}", numeric=True),
    Column("Pending", lambda s: f"{s.pending:,}", numeric=True),
    Column("Last exchange", _last_exchange),
)
_STATION_COLUMNS: tuple[Column[PeerStatus], ...] = (
    Column("Bundles in", lambda s: f"{s.bundles_in:,}", numeric=True),
    Column("Last bundle", lambda s: when(s.last_in_at)),
    Column("Lag", lambda s: lag_text(s.lag_seconds), alert=_late),
)


def peer_columns(role: str) -> tuple[Column[PeerStatus], ...]:
    """HQ watches its stations: each one's last bundle and how long ago it came."""
    return _PEER_COLUMNS + (_STATION_COLUMNS if role == "hq" else ())


class PeerTableModel(RowsModel[PeerStatus]):
    """The peers of this vault, one row each, as `sync.status.peer_status` reports them."""

    def __init__(self, role: str = "station", parent: QObject | None = None) -> None:
        super().__init__(peer_columns(role), lambda s: s.peer.fingerprint, parent)


# -- conflicts -----------------------------------------------------------------------------------


def _authors(c: Conflict) -> str:
    return f"{c.mine.author} / {c.theirs.author}"


_CONFLICT_COLUMNS: tuple[Column[Conflict], ...] = (
    Column("Record", lambda c: c.title),
    Column("Kind", lambda c: kind_label(c.entity)),
    Column("Field", field_label),
    Column("Changed by", _authors),
    Column("Found", lambda c: when(c.detected_at)),
)


class ConflictListModel(RowsModel[Conflict]):
    """Open conflicts, oldest first, one row each."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(_CONFLICT_COLUMNS, lambda c: c.n, parent)
