"""A dinner's seating plan in a real vault: made by precedence, kept, moved by hand."""

from __future__ import annotations

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.precedence import meeting_precedence
from liaison_desk.core.records import SeatingPlan
from liaison_desk.core.seating_layout import SeatRef
from liaison_desk.core.seating_plan import chart_of, make_plan, move_guest
from liaison_desk.core.seating_rules import APART, PRECEDENCE
from liaison_desk.core.vault import Vault
from tests.dinner import national_day_dinner


def test_a_dinner_for_24_guests_at_three_round_tables_keeps_every_rule(vault: Vault) -> None:
    store = vault.store
    dinner = national_day_dinner(store)
    ids = dinner.ids

    chart = make_plan(store, dinner.meeting_id, "3x10", apart=[(ids["Schmidt"], ids["Müller"])])

    order = [p.contact_id for p in meeting_precedence(store, dinner.meeting_id)]
    principal = next(c for c in order if c not in (ids["Laurent"], ids["Marchand"]))
    assert principal == ids["Okafor"]  # the ambassador precedes the generals
    assert chart.seat_of(ids["Laurent"]) == SeatRef(1, 1)
    assert chart.seat_of(ids["Marchand"]) == SeatRef(1, 6)  # facing the host
    assert chart.seat_of(principal) == SeatRef(1, 2)  # on the host's right
    assert len(chart.seats) == 28
    assert [b.text for b in chart.broken if b.rule != PRECEDENCE] == []
    layout = chart.layout
    for interpreter, principal_of in (("Orlova", "Ivanov"), ("Sato", "Tanaka")):
        seat = chart.seat_of(ids[interpreter])
        assert seat in layout.neighbours(chart.seat_of(ids[principal_of]))  # type: ignore[arg-type]
    again = chart_of(store, dinner.meeting_id)
    assert again is not None and again.seats == chart.seats
    (stored,) = store.list(SeatingPlan)
    assert stored.meeting_id == dinner.meeting_id
    assert stored.tables == "round:10,round:10,round:10"
    assert chart.reasons[principal].startswith("Ambassador")


def test_a_move_by_hand_reports_the_rules_it_breaks(vault: Vault) -> None:
    store = vault.store
    dinner = national_day_dinner(store)
    ids = dinner.ids
    chart = make_plan(store, dinner.meeting_id, "3x10", apart=[(ids["Schmidt"], ids["Müller"])])
    last_table = max(s for s, w in chart.seats.items() if s.table == 3)

    _, broke = move_guest(store, dinner.meeting_id, ids["Okafor"], last_table)

    assert PRECEDENCE in {b.rule for b in broke}
    assert any("Grace Okafor" in b.text and "sits below" in b.text for b in broke)
    now = chart_of(store, dinner.meeting_id)
    assert now is not None and now.seat_of(ids["Okafor"]) == last_table

    beside = next(s for s in now.layout.neighbours(now.seat_of(ids["Schmidt"])))  # type: ignore[arg-type]
    _, broke = move_guest(store, dinner.meeting_id, ids["Müller"], beside)
    assert [b.text for b in broke if b.rule == APART] == [
        "Generalleutnant Jonas Schmidt and Oberst Eva Müller must not sit together."
    ]


def test_only_dinners_lunches_and_receptions_are_seated(vault: Vault) -> None:
    store = vault.store
    talks = save_meeting(store, None, {"title": "Staff talks", "starts_at": "2026-03-14T10:30Z"})
    with pytest.raises(ValidationError, match="this meeting is a meeting"):
        make_plan(store, talks.id, "1x8")


def test_a_plan_too_small_is_refused_and_nothing_is_written(vault: Vault) -> None:
    dinner = national_day_dinner(vault.store, kind="lunch")
    with pytest.raises(ValidationError, match="hold 16 seats for 28 people"):
        make_plan(vault.store, dinner.meeting_id, "2x8")
    assert chart_of(vault.store, dinner.meeting_id) is None
