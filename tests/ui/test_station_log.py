"""HQ's station view: the station's security log, each entry marked where its chain verifies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from liaison_desk.core.vault import Vault
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.station_log_dialog import BROKEN, VERIFIED, StationLogDialog
from liaison_desk.ui.sync_section import SyncSection
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, exchange, make_vault
from tests.ui.vault_work import on_vault


@pytest.fixture
def hq_session(qtbot: QtBot, tmp_path: Path, qapp: object) -> Iterator[Session]:
    """HQ holding Lagos's log: Lagos changed its passphrase and sent a bundle."""
    hq = make_vault(tmp_path, "HQ", "hq")
    lagos = make_vault(tmp_path, "Lagos")
    enrol_station(hq, lagos)
    lagos.change_passphrase(PASSPHRASE, "lagos has another passphrase now")
    exchange(lagos, hq, tmp_path / "usb")
    lagos.lock()
    runner = Runner("hq")
    session = Session(hq.path, runner)
    session.open(lambda: hq, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    yield session
    session.lock()
    runner.shutdown()


def _open_log(qtbot: QtBot, section: SyncSection) -> StationLogDialog:
    section.table.selectRow(0)
    assert section.log_button.isEnabled()
    section.log_button.click()
    qtbot.waitUntil(lambda: section.log_button.dialog is not None)
    dialog = section.log_button.dialog
    assert dialog is not None
    return dialog


def _rows(dialog: StationLogDialog) -> list[list[str]]:
    model = dialog.model
    return [
        [str(model.index(r, c).data()) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_log_shows_verified_then_a_broken_chain_named(
    qtbot: QtBot, hq_session: Session
) -> None:
    section = SyncSection(hq_session)
    qtbot.addWidget(section)
    section.show()
    qtbot.waitUntil(lambda: section.state is not None)
    assert section.log_button.isVisible() and not section.log_button.isEnabled()

    dialog = _open_log(qtbot, section)
    assert dialog.windowTitle() == "Security log of Lagos"
    assert dialog.summary.text().startswith(f"{VERIFIED} The chain verifies")
    rows = _rows(dialog)
    assert {row[3] for row in rows} >= {"vault-created", "enrolment", "passphrase-changed"}
    assert all(row[0] == VERIFIED for row in rows)
    dialog.reject()
    qtbot.waitUntil(lambda: section.log_button.dialog is None)

    def tamper(vault: Vault) -> None:
        vault.conn.execute(
            "UPDATE station_audit SET at = '2020-01-01T00:00:00.000Z' "
            "WHERE event = 'passphrase-changed'"
        )

    on_vault(qtbot, hq_session, tamper)
    dialog = _open_log(qtbot, section)
    assert dialog.summary.text().startswith(f"{BROKEN} The chain is broken.")
    assert "passphrase-changed" in dialog.summary.text() and "was edited" in dialog.summary.text()
    marks = {row[3]: row[0] for row in _rows(dialog)}
    assert marks["vault-created"] == VERIFIED and marks["passphrase-changed"] == BROKEN
    broken = dialog.model.index(len(_rows(dialog)) - 1, 0)
    assert broken.data(Qt.ItemDataRole.ForegroundRole) is not None
