"""HQ's pending counts, routed once for every station, equal routing station by station.

`sync.pending` decides each op's recipients once; the reference here routes every
unacknowledged op for one station at a time, as a bundle for it is written
(`routes.Router`, the ops held back from a compromised station left out, each
record to withdraw counted once), and checks that `sync.fanout`, routing once for every
station as HQ's bundles of one sync do, picks the same ops. Compared after each step of
a life at HQ: distributions to all, to named stations and to a group, children and files
following their record (a seating plan its dinner), a gift named for one station,
edits, narrowing, group changes, acknowledgements, a revocation with a date of
compromise, and a station enrolled again.
"""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.gifts import add_gift
from liaison_desk.core.records import (
    Attachment,
    Contact,
    Gift,
    Meeting,
    Participant,
    ProtocolRef,
    SeatingPlan,
)
from liaison_desk.core.seating_plan import make_plan
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.sync import compromise, exchange, routes
from liaison_desk.sync.exchange import needs_bundle, owed_reader, pending_ops
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.fanout import _streamed as streamed
from liaison_desk.sync.peers import Peer, exchange_peers, revoke, set_group
from liaison_desk.sync.status import peer_status
from liaison_desk.sync.transfer import sync_wanted
from liaison_desk.sync.vectors import own_origins, vector
from tests.sync.helpers import (
    deliver,
    enrol_station,
    fingerprint,
    hq_and_two_stations,
    make_vault,
    round_trip,
    send,
)
from tests.sync.helpers import exchange as trade


def one_by_one(hq: Vault, peer: Peer, fanout: Fanout) -> int:
    """What the next bundle for `peer` carries, routed for it alone; the ops a bundle
    written with `fanout` (shared by every station's) carries are the same, in order."""
    with owed_reader(hq):
        conn = hq.conn
        coverage = exchange._coverage(conn, "hq", peer, vector(conn), own_origins(conn))
        held = compromise.HeldOps(conn)
        routed = list(exchange._for_peer(conn, coverage, routes.Router(conn, peer)))
        assert list(fanout.ops_for(conn, peer.fingerprint, coverage)) == routed, peer.name
        # As a station's first bundle of a long history is: streamed, nothing kept.
        assert list(streamed(conn, peer.fingerprint, coverage, None)) == routed, peer.name
        sent, gone = 0, set()
        for row, withdrawn in routed:
            if held.holds(row):
                continue
            if withdrawn:
                gone.add(row[4])
            else:
                sent += 1
        return sent + len(gone)


def counts(hq: Vault) -> dict[str, int]:
    """Every active station's pending count, checked three ways; returned by name."""
    peers = exchange_peers(hq.conn)
    together = {s.peer.fingerprint: s.pending for s in peer_status(hq) if s.peer.active}
    fanout = Fanout()
    for peer in peers:
        alone = one_by_one(hq, peer, fanout)
        assert together[peer.fingerprint] == alone == pending_ops(hq, peer), peer.name
        if alone:
            assert needs_bundle(hq, peer), peer.name
    return {p.name: together[p.fingerprint] for p in peers}


