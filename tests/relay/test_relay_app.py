"""The relay's own clock, in-process: rate limits refill, rosters are re-read, nonces pruned.

The relay runs in this process (no socket) on a clock the test moves, so
what takes seconds or minutes of real time takes none here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from liaison_desk.core.vault import Vault
from liaison_desk.relay.app import NONCE_PRUNE_S, ROSTER_CHECK_S, Relay
from liaison_desk.relay.dir_store import DirStore
from liaison_desk.relay.limits import RateLimit
from liaison_desk.relay.store import NONCE_LIFETIME_S
from liaison_desk.sync.errors import RelayRefused
from liaison_desk.sync.hq_roster import build_roster
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import revoke
from liaison_desk.sync.relay_client import RelayClient
from liaison_desk.sync.request_signing import WINDOW_SECONDS
from tests.relay.clients import enrol_on_roster, new_identity, send, signed
from tests.relay.in_process import URL, ManualClock, client, transport
from tests.sync.helpers import make_vault


@dataclass
class Desk:
    hq_vault: Vault
    hq: Identity
    station: Identity
    data: Path
    clock: ManualClock

    def relay(self, rate: RateLimit | None = None, per_address: RateLimit | None = None) -> Relay:
        """A relay process of its own on the shared folder, on the test's clock."""
        return Relay(
            DirStore(self.data),
            self.hq.public,
            rate=rate,
            clock=self.clock,
            address_rate=per_address,
        )

    def get(self, http: httpx.Client, who: Identity) -> httpx.Response:
        """`who` reads its mailbox, signing at the relay's time."""
        path = f"/v1/mailboxes/{who.fingerprint}"
        return send(http, who, "GET", path, created=self.clock.now_s())

    def upload_roster(self, http: httpx.Client) -> None:
        roster = build_roster(self.hq_vault)
        sent = send(http, self.hq, "PUT", "/v1/roster", roster, created=self.clock.now_s())
        assert sent.status_code == 204, sent.text


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    station = new_identity("paris")
    enrol_on_roster(hq_vault, station)
    yield Desk(hq_vault, load_identity(hq_vault.conn), station, tmp_path / "relay", ManualClock())
    hq_vault.lock()


def test_a_station_over_its_rate_comes_back_in_when_told(desk: Desk) -> None:
    relay = desk.relay(RateLimit(per_second=0.2, burst=3))
    with client(relay) as http:
        desk.upload_roster(http)
        answers = [desk.get(http, desk.station) for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert answers[3].json()["error"] == "rate-limited"
        assert answers[3].headers["retry-after"] == "6"  # one token in 5 s, rounded up
        desk.clock.advance(4.5)
        assert desk.get(http, desk.station).status_code == 429  # too early
        desk.clock.advance(5.0)
        assert desk.get(http, desk.station).status_code == 200


def test_a_revocation_reaches_another_relay_process_within_its_roster_check(desk: Desk) -> None:
    uploads_to, serves = desk.relay(), desk.relay()  # two processes sharing one folder
    with client(uploads_to) as to_hq, client(serves) as http:
        desk.upload_roster(to_hq)
        assert desk.get(http, desk.station).status_code == 200
        revoke(desk.hq_vault, desk.station.fingerprint)
        desk.clock.advance(1.0)
        desk.upload_roster(to_hq)
        assert desk.get(http, desk.station).status_code == 200  # read a moment ago: not yet
        desk.clock.advance(ROSTER_CHECK_S)
        refused = desk.get(http, desk.station)
    assert (refused.status_code, refused.json()["error"]) == (403, "revoked")


def test_claimed_nonces_are_dropped_once_past_the_signature_window(desk: Desk) -> None:
    relay = desk.relay()
    nonces = desk.data / "nonces"
    with client(relay) as http:
        desk.upload_roster(http)
        assert desk.get(http, desk.station).status_code == 200
        claimed = {p.name for p in nonces.iterdir()}
        desk.clock.advance(max(NONCE_LIFETIME_S + 60, NONCE_PRUNE_S))
        assert desk.get(http, desk.station).status_code == 200
        now = {p.name for p in nonces.iterdir()}
    assert claimed and not claimed & now  # the old minutes are gone, today's is there
    assert len(now) == 1


def test_a_station_whose_clock_is_off_is_told_the_relay_refuses_its_time(desk: Desk) -> None:
    relay = desk.relay()
    with client(relay) as http:
        desk.upload_roster(http)
    late = ManualClock()
    late.advance(-(WINDOW_SECONDS + 60))
    station = RelayClient(URL, desk.station, clock=late, transport=transport(relay))
    with station, pytest.raises(RelayRefused) as refused:
        station.waiting()
    assert refused.value.code == "stale"
    assert "more than 5 minutes from the relay's clock" in refused.value.message


def test_hq_s_sync_runs_whole_through_an_injected_transport(desk: Desk) -> None:
    """Probe, roster, pull and push against the relay in this process: no socket anywhere."""
    relay = desk.relay()
    report = sync_online(desk.hq_vault, URL, transport=transport(relay))
    assert report.error is None and report.roster_sent
    assert [sent.peer for sent in report.sent] == [desk.station.fingerprint]
    waiting = relay.store.waiting(desk.station.fingerprint)
    assert [w.name for w in waiting] == [report.sent[0].path.name]


def test_a_flood_from_one_address_is_limited_before_any_signature_is_checked(desk: Desk) -> None:
    relay = desk.relay(per_address=RateLimit(per_second=0.2, burst=3))
    path = f"/v1/mailboxes/{desk.station.fingerprint}"
    forged = signed(desk.station, "GET", "/v1/elsewhere", created=desk.clock.now_s())
    with client(relay, "203.0.113.9") as flood, client(relay, "198.51.100.4") as other:
        desk.upload_roster(other)
        answers = [flood.get(path, headers=forged) for _ in range(4)]
        assert [a.status_code for a in answers] == [401, 401, 401, 429]
        assert answers[0].json()["error"] == "bad-signature"
        assert answers[3].json()["error"] == "rate-limited"
        assert "from this address" in answers[3].json()["message"]
        assert desk.get(other, desk.station).status_code == 200  # another address: unaffected
        desk.clock.advance(5.0)
        assert flood.get(path, headers=forged).status_code == 401  # checked again, and refused
