"""Starting the desktop application: first run, or unlock, then the main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog, QVBoxLayout, QWidget

from liaison_desk import __version__
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.open_copies import sweep
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.vault import is_vault
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.unlock import UnlockWidget

ICON = "liaison-desk.png"
# What tells Qt where to show a window on Linux: an X11 or Wayland session...
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY")
# ...or a platform chosen that needs neither (xcb or wayland chosen still need theirs).
SCREENLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")


class NoDisplay(LiaisonError):
    """No screen to show the window on: Qt would abort the process instead of saying so."""


def check_display(environ: Mapping[str, str], platform: str) -> None:
    """Raise NoDisplay on a Linux without X11 or Wayland (a server, an ssh session)."""
    chosen = environ.get("QT_QPA_PLATFORM", "").split(":")[0]
    if (
        platform.startswith("linux")
        and not any(environ.get(v) for v in DISPLAY_VARIABLES)
        and chosen not in SCREENLESS_PLATFORMS
    ):
        raise NoDisplay(
            "There is no display to show the window on: start Liaison Desk from a desktop"
            " session, or use its commands (liaison-desk --help)."
        )


class UnlockDialog(QDialog):
    """The first thing a returning officer sees: one passphrase field.

    It names no station: the name is inside the encryption, and a copy kept
    beside it (in the settings) would tell whoever holds a lost laptop which
    station it serves. The window and every dialog name it once unlocked.
    """

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Unlock — Liaison Desk")
        self.form = UnlockWidget(session, title="")
        self.form.unlocked.connect(self.accept)
        QVBoxLayout(self).addWidget(self.form)
        self.resize(420, 260)


class Launcher(QObject):
    """Decides what to show first and hands the unlocked session to the main window."""

    def __init__(
        self,
        vault_dir: Path,
        demo_dir: Path,
        settings: QSettings,
        runner: Runner,
        kdf: KdfParams | None = None,
    ) -> None:
        super().__init__()
        self.vault_dir = vault_dir
        self.demo_dir = demo_dir
        self.settings = settings
        self.runner = runner
        self.kdf = kdf
        self.window: MainWindow | None = None
        self.dialog: QDialog | QWidget | None = None

    def start(self) -> None:
        if is_vault(self.vault_dir):
            session = Session(self.vault_dir, self.runner)
            dialog = UnlockDialog(session)
            dialog.accepted.connect(lambda: self.show_main(session))
            dialog.rejected.connect(QApplication.quit)
            self.dialog = dialog
            dialog.show()
        else:
            wizard = FirstRunWizard(self.vault_dir, self.demo_dir, self.runner, kdf=self.kdf)
            wizard.opened.connect(self.show_main)
            self.dialog = wizard
            wizard.show()

    def show_main(self, session: Session) -> None:
        self.window = MainWindow(session, self.settings)
        self.window.vault_tools.demo_dir = self.demo_dir
        self.window.show()
        if self.dialog is not None:
            self.dialog.close()
            self.dialog = None


def application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv or sys.argv)
    app.setApplicationName("Liaison Desk")
    app.setOrganizationName("LiaisonDesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(QIcon(str(resource_dir() / ICON)))
    return app


def run_gui(vault_dir: Path, demo_dir: Path) -> int:
    """The GUI's main(): returns the process exit code."""
    check_display(os.environ, sys.platform)
    app = application()
    sweep()  # copies of attachments a crashed run left open
    runner = Runner("vault")
    launcher = Launcher(vault_dir, demo_dir, QSettings(), runner)
    launcher.start()
    code = app.exec()
    runner.shutdown()
    return code
