"""The Gifts register in the window, its flag in sight; HQ's Declarations page, by station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLineEdit
from pytestqt.qtbot import QtBot

from liaison_desk.core.gifts import add_gift
from liaison_desk.core.records import Gift, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.ui.declarations_section import DeclarationsSection
from liaison_desk.ui.gift_section import FLAG
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_model import ALERT_COLOUR, IdRole
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, exchange, make_vault
from tests.ui.vault_work import on_vault

CTRL = Qt.KeyboardModifier.ControlModifier
FRANCE = 'France.\n\n```rules\n{"currency": "EUR", "received": 150}\n```\n'


def _gifts(qtbot: QtBot, window: MainWindow) -> RecordSection:
    gifts = next(s for s in window.sections if s.kind.name == "gift")
    window.open_section(gifts)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.waitUntil(lambda: bool(gifts.markings) and not gifts.model.is_loading)
    return gifts


def _type(qtbot: QtBot, gifts: RecordSection, name: str, text: str) -> None:
    line = gifts.editor.fields[name].widget
    assert isinstance(line, QLineEdit)
    line.clear()
    qtbot.keyClicks(line, text)


def _flag(gifts: RecordSection) -> tuple[str, Any]:
    column = next(i for i, c in enumerate(gifts.spec.columns) if c.field == "flag")
    index = gifts.model.index(0, column)
    return index.data(), index.data(Qt.ItemDataRole.ForegroundRole)


def test_an_entry_over_the_limit_is_flagged_in_the_list_and_the_detail(
    qtbot: QtBot, window: MainWindow, session: Session, qtmodeltester: Any
) -> None:
    on_vault(
        qtbot,
        session,
        lambda v: v.store.add(
            ProtocolRef(title="France", body=FRANCE, country="FR", category="gifts-hospitality")
        ),
    )
    gifts = _gifts(qtbot, window)
    qtbot.keyClick(gifts.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: gifts.stack.currentWidget() is gifts.editor)
    _type(qtbot, gifts, "description", "Engraved silver tray")
    _type(qtbot, gifts, "value", "180")
    _type(qtbot, gifts, "currency", "EUR")
    _type(qtbot, gifts, "country", "FR")
    with qtbot.waitSignal(gifts.saved) as saved:
        qtbot.keyClick(gifts.editor.fields["country"].widget, Qt.Key.Key_S, CTRL)
    gift_id = saved.args[0]
    qtbot.waitUntil(lambda: gifts.model.rowCount() == 1 and _flag(gifts)[0] == FLAG)
    assert _flag(gifts)[1] == QColor(ALERT_COLOUR)
    qtbot.waitUntil(
        lambda: "To declare to HQ: 180 EUR is over" in gifts.detail.browser.toPlainText()
    )
    qtmodeltester.check(gifts.model)

    gifts.edit_button.click()
    qtbot.waitUntil(lambda: gifts.stack.currentWidget() is gifts.editor)
    _type(qtbot, gifts, "value", "90")
    with qtbot.waitSignal(gifts.saved):
        qtbot.keyClick(gifts.editor.fields["value"].widget, Qt.Key.Key_S, CTRL)
    qtbot.waitUntil(lambda: _flag(gifts)[0] == "")
    saved_gift = on_vault(qtbot, session, lambda v: v.store.get(Gift, gift_id))
    assert (saved_gift.value, saved_gift.declaration) == ("90", None)
    assert saved_gift.direction == "received"  # the form's default


@pytest.fixture
def hq_session(tmp_path: Path, runner: Runner, qtbot: QtBot) -> Iterator[Session]:
    """HQ holding a declaration from Paris and an entry Paris need not declare."""
    hq, paris = make_vault(tmp_path, "hq", "hq"), make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    hq.store.add(
        ProtocolRef(title="France", body=FRANCE, country="FR", category="gifts-hospitality")
    )
    usb = tmp_path / "usb"
    exchange(hq, paris, usb)
    entry = {"direction": "received", "currency": "EUR", "country": "FR"}
    add_gift(
        paris.store,
        Gift(description="Silver tray", value="400", exchanged_on="2026-05-04", **entry),
    )
    add_gift(paris.store, Gift(description="Coin", value="5", exchanged_on="2026-05-05", **entry))
    exchange(paris, hq, usb)
    for vault in (hq, paris):
        vault.lock()
    s = Session(tmp_path / "hq", runner)
    s.open(lambda: Vault.unlock(tmp_path / "hq", PASSPHRASE), lambda _: None, pytest.fail, s)
    qtbot.waitUntil(lambda: s.is_unlocked)
    yield s
    s.lock()


def test_hq_lists_the_declarations_by_station_and_opens_one(
    qtbot: QtBot, hq_session: Session, tmp_path: Path, qtmodeltester: Any
) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(hq_session, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.sections))
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert titles[-4:-1] == ["Gifts", "Declarations", "Sync"]
    page = window.stack.widget(titles.index("Declarations"))
    assert isinstance(page, DeclarationsSection)
    window.open_section(page)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    qtmodeltester.check(page.model)
    row = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert row[:5] == ["paris", "2026-05-04", "Received", "Silver tray", "400 EUR"]
    assert row[5].startswith("400 EUR is over the limit of 150 EUR")
    assert page.count_label.text() == "1 declared entry from 1 station"
    qtbot.waitUntil(lambda: window.marking_label.text().strip() == "UNCLASSIFIED")

    page.table.activated.emit(page.model.index(0, 3))
    gifts = next(s for s in window.sections if s.kind.name == "gift")
    qtbot.waitUntil(lambda: window.current_section() is gifts)
    gift_id = page.model.index(0, 0).data(IdRole)
    qtbot.waitUntil(lambda: gifts.current_record_id() == gift_id)
