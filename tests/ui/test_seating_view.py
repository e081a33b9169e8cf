"""The seating plan window: a guest dragged to another seat moves there, and the rules the
move breaks are said at once."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from liaison_desk.core.seating_layout import SeatRef
from liaison_desk.core.seating_plan import make_plan
from liaison_desk.ui.seating_scene import SeatingScene
from liaison_desk.ui.seating_view import SeatingWindow
from liaison_desk.ui.session import Session
from tests.dinner import national_day_dinner
from tests.ui.vault_work import on_vault


def _drag(window: SeatingWindow, start: QPoint, end: QPoint) -> None:
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    steps = 6
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        QTest.mouseMove(viewport, point)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def test_dragging_a_guest_to_another_seat_moves_them_and_reports_the_broken_rule(
    qtbot: QtBot, session: Session
) -> None:
    dinner = on_vault(qtbot, session, lambda v: national_day_dinner(v.store))
    ids = dinner.ids
    apart = [(ids["Schmidt"], ids["Müller"])]
    on_vault(qtbot, session, lambda v: make_plan(v.store, dinner.meeting_id, "3x10", apart=apart))
    window = SeatingWindow(session, dinner.meeting_id)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.chart is not None)
    scene = window.view.scene()
    assert isinstance(scene, SeatingScene)
    okafor = ids["Okafor"]
    assert window.chart is not None and window.chart.seat_of(okafor) == SeatRef(1, 2)
    assert scene.tokens[okafor].toolTip() == (
        "Grace Okafor, precedence 2: Ambassador, accredited 2025-03-01 (heads of mission)"
    )
    target = SeatRef(3, 1)
    start = window.view.mapFromScene(scene.tokens[okafor].scenePos())
    end = window.view.mapFromScene(scene.seat_at[target])

    with qtbot.waitSignal(window.shown):
        _drag(window, start, end)

    assert window.chart.seat_of(okafor) == target
    assert window.last_move.text().startswith("Moving Grace Okafor to 3.1 breaks: Grace Okafor")
    assert "sits below" in window.last_move.text()
    rules = [window.rules.item(i).text() for i in range(window.rules.count())]
    assert any(r.startswith("Grace Okafor (precedence 2) sits below") for r in rules)
    moved = window.view.scene()
    assert isinstance(moved, SeatingScene) and okafor in moved.tokens
