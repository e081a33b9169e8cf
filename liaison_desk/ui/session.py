"""The GUI's handle on one vault: unlock, lock, and every read or write, off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Signal

from liaison_desk.core.errors import LiaisonError, VaultLocked
from liaison_desk.core.undo_history import UndoHistory
from liaison_desk.core.vault import Vault, VaultInfo
from liaison_desk.ui.runner import OnError, Runner

T = TypeVar("T")


class Session(QObject):
    """Owns the Vault object; only the runner's worker thread ever touches it."""

    unlocked = Signal()
    locked = Signal()
    changed = Signal(str)  # the kind of record that was written ("contact", "meeting", …)
    failed = Signal(str)  # a sentence for the status bar when no caller handles an error

    def __init__(self, vault_dir: Path, runner: Runner, *, demo: bool = False) -> None:
        super().__init__()
        self.vault_dir = vault_dir
        self.runner = runner
        self.demo = demo
        self.info: VaultInfo | None = None
        self._vault: Vault | None = None
        self._locks = 0  # bumped by lock(): an open() asked for before it must not win
        self.history = UndoHistory()  # this unlock's changes; touched only on the worker

    @property
    def is_unlocked(self) -> bool:
        return self.info is not None

    def _require(self) -> Vault:
        vault = self._vault
        if vault is None or vault.locked:
            raise VaultLocked("The vault is locked.")
        return vault

    def open(
        self,
        opener: Callable[[], Vault],
        on_done: Callable[[VaultInfo], None],
        on_error: OnError,
        context: QObject,
    ) -> None:
        """Run `opener` (unlock, create, recover…) on the worker and keep the vault it returns."""

        locks = self._locks

        def work() -> Vault:
            vault = opener()
            self._vault = vault
            return vault

        def done(vault: Vault) -> None:
            if locks != self._locks:
                return  # locked meanwhile: the lock queued after this has closed it
            self.info = vault.info
            self.demo = self.demo or vault.info.demo  # marked in the vault, however opened
            on_done(vault.info)
            self.unlocked.emit()

        self.runner.run(work, done, on_error, context)

    def unlock(
        self,
        passphrase: str,
        on_done: Callable[[VaultInfo], None],
        on_error: OnError,
        context: QObject,
    ) -> None:
        self.open(lambda: Vault.unlock(self.vault_dir, passphrase), on_done, on_error, context)

    def lock(self) -> None:
        """Drop the key: queued after any pending save, so nothing typed is lost.

        Also closes a vault still being opened, so a lock is never overtaken.
        """
        was_unlocked = self.info is not None
        self.info = None
        self._locks += 1

        def work() -> None:
            self.history.clear()  # the values it keeps are plaintext: they go with the key
            if self._vault is not None:
                self._vault.lock()
                self._vault = None

        self.runner.run(work, lambda _: None, self._report, self)
        if was_unlocked:
            self.locked.emit()

    def read(
        self,
        work: Callable[[Vault], T],
        on_done: Callable[[T], None],
        context: QObject,
        on_error: OnError | None = None,
    ) -> None:
        self.runner.run(lambda: work(self._require()), on_done, on_error or self._report, context)

    def write(
        self,
        kind: str,
        work: Callable[[Vault], T],
        on_done: Callable[[T], None],
        context: QObject,
        on_error: OnError | None = None,
    ) -> None:
        """Like read(), then tell every view showing `kind` that it changed."""

        def done(result: T) -> None:
            self.changed.emit(kind)
            on_done(result)

        self.runner.run(lambda: work(self._require()), done, on_error or self._report, context)

    def on_vault(self, work: Callable[[Vault], T]) -> T:
        """One step of a longer job run on another worker (a relay sync's network work):
        done on the vault's worker, waited for; a lock in between makes the next step fail."""
        return self.runner.call(lambda: work(self._require()))

    def _report(self, error: LiaisonError) -> None:
        self.failed.emit(error.message)
