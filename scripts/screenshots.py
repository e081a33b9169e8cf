"""Render the main screens of a demo vault to docs/screenshots/*.png (offscreen).

.venv/bin/python scripts/screenshots.py      # or: make screenshots
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from liaison_desk.core.demo import create_demo_vault
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.ui.app import UnlockDialog, application
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.search_dialog import SearchDialog
from liaison_desk.ui.session import Session

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def settle(app: QApplication, runner: Runner, until: Callable[[], bool] = lambda: True) -> None:
    """Let queued vault work and repaints finish (bounded: never hang a build)."""
    deadline = time.monotonic() + 20
    quiet = 0
    while time.monotonic() < deadline and quiet < 5:
        app.processEvents()
        time.sleep(0.02)
        quiet = quiet + 1 if not runner.busy and until() else 0


def shoot(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def main() -> int:
    app = application(sys.argv[:1])
    runner = Runner("screenshots")
    with tempfile.TemporaryDirectory() as tmp:
        vault, _ = create_demo_vault(Path(tmp) / "demo")
        session = Session(Path(tmp) / "demo", runner, demo=True)
        session.open(lambda: vault, lambda _: None, lambda e: print(e.message), session)
        settle(app, runner, lambda: session.is_unlocked)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        settle(app, runner)
        names = ("contacts", "organizations", "meetings", "followups", "protocol")
        for row, name in enumerate(names):
            window.sidebar.setCurrentRow(row)
            section = window.sections[row]
            settle(app, runner, lambda s=section: s.model.rowCount() > 0)
            first = section.model.record_at(0)
            if first is not None:
                section.open_record(first.id)
            settle(app, runner)
            shoot(window, name)
        window.sidebar.setCurrentRow(len(names))  # Sync: the demo station's enrolment steps
        settle(
            app,
            runner,
            lambda: window.sync_section is not None and window.sync_section.state is not None,
        )
        shoot(window, "sync")
        window.sidebar.setCurrentRow(0)
        window.open_search()
        dialog = window.findChild(SearchDialog)
        if dialog is not None:
            dialog.box.setText("maritime secur*")
            settle(app, runner, lambda: dialog.results.rowCount() > 0)
            shoot(dialog, "search")
            dialog.close()
        window.lock()
        settle(app, runner)
        shoot(window, "locked")
        window.close()
        settle(app, runner)

        wizard = FirstRunWizard(Path(tmp) / "new", Path(tmp) / "demo2", runner, KdfParams.floor())
        wizard.resize(640, 480)
        wizard.show()
        settle(app, runner)
        shoot(wizard, "first-run")
        wizard.next()
        settle(app, runner)
        shoot(wizard, "first-run-passphrase")
        wizard.close()
        unlock = UnlockDialog(Session(Path(tmp) / "demo", runner))
        unlock.show()
        settle(app, runner)
        shoot(unlock, "unlock")
        unlock.close()
    runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
