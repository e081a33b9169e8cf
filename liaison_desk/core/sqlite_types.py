"""The shape of the vault's database connection, for type checking; imports no SQLite driver.

`core.connection.VaultConnection` is the one implementation. Modules that only pass a
connection around (and the relay's wire-format code, which must load without
sqlcipher3) import these protocols instead of the driver. Rows are `Any`, as in
the standard library's stubs: their shape is the query's, which no checker knows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

Parameters = Sequence[Any] | Mapping[str, Any]


class Cursor(Protocol):
    """The result of one statement; its rows are read as they are fetched."""

    @property
    def lastrowid(self) -> int | None: ...

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Blob(Protocol):
    """An incremental read or write of one BLOB cell (an attachment's bytes)."""

    def read(self, length: int = -1, /) -> bytes: ...

    def write(self, data: bytes, /) -> None: ...

    def close(self) -> None: ...


class Connection(Protocol):
    """An open vault database: statements, transactions by SQL, blobs, and closing."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, parameters: Parameters = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Parameters], /) -> Cursor: ...

    def open_blob(
        self, table: str, column: str, row: int, /, *, readonly: bool = False
    ) -> Blob: ...

    def set_progress_handler(self, handler: Callable[[], object] | None, n: int, /) -> None: ...

    def close(self) -> None: ...
