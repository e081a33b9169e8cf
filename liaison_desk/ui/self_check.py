"""The GUI part of `liaison-desk self-test`: the real window started, unlocked and drawn.

Drives the same Launcher `liaison-desk` starts with: the unlock dialog, the
passphrase typed into it, the main window with its first page of contacts.
The CLI reaches it through `ui.entry`. Qt is imported only when the check
runs, so the CLI can name WindowCheckFailed without loading Qt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.vault import is_vault

WINDOW_TIMEOUT_S = 60.0
ICON = "liaison-desk.png"


class WindowCheckFailed(LiaisonError):
    """The window did not get there; the message says where it stopped (after "FAIL")."""


def _expect(condition: bool, reason: str) -> None:
    if not condition:
        raise WindowCheckFailed(reason)


def _contacts(rows: int) -> str:
    return f"{rows:,} contact{'' if rows == 1 else 's'}"


def _platform_for_this_machine() -> None:
    if not (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def show_main_window(
    vault_dir: Path, passphrase: str, settings_file: Path, mark: Callable[[str], None]
) -> str:
    """Start the GUI on a vault: unlock dialog, passphrase typed, main window with contacts.

    `mark` is called with "dialog" (the dialog is up and one event pass done), "clicked",
    "unlocked" and "ready" (the first page of contacts is in, one more event pass). Returns
    a detail for the ok line; raises WindowCheckFailed if the window did not get there within
    WINDOW_TIMEOUT_S.
    """
    _expect(is_vault(vault_dir), f"{vault_dir} is not a vault")
    _expect((resource_dir() / ICON).is_file(), f"resources/{ICON} is missing")
    _platform_for_this_machine()
    from PySide6.QtCore import (
        QMessageLogContext,
        QSettings,
        QTimer,
        QtMsgType,
        qInstallMessageHandler,
    )
    from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QPushButton

    from liaison_desk.ui.app import Launcher, application
    from liaison_desk.ui.runner import Runner

    def quiet(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if "propagateSizeHints" not in message:  # said by the offscreen plugin for each window
            print(f"Qt: {message}", file=sys.stderr)

    qInstallMessageHandler(quiet)
    app = application([sys.argv[0]])
    runner = Runner("vault")
    settings = QSettings(str(settings_file), QSettings.Format.IniFormat)
    launcher = Launcher(vault_dir, settings_file.with_name("demo"), settings, runner)
    outcome: list[str] = []
    problems: list[str] = []

    def give_up(reason: str) -> None:
        if not problems and not outcome:
            problems.append(reason)
            app.quit()

    def type_passphrase() -> None:
        dialog = launcher.dialog
        field = dialog.findChild(QLineEdit, "unlockPassphrase") if dialog else None
        button = dialog.findChild(QPushButton, "unlockButton") if dialog else None
        if field is None or button is None:
            give_up("no unlock dialog appeared")
            return
        mark("dialog")
        field.setText(passphrase)
        mark("clicked")
        button.click()

    def unlocked() -> None:
        window = launcher.window
        if window is None:
            give_up("the unlock dialog closed without a main window")
            return
        mark("unlocked")
        contacts = next(s for s in window.sections if s.title == "Contacts").model
        contacts.loaded.connect(lambda: QTimer.singleShot(0, lambda: finish(contacts.rowCount())))
        contacts.load_failed.connect(give_up)
        if contacts.rowCount() > 0:  # the first page came before this was connected
            QTimer.singleShot(0, lambda: finish(contacts.rowCount()))

    def finish(rows: int) -> None:
        window = launcher.window
        if window is None or outcome or problems:
            return
        app.processEvents()
        mark("ready")
        picture = window.grab()
        if picture.isNull() or picture.width() < 100:
            give_up("the main window rendered nothing")
            return
        if app.windowIcon().isNull():
            give_up(f"the icon {ICON} is missing from resources/")
            return
        outcome.append(
            f"platform {app.platformName()}, {picture.width()}x{picture.height()}, "
            f"{_contacts(rows)} listed"
        )
        window.close()
        app.quit()

    def watch() -> None:
        dialog = launcher.dialog
        error = dialog.findChild(QLabel, "unlockError") if dialog else None
        if error is not None and error.isVisible() and error.text():
            give_up(error.text())

    launcher.start()
    dialog = launcher.dialog  # held here: the Launcher lets go of it once the window is up
    if not isinstance(dialog, QDialog):
        raise WindowCheckFailed("no unlock dialog appeared")
    dialog.accepted.connect(unlocked)  # after the Launcher's own slot: the window exists
    QTimer.singleShot(0, type_passphrase)
    watcher = QTimer()
    watcher.timeout.connect(watch)
    watcher.start(50)
    late = f"no list of contacts after {WINDOW_TIMEOUT_S:.0f} s"
    QTimer.singleShot(round(WINDOW_TIMEOUT_S * 1000), lambda: give_up(late))
    app.exec()
    watcher.stop()
    for window in (launcher.window, launcher.dialog):
        if window is not None:
            window.close()
    runner.shutdown()
    settings.sync()  # now, not when the object is collected after its folder is gone
    if problems:
        raise WindowCheckFailed(problems[0])
    return outcome[0]
