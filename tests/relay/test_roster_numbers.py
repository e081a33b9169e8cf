"""HQ's rosters are numbered: a clock that ran ahead once, a restore, an old copy keep revocation.

The relay runs in this process on a clock the test moves; HQ is a real vault
whose own clock the test sets a year ahead and back.
"""

from __future__ import annotations

import base64
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from liaison_desk.core.backup import create_backup, restore_backup
from liaison_desk.core.vault import Vault
from liaison_desk.relay.app import Relay
from liaison_desk.relay.dir_store import DirStore
from liaison_desk.sync.errors import RosterError
from liaison_desk.sync.hq_roster import build_roster
from liaison_desk.sync.identity import Identity, canonical
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import revoke
from liaison_desk.sync.roster import CONTEXT, read_roster
from tests.conftest import PASSPHRASE, StepClock
from tests.relay.clients import enrol_on_roster, new_identity, send
from tests.relay.in_process import URL, ManualClock, client, transport
from tests.sync.helpers import make_vault

YEAR_MS = 365 * 24 * 3600 * 1000


@dataclass
class Desk:
    hq_vault: Vault
    hq: Identity
    station: Identity
    relay: Relay
    clock: ManualClock

    def sync_hq(self, vault: Vault | None = None) -> None:
        report = sync_online(vault or self.hq_vault, URL, transport=transport(self.relay))
        assert report.error is None and report.roster_sent

    def station_reads(self) -> httpx.Response:
        with client(self.relay) as http:
            path = f"/v1/mailboxes/{self.station.fingerprint}"
            return send(http, self.station, "GET", path, created=self.clock.now_s())

    def put(self, roster: bytes) -> httpx.Response:
        with client(self.relay) as http:
            return send(http, self.hq, "PUT", "/v1/roster", roster, created=self.clock.now_s())

    def held(self) -> int:
        found = self.relay.store.read_roster()
        assert found is not None
        return read_roster(found[0], self.hq.public).seq


def hq_clock(vault: Vault) -> StepClock:
    clock = vault.clock
    assert isinstance(clock, StepClock)
    return clock


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    hq_vault = make_vault(tmp_path, "hq", "hq", start_ms=int(time.time() * 1000))
    station = new_identity("paris")
    enrol_on_roster(hq_vault, station)
    hq = load_identity(hq_vault.conn)
    clock = ManualClock()
    relay = Relay(DirStore(tmp_path / "relay"), hq.public, clock=clock)
    yield Desk(hq_vault, hq, station, relay, clock)
    hq_vault.lock()


def unnumbered(hq: Identity, issued_ms: int) -> bytes:
    """A roster as HQ signed them before they were numbered: no `seq`."""
    return signed(hq, {"hq": hq.fingerprint, "issued_ms": issued_ms, "stations": []})


def signed(hq: Identity, body: dict[str, object]) -> bytes:
    sigs = hq.sign(canonical(body), CONTEXT)
    b64 = base64.b64encode
    return canonical(
        {
            "roster": body,
            "signatures": {
                "ml-dsa-87": b64(sigs.mldsa87).decode(),
                "ecdsa-p384": b64(sigs.ecdsa_p384).decode(),
            },
        }
    )


def test_a_revocation_reaches_the_relay_after_hq_s_clock_ran_a_year_ahead(desk: Desk) -> None:
    clock = hq_clock(desk.hq_vault)
    right = clock.ms
    clock.ms = right + YEAR_MS  # HQ's clock runs a year ahead for a while
    desk.sync_hq()
    assert desk.station_reads().status_code == 200

    clock.ms = right  # set right again; then the station is revoked
    revoke(desk.hq_vault, desk.station.fingerprint)
    desk.sync_hq()  # the new roster is dated a year before the one held, and replaces it

    refused = desk.station_reads()
    assert (refused.status_code, refused.json()["error"]) == (403, "revoked")
    assert desk.held() == 2


