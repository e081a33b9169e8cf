"""Vault work off the GUI thread, results back on it (Anki's taskman/QueryOp, in small).

One single-worker executor owns every touch of the vault, so SQLite sees one
thread and writes never interleave. A result is delivered by a queued signal
to the GUI thread, and dropped if the QObject that asked has been destroyed
meanwhile (a closed dialog must not be called back).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal, Slot

from liaison_desk.core.errors import LiaisonError

log = logging.getLogger("liaison_desk.ui.runner")

T = TypeVar("T")
OnError = Callable[[LiaisonError], None]


class Runner(QObject):
    """Runs callables on one worker thread; calls back on the GUI thread."""

    _deliver = Signal(object)
    busy_changed = Signal(bool)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._pending = 0
        self._deliver.connect(self._on_deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: OnError,
        context: QObject,
    ) -> Future[T]:
        """Do `work` on the worker; then `on_done(result)` or `on_error(err)` if `context` lives.

        Only LiaisonError (the environment's or the user's fault) reaches on_error;
        anything else is a bug, logged with its traceback and shown as one.
        """
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        future = self._executor.submit(work)

        def finished(f: Future[T]) -> None:
            self._deliver.emit((f, on_done, on_error, context))

        future.add_done_callback(finished)
        return future

    def call(self, work: Callable[[], T]) -> T:
        """Do `work` on the worker and wait for it: for another worker thread, never the GUI's
        (it would freeze) nor this runner's own (it would wait for itself)."""
        return self._executor.submit(work).result()

    @Slot(object)
    def _on_deliver(self, payload: tuple[Future[Any], Any, OnError, QObject]) -> None:
        future, on_done, on_error, context = payload
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if not shiboken6.isValid(context):
            return
        exc = future.exception()
        if exc is None:
            on_done(future.result())
        elif isinstance(exc, LiaisonError):
            on_error(exc)
        else:
            log.error("background task failed", exc_info=exc)
            on_error(
                LiaisonError(f"Something went wrong inside Liaison Desk ({type(exc).__name__}).")
            )

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def shutdown(self) -> None:
        """Finish what is queued (a save must not be lost), then stop the thread."""
        self._executor.shutdown(wait=True)
