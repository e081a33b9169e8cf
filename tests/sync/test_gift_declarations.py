"""A gift over HQ's published limit is flagged at the station and reaches HQ as a declaration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.gifts import add_gift, declarations
from liaison_desk.core.records import Contact, Gift, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.sync.drive import sync_drive
from tests.sync.helpers import fingerprint, hq_and_two_stations

FRANCE = """Gifts offered by French counterparts.

```rules
{"currency": "EUR", "given": 300, "received": 150}
```
"""
GENERAL = """Everywhere else.

```rules
{"currency": "EUR", "given": 200, "received": 50}
```
"""


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


def _gift(contact: Contact, value: str, description: str) -> Gift:
    return Gift(
        direction="received",
        description=description,
        value=value,
        currency="EUR",
        exchanged_on="2026-05-04",
        contact_ids=(contact.id,),
        occasion="Bastille Day reception",
    )


def test_a_declaration_reaches_hq_through_a_drive_and_no_other_station(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, paris, tokyo = trio
    usb = tmp_path / "usb"
    usb.mkdir()
    category = "gifts-hospitality"
    fr = hq.store.add(ProtocolRef(title="France", body=FRANCE, country="FR", category=category))
    hq.store.add(ProtocolRef(title="General", body=GENERAL, country="general", category=category))
    sync_drive(hq, usb)
    sync_drive(paris, usb)  # the library arrives at Paris
    # A note of Paris's own does not raise HQ's limit.
    paris.store.add(
        ProtocolRef(
            title="Local view",
            body=FRANCE.replace("150", "5000"),
            country="FR",
            category=category,
            effective_date="2026-05-01",
        )
    )

    colonel = paris.store.add(Contact(full_name="Colonel Marc Dubois", country="FR"))
    over = add_gift(paris.store, _gift(colonel, "180", "Engraved silver tray"))
    under = add_gift(paris.store, _gift(colonel, "40", "Book on Versailles"))
    assert over.rules_id == fr.id and over.declaration is not None
    assert under.declaration is None

    sync_drive(paris, usb)
    result = sync_drive(hq, usb)
    assert not result.refused

    listed = declarations(hq.store)
    assert [(d.station, d.station_name, d.gift.id) for d in listed] == [
        (fingerprint(paris), "paris", over.id)
    ]
    assert listed[0].gift.declaration == over.declaration
    assert hq.store.get(Gift, under.id).declaration is None  # held, not declared

    sync_drive(hq, usb)
    sync_drive(tokyo, usb)
    assert tokyo.store.list(Gift) == []  # need-to-know: Paris's register stays Paris's
