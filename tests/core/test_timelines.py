"""Engagements counted per month, as the charts draw them: a contact's, a country's, HQ's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact
from liaison_desk.core.timelines import (
    country_timeline,
    months_ending,
    people_timeline,
    station_bundles,
    station_engagements,
)
from liaison_desk.core.vault import Vault
from tests.sync.helpers import exchange, hq_and_two_stations

WINDOW = months_ending(date(2026, 5, 28), 6)  # 2025-12 … 2026-05


def meet(vault: Vault, when: str, *people: Contact) -> None:
    save_meeting(
        vault.store, None, {"title": "Talks", "starts_at": when}, add_people=[p.id for p in people]
    )


def test_a_window_is_whole_months_ending_with_the_given_one() -> None:
    assert months_ending(date(2026, 2, 14), 3) == ("2025-12", "2026-01", "2026-02")
    assert WINDOW == ("2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05")


def test_a_contacts_and_a_countrys_engagements_per_month(vault: Vault) -> None:
    store = vault.store
    anna = store.add(Contact(full_name="Anna Berg", country="DE"))
    karl = store.add(Contact(full_name="Karl Vogt", country="DE"))
    zoe = store.add(Contact(full_name="Zoé Martin", country="FR"))
    meet(vault, "2026-01-05T09:00Z", anna, karl)  # one meeting, two Germans: counted once
    meet(vault, "2026-01-20T09:00Z", anna)
    meet(vault, "2026-03-31T23:30Z", karl, zoe)
    meet(vault, "2026-06-01T09:00Z", anna)  # after the window
    meet(vault, "2025-11-30T09:00Z", anna)  # before it
    meet(vault, "2026-04-02T09:00Z", zoe)

    mine = people_timeline(store, [anna.id], "Anna Berg", WINDOW)
    germany = country_timeline(store, "DE", WINDOW)
    both = people_timeline(store, [anna.id, karl.id], "the two", WINDOW)

    assert mine.months == WINDOW
    assert [s.counts for s in mine.series] == [(0, 2, 0, 0, 0, 0)]
    assert germany.series[0].counts == (0, 2, 0, 1, 0, 0)
    assert both.series[0].counts == (0, 2, 0, 1, 0, 0)
    assert country_timeline(store, "FR", WINDOW).total == 2
    assert mine.title == "Engagements with Anna Berg"


def test_hq_counts_each_stations_engagements_and_bundles(tmp_path: Path) -> None:
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        guest = paris.store.add(Contact(full_name="Anna Berg"))
        meet(paris, "2026-04-10T09:00Z", guest)
        meet(paris, "2026-05-10T09:00Z", guest)
        other = tokyo.store.add(Contact(full_name="Sato Kenji"))
        meet(tokyo, "2026-05-11T09:00Z", other)
        meet(hq, "2026-05-12T09:00Z", hq.store.add(Contact(full_name="At HQ")))
        exchange(paris, hq, tmp_path / "usb")
        exchange(tokyo, hq, tmp_path / "usb")
        exchange(paris, hq, tmp_path / "usb")

        engagements = station_engagements(hq.store, "hq", WINDOW)
        bundles = station_bundles(hq.store, WINDOW)

    assert {s.name: s.counts[-2:] for s in engagements.series} == {
        "hq": (0, 1),
        "paris": (1, 1),
        "tokyo": (0, 1),
    }
    assert {s.name: s.total for s in bundles.series} == {"paris": 2, "tokyo": 1}
    assert bundles.months == WINDOW
