"""The Vault menu's tools: change the passphrase, back up, restore, open the demo.

What the CLI does with `passphrase change`, `backup create|restore` and `demo`,
through the same core functions, on the vault's worker. A restored vault or the
demo opens in a window of its own (each window holds one vault); that window
comes from `open_window`, so this module does not depend on the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu, QMessageBox, QProgressDialog

from liaison_desk.core.backup import create_backup
from liaison_desk.core.demo import open_demo
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.user_files import size_text
from liaison_desk.core.vault import VaultInfo
from liaison_desk.ui.session import Session
from liaison_desk.ui.vault_dialogs import ChangePassphraseDialog, RestoreDialog

OpenWindow = Callable[[Session], QMainWindow]
BACKUPS = "Liaison Desk backups (*.ldbackup)"


class VaultTools(QObject):
    """Adds its actions to the window's Vault menu, before `before` (Quit); one per window."""

    status_message = Signal(str)

    def __init__(
        self,
        window: QMainWindow,
        session: Session,
        menu: QMenu,
        open_window: OpenWindow,
        *,
        before: QAction,
        demo_dir: Path | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.open_window = open_window
        self.demo_dir = demo_dir
        self.folder = Path.home()
        self.windows: list[QMainWindow] = []  # the restored vaults and demos opened from here
        self.progress: QProgressDialog | None = None
        self.dialog: ChangePassphraseDialog | RestoreDialog | None = None
        self._menu, self._before = menu, before  # the tools go in their own group before it
        menu.insertSeparator(before)
        self.passphrase_action = self._action("&Change passphrase…", self.change_passphrase)
        self.backup_action = self._action("&Back up the vault…", self.back_up)
        self.restore_action = self._action("&Restore a backup…", self.restore)
        self.demo_action = self._action("Open the &demo vault", self.open_demo)
        menu.insertSeparator(before)
        for action in (self.passphrase_action, self.backup_action):
            session.unlocked.connect(lambda a=action: a.setEnabled(True))
            session.locked.connect(lambda a=action: a.setEnabled(False))
            action.setEnabled(session.is_unlocked)

    def _action(self, text: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(slot)
        self._menu.insertAction(self._before, action)
        return action

    # -- passphrase ----------------------------------------------------------------------------

    def change_passphrase(self) -> None:
        if not self.session.is_unlocked:
            return
        dialog = ChangePassphraseDialog(self.session, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(
            lambda: self.status_message.emit(
                "Passphrase changed. The old one no longer opens the vault."
            )
        )
        self.dialog = dialog
        dialog.open()

    # -- backups -------------------------------------------------------------------------------

    def back_up(self) -> None:
        """An encrypted copy of the vault in one file, where the user chooses."""
        info = self.session.info
        if info is None or self.progress is not None:
            return
        # Not the station's name: the file goes on a drive that can be lost.
        suggested = self.folder / f"liaison-desk-{date.today()}.ldbackup"
        name, _ = QFileDialog.getSaveFileName(
            self.window, "Back up the vault", str(suggested), BACKUPS
        )
        if not name:
            return
        dest = Path(name)
        if not dest.suffix:
            dest = dest.with_suffix(".ldbackup")
        self.folder = dest.parent
        self._busy("Writing the encrypted backup…")

        def done(size: int) -> None:
            self._idle(f"Backup written to {dest.name} ({size_text(size)}, encrypted).")

        self.session.read(
            lambda vault: create_backup(vault, dest), done, self, self._failed("Back up")
        )

    def restore(self) -> None:
        dialog = RestoreDialog(self.session.runner, self.folder, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._opened)
        self.dialog = dialog
        dialog.open()

    # -- the demo ------------------------------------------------------------------------------

    def open_demo(self) -> None:
        """The demo vault of fictional data (the one kept from before, or a new one), in a
        window of its own marked DEMO."""
        demo_dir = self.demo_dir
        if demo_dir is None or self.progress is not None:
            self.status_message.emit("This window was started without a demo folder.")
            return
        self._busy("Opening the demo vault of fictional people…")
        session = Session(demo_dir, self.session.runner, demo=True)

        def done(_info: VaultInfo) -> None:
            self._idle("The demo is open in its own window; nothing in it is real.")
            self._opened(session)

        def failed(error: LiaisonError) -> None:
            self._failed("Open the demo")(error)

        session.open(lambda: open_demo(demo_dir, replace_other=True)[0], done, failed, self)

    # -- shared --------------------------------------------------------------------------------

    def _opened(self, session: Session) -> None:
        window = self.open_window(session)
        tools = window.findChild(VaultTools)
        if isinstance(tools, VaultTools):
            tools.demo_dir = self.demo_dir  # the demo is one folder, whichever window opens it
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.destroyed.connect(lambda: self.windows.remove(window))
        self.windows.append(window)
        window.show()
        window.activateWindow()

    def _busy(self, text: str) -> None:
        progress = QProgressDialog(text, "", 0, 0, self.window)
        progress.setCancelButton(None)
        progress.setWindowTitle("Liaison Desk")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        self.progress = progress
        self.status_message.emit(text)
        progress.show()

    def _idle(self, message: str) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None
        self.status_message.emit(message)

    def _failed(self, title: str) -> Callable[[LiaisonError], None]:
        def show(error: LiaisonError) -> None:
            self._idle(error.message)
            QMessageBox.warning(self.window, title, error.message)

        return show