def test_a_replayed_roster_is_refused_whatever_its_date(desk: Desk) -> None:
    clock = hq_clock(desk.hq_vault)
    clock.ms += YEAR_MS
    first = build_roster(desk.hq_vault)  # number 1, dated a year ahead
    clock.ms -= YEAR_MS
    revoke(desk.hq_vault, desk.station.fingerprint)
    second = build_roster(desk.hq_vault)  # number 2, dated now
    assert desk.put(second).status_code == 204
    replayed, again = desk.put(first), desk.put(second)
    assert (replayed.status_code, replayed.json()["error"]) == (409, "stale-roster")
    assert (again.status_code, again.json()["error"]) == (409, "stale-roster")
    assert desk.station_reads().json()["error"] == "revoked"


def test_a_numbered_roster_replaces_an_unnumbered_one_and_never_the_reverse(
    desk: Desk,
) -> None:
    ahead = unnumbered(desk.hq, hq_clock(desk.hq_vault).ms + YEAR_MS)
    assert desk.put(ahead).status_code == 204  # held, as before numbers
    older = desk.put(unnumbered(desk.hq, hq_clock(desk.hq_vault).ms))
    assert older.json()["error"] == "stale-roster"  # between unnumbered ones, the date decides

    desk.sync_hq()  # HQ asks the relay (it never issued one), finds 0, issues number 1
    assert desk.held() == 1 and desk.station_reads().status_code == 200
    later = unnumbered(desk.hq, hq_clock(desk.hq_vault).ms + 2 * YEAR_MS)
    assert desk.put(later).json()["error"] == "stale-roster"


def test_a_restored_hq_reads_the_relay_s_number_and_issues_above_it(
    desk: Desk, tmp_path: Path
) -> None:
    desk.sync_hq()
    create_backup(desk.hq_vault, tmp_path / "hq.ldbackup")
    for _ in range(3):
        desk.sync_hq()
    revoke(desk.hq_vault, desk.station.fingerprint)
    desk.sync_hq()
    assert desk.held() == 5
    clock = desk.hq_vault.clock
    desk.hq_vault.lock()  # HQ's machine is lost; the backup made after the first sync is restored

    restored = restore_backup(tmp_path / "hq.ldbackup", tmp_path / "hq2", PASSPHRASE, clock=clock)
    try:
        revoke(restored, desk.station.fingerprint)  # revoked again: the backup predates it
        desk.sync_hq(restored)
        assert desk.held() == 6
        assert desk.station_reads().json()["error"] == "revoked"
    finally:
        restored.lock()


def test_an_old_copy_of_hq_s_vault_learns_the_number_from_the_relay(
    desk: Desk, tmp_path: Path
) -> None:
    folder, clock = desk.hq_vault.path, desk.hq_vault.clock
    desk.sync_hq()
    desk.hq_vault.lock()
    shutil.copytree(folder, tmp_path / "old-copy")
    newer = Vault.unlock(folder, PASSPHRASE, clock=clock)
    desk.sync_hq(newer)
    desk.sync_hq(newer)
    newer.lock()

    shutil.rmtree(folder)
    shutil.copytree(tmp_path / "old-copy", folder)  # the old file is put back: it counts 1
    old = Vault.unlock(folder, PASSPHRASE, clock=clock)
    try:
        desk.sync_hq(old)  # refused as stale once, then issued above what the relay holds
        assert desk.held() == 4
    finally:
        old.lock()
    desk.hq_vault = Vault.unlock(folder, PASSPHRASE, clock=clock)  # for the fixture to lock


def test_a_roster_whose_number_is_not_a_whole_number_is_damaged(desk: Desk) -> None:
    data = signed(desk.hq, {"hq": desk.hq.fingerprint, "seq": "7", "issued_ms": 0, "stations": []})
    with pytest.raises(RosterError, match="damaged"):
        read_roster(data, desk.hq.public)
    answer = desk.put(data)
    assert (answer.status_code, answer.json()["error"]) == (422, "bad-roster")
