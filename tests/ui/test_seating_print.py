"""The printed seating plan read back with pypdf: every name once on the place cards, the
plan's marking at the top and foot of every page."""

from __future__ import annotations

import io

from pypdf import PdfReader

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact
from liaison_desk.core.seating_plan import make_plan
from liaison_desk.core.vault import Vault
from liaison_desk.ui.seating_print import place_cards_pdf, plan_pdf
from tests.dinner import national_day_dinner


def _pages(data: bytes) -> list[str]:
    """Each page's text, white space taken out (a change of font may read back as a tab)."""
    return ["".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def test_place_cards_hold_every_name_once_and_the_marking_on_every_page(
    vault: Vault, qapp: object
) -> None:
    store = vault.store
    dinner = national_day_dinner(store)
    secret = dinner.ids["Tanaka"]
    store.update(Contact, secret, {"marking": "RESTRICTED"})  # one guest raises the marking
    chart = make_plan(store, dinner.meeting_id, "long:14,round:8,round:8", convention="ends")
    assert chart.marking == "RESTRICTED"

    cards, pages = place_cards_pdf(chart)

    text = _pages(cards)
    assert len(text) == pages == 3
    assert all(page.count("RESTRICTED") == 2 for page in text)
    joined = "".join(text)
    for who in chart.seats.values():
        assert joined.count("".join(chart.name(who).split())) == 1, chart.name(who)
    plan, plan_pages = plan_pdf(chart)
    drawn = _pages(plan)
    assert len(drawn) == plan_pages == 1
    assert drawn[0].count("RESTRICTED") == 2 and "Table3" in drawn[0]


def test_a_lunch_for_two_prints_one_page_of_cards(vault: Vault, qapp: object) -> None:
    store = vault.store
    host, guest = store.add_many([Contact(full_name="Ana"), Contact(full_name="Bruno")])
    lunch = save_meeting(
        store,
        None,
        {"title": "Lunch", "starts_at": "2026-03-14T12:00Z", "kind": "lunch"},
        add_people=[host.id, guest.id],
        roles={host.id: "host"},
    )
    chart = make_plan(store, lunch.id, "round:4")
    assert chart.seat_of(host.id) is not None and chart.seat_of(guest.id) is not None
    assert _pages(place_cards_pdf(chart)[0])[0].count("Bruno") == 1
