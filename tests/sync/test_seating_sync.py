"""A seating plan travels with its dinner: HQ receives it, and a move made there comes back."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.records import SeatingPlan
from liaison_desk.core.seating_layout import SeatRef
from liaison_desk.core.seating_plan import chart_of, make_plan, move_guest
from tests.dinner import national_day_dinner
from tests.sync.helpers import enrol_station, exchange, make_vault


def test_a_plan_reaches_hq_with_its_dinner_and_a_move_there_comes_back(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    dinner = national_day_dinner(paris.store)
    made = make_plan(paris.store, dinner.meeting_id, "3x10")
    usb = tmp_path / "usb"

    exchange(paris, hq, usb)

    at_hq = chart_of(hq.store, dinner.meeting_id)
    assert at_hq is not None and at_hq.seats == made.seats
    okafor = dinner.ids["Okafor"]
    move_guest(hq.store, dinner.meeting_id, okafor, SeatRef(2, 1))
    exchange(hq, paris, usb)
    back = chart_of(paris.store, dinner.meeting_id)
    assert back is not None and back.seat_of(okafor) == SeatRef(2, 1)
    assert [p.id for p in paris.store.list(SeatingPlan)] == [made.plan.id]
    for vault in (hq, paris):
        vault.lock()
