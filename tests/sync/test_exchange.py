"""Whether a peer is owed a bundle, and what it would carry, through a day at HQ.

`needs_bundle`, `pending_ops`, `transfer.owed` and `transfer.sync_wanted` answer from
one snapshot with what every peer shares read once, and the first op a peer lacks
answers "owed": each answer here is the one counting every op gave.
"""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.records import Contact, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.sync.exchange import export_bundle, needs_bundle, pending_ops
from liaison_desk.sync.peers import Peer, get_peer
from liaison_desk.sync.transfer import owed, sync_wanted
from tests.sync.helpers import deliver, exchange, fingerprint, hq_and_two_stations, send


def peer(hq: Vault, station: Vault) -> Peer:
    found = get_peer(hq.conn, fingerprint(station))
    assert found is not None
    return found


def state(hq: Vault, *stations: Vault) -> list[tuple[bool, int]]:
    """(owed, pending) for each station, checked against owed() and sync_wanted()."""
    answers = [(needs_bundle(hq, peer(hq, s)), pending_ops(hq, peer(hq, s))) for s in stations]
    owes = [fingerprint(s) for s, (o, _) in zip(stations, answers, strict=True) if o]
    assert [p.fingerprint for p in owed(hq)] == owes
    assert sync_wanted(hq) == (True, bool(owes))
    return answers


def test_what_hq_owes_each_station_through_a_day(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        assert state(hq, paris, tokyo) == [(True, 0), (True, 0)]  # never sent: owed
        for station in (paris, tokyo):
            exchange(station, hq, usb)
            exchange(hq, station, usb)
        assert state(hq, paris, tokyo) == [(False, 0), (False, 0)]

        # Paris's own records reach HQ alone: Paris is owed the acknowledgement, Tokyo
        # nothing (its bundle would cover the ops, and carry none of them).
        paris.store.add_many(Contact(full_name=f"Paris contact {i}") for i in range(3))
        exchange(paris, hq, usb)
        assert state(hq, paris, tokyo) == [(True, 0), (False, 0)]

        # HQ writes for every station and for itself, and annotates a contact of Paris's.
        (mine,) = hq.store.list(Contact)[:1]
        hq.store.update(Contact, mine.id, {"trust_notes": "Reliable"})
        hq.store.add(ProtocolRef(title="Order of precedence", body="Ambassadors first."))
        hq.store.add(Contact(full_name="HQ's own source"))
        assert state(hq, paris, tokyo) == [(True, 2), (True, 1)]

        bundle = send(hq, tokyo, usb)  # sent, not yet acknowledged: owed again
        assert state(hq, paris, tokyo) == [(True, 2), (True, 1)]
        deliver(tokyo, bundle)
        exchange(tokyo, hq, usb)
        assert state(hq, paris, tokyo) == [(True, 2), (False, 0)]
        exchange(hq, paris, usb)
        exchange(paris, hq, usb)
        assert state(hq, paris, tokyo) == [(False, 0), (False, 0)]

        # A record that reached Tokyo narrows to HQ alone: Tokyo is owed its withdrawal.
        (reference,) = hq.store.list(ProtocolRef)
        hq.store.update(ProtocolRef, reference.id, {"distribution": "hq"})
        assert state(hq, paris, tokyo) == [(True, 1), (True, 1)]
        result = export_bundle(hq, fingerprint(tokyo), usb)
        assert result.ops == 0
        deliver(tokyo, result)
        assert tokyo.store.count(ProtocolRef) == 0
