"""A clock no peer can poison: stamps more than a day ahead are refused, never adopted.

One station with a broken clock must not stop the others. Before, HQ took a
stamp of 9999999999999.99999 into its own clock; its next stamp overflowed
the format, and every station refused HQ's bundles as malformed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.hlc import MAX_AHEAD_MS, Stamp
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.clocks import own_clock_ahead
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.refusals import CLOCK_AHEAD
from tests.conftest import StepClock
from tests.sync.helpers import canonical_dump, deliver, exchange, hq_and_two_stations, send

TWO_DAYS_MS = 2 * 24 * 3600 * 1000


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


def clock_of(vault: Vault) -> StepClock:
    clock = vault.clock
    assert isinstance(clock, StepClock)
    return clock


def test_a_far_future_stamp_is_refused_and_hq_keeps_syncing_with_the_others(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    shared = tokyo.store.add(Contact(full_name="Cdr. Sato", distribution="all"))
    exchange(tokyo, hq, usb)
    sane = tokyo.store.add(Contact(full_name="Capt. Ito"))
    # A broken laptop: Tokyo's clock took a stamp from the end of time, then edited.
    tokyo.store.observe(Stamp(9_999_999_999_999, 99_998, tokyo.info.origin))
    tokyo.store.update(Contact, shared.id, {"notes": "from the end of time"})
    assert own_clock_ahead(tokyo) > MAX_AHEAD_MS  # its officer is warned at home
    at_hq = exchange(tokyo, hq, usb)

    (stamp,) = tokyo.conn.execute(
        "SELECT hlc FROM oplog WHERE origin = ? ORDER BY seq DESC LIMIT 1", (tokyo.info.origin,)
    ).fetchone()
    assert stamp.startswith("9999999999999.99999.")
    assert [(op.record_id, op.reason) for op in at_hq.refused] == [(shared.id, CLOCK_AHEAD)]
    assert hq.store.get(Contact, shared.id).notes is None
    assert hq.store.get(Contact, sane.id).full_name == "Capt. Ito"  # the rest is applied
    assert hq.store.now().ms < clock_of(hq).ms + MAX_AHEAD_MS  # HQ's clock did not move

    hq_note = hq.store.add(Contact(full_name="HQ desk officer", distribution="all"))
    at_paris = exchange(hq, paris, usb)  # HQ's next bundle: accepted, as everything after it
    assert at_paris.status == "applied" and at_paris.refused == ()
    assert paris.store.get(Contact, hq_note.id).full_name == "HQ desk officer"
    paris_note = paris.store.add(Contact(full_name="Gen. Moreau", distribution="all"))
    exchange(paris, hq, usb)
    assert exchange(hq, paris, usb).status == "applied"
    assert hq.store.get(Contact, paris_note.id).full_name == "Gen. Moreau"

    back = exchange(hq, tokyo, usb)  # Tokyo hears why, and never sends it again
    assert back.refused_by_peer == at_hq.refused
    assert send(tokyo, hq, usb).ops == 0


def test_an_edit_made_while_the_clock_was_two_days_ahead_is_refused_alone(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    clock_of(tokyo).ms += TWO_DAYS_MS
    ahead = tokyo.store.add(Contact(full_name="Written two days ahead"))
    clock_of(tokyo).ms -= TWO_DAYS_MS  # the clock was put right before the sync
    at_hq = exchange(tokyo, hq, usb)
    assert [(op.record_id, op.reason) for op in at_hq.refused] == [(ahead.id, CLOCK_AHEAD)]
    assert f"contact/{ahead.id}" not in canonical_dump(hq)
    assert own_clock_ahead(tokyo) > MAX_AHEAD_MS
    assert own_clock_ahead(paris) == 0


def test_a_bundle_written_two_days_ahead_is_refused_whole_and_applies_once_clocks_agree(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """One of the two clocks is wrong now: refusing the bundle loses nothing. Here HQ's
    clock was behind; once it is right, the same bundle applies."""
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    clock_of(tokyo).ms += TWO_DAYS_MS
    note = tokyo.store.add(Contact(full_name="Cdr. Sato"))
    bundle = send(tokyo, hq, usb)
    before = canonical_dump(hq)
    with pytest.raises(BundleRefused) as refused:
        import_bundle(hq, bundle.path)
    assert refused.value.reason == CLOCK_AHEAD
    assert "2 days ahead" in refused.value.message
    assert canonical_dump(hq) == before
    assert exchange(paris, hq, usb).status == "applied"  # the others go on
    assert exchange(hq, paris, usb).status == "applied"

    clock_of(hq).ms += TWO_DAYS_MS
    assert deliver(hq, bundle).refused == ()
    assert hq.store.get(Contact, note.id).full_name == "Cdr. Sato"


def test_what_hq_took_within_a_day_reaches_a_station_whose_clock_is_behind_hqs(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """Allowed drift must not add up across HQ: Tokyo's clock runs 23 hours ahead (a zone
    typed wrong), HQ takes its change and stamps its own after it, and Paris, two hours
    behind HQ, must take both; judged against Paris's clock alone they would be refused
    for good, and Paris would never hold what every other vault holds."""
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    hour = 3600 * 1000
    clock_of(tokyo).ms = clock_of(hq).ms + 23 * hour
    from_tokyo = tokyo.store.add(Contact(full_name="Cdr. Sato", distribution="all"))
    assert exchange(tokyo, hq, usb).refused == ()
    from_hq = hq.store.add(Contact(full_name="HQ desk officer", distribution="all"))
    assert hq.store.now().ms > clock_of(hq).ms + 22 * hour  # HQ's clock moved with it

    clock_of(paris).ms = clock_of(hq).ms - 2 * hour
    at_paris = exchange(hq, paris, usb)
    assert at_paris.refused == ()
    assert paris.store.get(Contact, from_tokyo.id).full_name == "Cdr. Sato"
    assert paris.store.get(Contact, from_hq.id).full_name == "HQ desk officer"

    # Paris's next change is stamped after HQ's, and HQ takes it: the day still holds there.
    from_paris = paris.store.add(Contact(full_name="Gen. Moreau", distribution="all"))
    assert exchange(paris, hq, usb).refused == ()
    assert hq.store.get(Contact, from_paris.id).full_name == "Gen. Moreau"


def test_a_station_still_refuses_what_hq_sends_more_than_a_day_past_the_bundles_time(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    """HQ's own clock once ran two days ahead: what it stamped then is refused at stations as
    at HQ's peers, however the bundle's time reads."""
    hq, paris, _tokyo = trio
    usb = tmp_path / "usb"
    clock_of(hq).ms += TWO_DAYS_MS
    ahead = hq.store.add(Contact(full_name="Written two days ahead", distribution="all"))
    clock_of(hq).ms -= TWO_DAYS_MS
    at_paris = exchange(hq, paris, usb)
    assert [(op.record_id, op.reason) for op in at_paris.refused] == [(ahead.id, CLOCK_AHEAD)]
