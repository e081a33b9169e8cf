"""Resolving a conflict on a gift works its declaration out again, and every vault takes it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.gifts import add_gift, update_gift
from liaison_desk.core.records import Gift, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.sync.conflicts import list_conflicts, open_count, resolve
from tests.conftest import StepClock
from tests.sync.helpers import canonical_dump, hq_and_two_stations, round_trip

GENERAL = """Everywhere.

```rules
{"currency": "EUR", "given": 200, "received": 50}
```
"""
OVER_180 = (
    "180 EUR is over the limit of 50 EUR on hospitality or gifts received under the general limits."
)
OVER_200 = OVER_180.replace("180 EUR", "200 EUR")


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault, str, Path]]:
    """HQ, which published the limits, and Paris, both holding Paris's entry of 40 EUR."""
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, _):
        hq.store.add(
            ProtocolRef(
                title="General", body=GENERAL, country="general", category="gifts-hospitality"
            )
        )
        round_trip(hq, paris, usb)
        entry = add_gift(
            paris.store,
            Gift(
                direction="received",
                description="Engraved silver tray",
                value="40",
                currency="EUR",
                exchanged_on="2026-05-04",
            ),
        )
        assert entry.declaration is None and entry.rules_id is not None
        round_trip(hq, paris, usb)
        yield hq, paris, entry.id, usb


def later(vault: Vault) -> None:
    """The vault's next edit sorts after the other's."""
    clock = vault.clock
    assert isinstance(clock, StepClock)
    clock.ms += 60_000


def settled(hq: Vault, paris: Vault, gift_id: str, usb: Path) -> Gift:
    """The entry once the resolution has travelled: the same everywhere, no conflict left."""
    round_trip(hq, paris, usb)
    assert open_count(hq) == open_count(paris) == 0
    assert canonical_dump(hq) == canonical_dump(paris)
    return hq.store.get(Gift, gift_id)


@pytest.mark.parametrize(
    ("choice", "value", "declared"), [("mine", "45", None), ("theirs", "180", OVER_180)]
)
def test_keeping_a_value_declares_the_entry_as_that_value_requires(
    pair: tuple[Vault, Vault, str, Path], choice: str, value: str, declared: str | None
) -> None:
    """HQ raises the value over the limit while Paris corrects it to 45 unseen: the merge
    keeps HQ's later value and the declaration it wrote; keeping Paris's 45 must clear it."""
    hq, paris, gift_id, usb = pair
    update_gift(paris.store, gift_id, {"value": "45"})
    later(hq)
    update_gift(hq.store, gift_id, {"value": "180"})
    round_trip(hq, paris, usb)
    (conflict,) = list_conflicts(paris)
    assert (conflict.field, conflict.winner) == ("value", "theirs")
    assert paris.store.get(Gift, gift_id).declaration == OVER_180

    resolve(paris, conflict.n, choice)
    gift = settled(hq, paris, gift_id, usb)
    assert (gift.value, gift.declaration) == (value, declared)


def test_a_conflict_on_the_declaration_itself_is_settled_by_the_values_kept(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    """Both raise the value over the limit: value and declaration conflict. Whichever side
    of the declaration is chosen, it says what the value kept requires."""
    hq, paris, gift_id, usb = pair
    update_gift(paris.store, gift_id, {"value": "180"})
    later(hq)
    update_gift(hq.store, gift_id, {"value": "200"})
    round_trip(hq, paris, usb)
    by_field = {c.field: c for c in list_conflicts(paris)}
    assert set(by_field) == {"value", "declaration"}

    resolve(paris, by_field["value"].n, "mine")
    assert paris.store.get(Gift, gift_id).declaration == OVER_180
    resolve(paris, by_field["declaration"].n, "theirs")  # HQ's sentence, about 200 EUR
    gift = settled(hq, paris, gift_id, usb)
    assert (gift.value, gift.declaration) == ("180", OVER_180)


def test_a_received_edit_keeps_its_authors_declaration_and_every_vault_agrees(
    pair: tuple[Vault, Vault, str, Path],
) -> None:
    """Paris raises the value before HQ's raised limit reaches it: HQ stores the entry as
    Paris declared it rather than working it out against its own newer limits, so both
    vaults hold one declaration; the next edit works it out under the limits then held."""
    hq, paris, gift_id, usb = pair
    later(hq)
    hq.store.add(
        ProtocolRef(
            title="General, raised",
            body=GENERAL.replace('"received": 50', '"received": 500'),
            country="general",
            category="gifts-hospitality",
        )
    )
    update_gift(paris.store, gift_id, {"value": "180"})
    gift = settled(hq, paris, gift_id, usb)
    assert gift.declaration == OVER_180

    edited = update_gift(paris.store, gift_id, {"notes": "Declared in May"})
    assert edited.declaration is None  # the raised limit, which Paris now holds
    assert settled(hq, paris, gift_id, usb).declaration is None