def test_pending_counts_equal_routing_station_by_station(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    with hq_and_two_stations(tmp_path) as (hq, paris, tokyo):
        berlin = make_vault(tmp_path, "berlin")
        enrol_station(hq, berlin)
        stations = (paris, tokyo, berlin)
        set_group(hq.conn, "europe", [fingerprint(paris), fingerprint(berlin)])
        shared = paris.store.add(Contact(full_name="Adm. Tanaka", distribution="all"))
        private = paris.store.add(Contact(full_name="Capt. Moreau"))
        meeting = paris.store.add(
            Meeting(title="Staff talks", starts_at="2026-03-14T10:30Z", distribution="all")
        )
        paris.store.add(Participant(meeting_id=meeting.id, contact_id=shared.id))
        paris.store.add(
            Attachment(owner_id=meeting.id, name="agenda.txt", mime="text/plain", data=b"x" * 9)
        )
        tokyo.store.add(Contact(full_name="Cdr. Sato", distribution="group:europe"))
        berlin.store.add(
            Contact(full_name="Oberst Braun", distribution=f"stations:{fingerprint(tokyo)}")
        )
        for station in stations:
            trade(station, hq, usb)
        hq.store.add(ProtocolRef(title="Order of precedence", body="Ambassadors first."))
        hq.store.add(Contact(full_name="HQ's own source"))
        hq.store.update(Contact, private.id, {"trust_notes": "Reliable"})
        assert counts(hq) == {"paris": 3, "tokyo": 6, "berlin": 6}

        bundle = send(hq, tokyo, usb)  # sent, not yet acknowledged
        assert counts(hq)["tokyo"] == 6
        deliver(tokyo, bundle)
        trade(tokyo, hq, usb)
        assert counts(hq)["tokyo"] == 0

        # Narrowed to the group: Tokyo is told to withdraw the meeting (and its children).
        hq.store.update(Meeting, meeting.id, {"distribution": "group:europe"})
        set_group(hq.conn, "europe", [fingerprint(berlin)])  # Paris leaves the group
        assert counts(hq)["tokyo"] == 1  # one record to withdraw
        for station in stations:
            round_trip(hq, station, usb)
            round_trip(hq, station, usb)
        assert counts(hq) == {"paris": 0, "tokyo": 0, "berlin": 0}

        # A gift named for Berlin alone; a dinner named for Tokyo, seated: the seating plan,
        # a child of the meeting, follows it, when made and when made again.
        add_gift(
            tokyo.store,
            Gift(
                direction="received",
                description="Framed print",
                value="18000",
                currency="JPY",
                exchanged_on="2026-03-14",
                contact_ids=(shared.id,),
                distribution=f"stations:{fingerprint(berlin)}",
            ),
        )
        trade(tokyo, hq, usb)
        dinner = hq.store.add(
            Meeting(
                title="Dinner for the attachés",
                kind="dinner",
                starts_at="2026-03-20T18:30Z",
                distribution=f"stations:{fingerprint(tokyo)}",
            )
        )
        hq.store.add(Participant(meeting_id=dinner.id, contact_id=shared.id, role="host"))
        make_plan(hq.store, dinner.id, "1x8")
        assert counts(hq) == {"paris": 0, "tokyo": 3, "berlin": 1}
        make_plan(hq.store, dinner.id, "1x10")  # an edit of the plan
        assert counts(hq) == {"paris": 0, "tokyo": 4, "berlin": 1}
        for station in stations:
            round_trip(hq, station, usb)
            trade(station, hq, usb)  # acknowledged
        assert counts(hq) == {"paris": 0, "tokyo": 0, "berlin": 0}
        assert len(tokyo.store.list(SeatingPlan, ListQuery(where={"meeting_id": dinner.id}))) == 1
        assert berlin.store.list(Gift, ListQuery())[0].description == "Framed print"
        assert paris.store.count(Gift, ListQuery()) == 0
        hq.store.update(Meeting, dinner.id, {"distribution": "group:europe"})
        # Tokyo withdraws the dinner (once); Berlin is sent it with its participant and plan.
        assert counts(hq) == {"paris": 0, "tokyo": 1, "berlin": 4}
        for station in stations:
            round_trip(hq, station, usb)
            round_trip(hq, station, usb)
        assert counts(hq) == {"paris": 0, "tokyo": 0, "berlin": 0}
        assert tokyo.store.count(SeatingPlan, ListQuery()) == 0

        # Paris is revoked, compromised since before its last edit; then enrolled again.
        paris.store.update(Contact, shared.id, {"notes": "Written after the compromise"})
        trade(paris, hq, usb)
        assert counts(hq) == {"paris": 0, "tokyo": 1, "berlin": 1}
        compromise.revoke_station(hq, fingerprint(paris), "Laptop lost", 0)
        assert counts(hq) == {"tokyo": 0, "berlin": 0}  # the edit is held back
        enrol_station(hq, paris)
        assert counts(hq) == {"paris": 0, "tokyo": 0, "berlin": 0}  # held until reviewed
        compromise.decide(hq, "contact", shared.id, release=True)
        # Released, it flows, with the snapshot the release writes (which Paris gets too).
        assert counts(hq) == {"paris": 1, "tokyo": 2, "berlin": 2}
        for station in stations:
            round_trip(hq, station, usb)
            trade(station, hq, usb)
        assert counts(hq) == {"paris": 0, "tokyo": 0, "berlin": 0}
        assert sync_wanted(hq) == (True, False)

        # A revoked station falls behind; the others, caught up, are owed nothing.
        revoke(hq, fingerprint(tokyo))
        hq.store.add(ProtocolRef(title="Visits", body="Announced a week ahead."))
        for station in (paris, berlin):
            round_trip(hq, station, usb)
            trade(station, hq, usb)
        assert counts(hq) == {"paris": 0, "berlin": 0}
        assert sync_wanted(hq) == (True, False)
        berlin.lock()
