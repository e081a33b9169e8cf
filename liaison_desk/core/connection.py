"""The vault's database connection, with every statement's failure sorted by blame in one place.

A thin wrapper around the sqlcipher3 connection, in the manner of qutebrowser's
`misc/sql.py`: each statement, each row fetched (a damaged page can fail at
fetch time, after the statement started) and each blob read or write maps a
`sqlcipher3.Error` through `sql_errors.known_error`. The environment's faults
come out as a LiaisonError sentence, so a damaged or unreadable vault reads the
same in the CLI and the GUI; anything else is our bug and propagates unchanged.

The wrapper costs one Python call per statement and per fetch; rows are
iterated by the driver itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sqlcipher3

from liaison_desk.core.sql_errors import known_error
from liaison_desk.core.sqlite_types import Parameters


def _sorted(exc: Exception, read_only: str | None = None) -> Exception:
    """The sentence for the environment's fault (caused by `exc`), or `exc` itself: our bug."""
    known = known_error(exc, read_only)
    if known is None:
        return exc
    known.__cause__ = exc  # as `raise known from exc` would
    return known


class VaultCursor:
    """One statement's result (implements `sqlite_types.Cursor`)."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlcipher3.Cursor) -> None:
        self._cursor = cursor

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid  # type: ignore[no-any-return]

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount  # type: ignore[no-any-return]

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except sqlcipher3.Error as exc:
            raise _sorted(exc)  # noqa: B904 (the cause is set by _sorted)

    def fetchall(self) -> list[Any]:
        try:
            return self._cursor.fetchall()  # type: ignore[no-any-return]
        except sqlcipher3.Error as exc:
            raise _sorted(exc)  # noqa: B904 (the cause is set by _sorted)

    def __iter__(self) -> Iterator[Any]:
        try:
            yield from self._cursor
        except sqlcipher3.Error as exc:
            raise _sorted(exc)  # noqa: B904 (the cause is set by _sorted)


class VaultBlob:
    """An attachment's bytes read or written in pieces (implements `sqlite_types.Blob`)."""

    __slots__ = ("_blob",)

    def __init__(self, blob: Any) -> None:  # sqlcipher3's Blob, not exported by name
        self._blob = blob

    def read(self, length: int = -1, /) -> bytes:
        try:
            return self._blob.read(length)  # type: ignore[no-any-return]
        except sqlcipher3.Error as exc:
            raise _sorted(exc)  # noqa: B904 (the cause is set by _sorted)

    def write(self, data: bytes, /) -> None:
        try:
            self._blob.write(data)
        except sqlcipher3.Error as exc:
            raise _sorted(exc)  # noqa: B904 (the cause is set by _sorted)

    def close(self) -> None:
        self._blob.close()


class VaultConnection:
    """An open vault database (implements `sqlite_types.Connection`).

    `read_only`, for a vault opened read-only because its disk cannot be written
    (`core.vault_media`), is the sentence every attempt to write fails with.
    """

    __slots__ = ("_conn", "_read_only")

    def __init__(self, conn: sqlcipher3.Connection, read_only: str | None = None) -> None:
        self._conn = conn
        self._read_only = read_only

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction  # type: ignore[no-any-return]

    def execute(self, sql: str, parameters: Parameters = (), /) -> VaultCursor:
        try:
            return VaultCursor(self._conn.execute(sql, parameters))
        except sqlcipher3.Error as exc:
            raise _sorted(exc, self._read_only)  # noqa: B904 (the cause is set by _sorted)

    def executemany(self, sql: str, rows: Iterable[Parameters], /) -> VaultCursor:
        try:
            return VaultCursor(self._conn.executemany(sql, rows))
        except sqlcipher3.Error as exc:
            raise _sorted(exc, self._read_only)  # noqa: B904 (the cause is set by _sorted)

    def open_blob(
        self, table: str, column: str, row: int, /, *, readonly: bool = False
    ) -> VaultBlob:
        try:
            return VaultBlob(self._conn.open_blob(table, column, row, readonly=readonly))
        except sqlcipher3.Error as exc:
            raise _sorted(exc, self._read_only)  # noqa: B904 (the cause is set by _sorted)

    def set_progress_handler(self, handler: Callable[[], object] | None, n: int, /) -> None:
        self._conn.set_progress_handler(handler, n)

    def close(self) -> None:
        self._conn.close()
