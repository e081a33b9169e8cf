"""Recovery and travel restore through a real relay process on 127.0.0.1: no drive carried.

The station is locked out, so it signs with the request's own reply key; HQ
grants the request whose code the officer read; the grant comes back for that
laptop alone. A grant for another station, or one served again, changes nothing;
the relay keeps each request to its own laptop and HQ, and refuses a revoked station.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.errors import VaultSealed, WrongPassphrase
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.relay.recovery_box import MAX_WAITING
from liaison_desk.sync import recovery, recovery_relay
from liaison_desk.sync.compromise import revoke_station
from liaison_desk.sync.errors import RecoveryError, RelayRefused
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import set_relay_url, sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.relay_client import RelayClient
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.relay.relay_process import RelayProcess, export_identity, relay_process
from tests.sync.helpers import enrol_station, make_vault

NEW = "a fresh passphrase after the border"
NAME = "Hélène Girard 4c2e"


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    rome = make_vault(tmp_path, "rome")
    enrol_station(hq, paris)
    enrol_station(hq, rome)
    paris.store.add(Contact(full_name=NAME, notes="met at the reception"))
    yield hq, paris, rome
    for vault in (hq, paris, rome):
        vault.lock()


@pytest.fixture
def relay(trio: tuple[Vault, Vault, Vault], tmp_path: Path) -> Iterator[RelayProcess]:
    hq = trio[0]
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as r:
        sync_online(hq, r.url)  # the roster: the relay knows both stations
        set_relay_url(hq, r.url)
        yield r


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _box(tmp_path: Path) -> Path:
    return tmp_path / "relay" / "mailboxes" / "recovery"


def test_a_sealed_vault_is_restored_through_the_relay_with_data_intact(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, tmp_path: Path
) -> None:
    hq, paris, _ = trio
    folder = paris.path
    recovery.seal_for_travel(paris)
    with pytest.raises(VaultSealed):
        Vault.unlock(folder, PASSPHRASE)

    code = recovery_relay.send_request(folder, relay.url)
    [waiting] = recovery_relay.waiting_requests(hq)
    assert (waiting.name, waiting.code, waiting.granted) == ("paris", code, False)
    with pytest.raises(RecoveryError, match="not granted the request yet"):
        recovery_relay.fetch_grant(folder)
    with pytest.raises(VaultSealed):  # still nothing opens it
        Vault.unlock(folder, PASSPHRASE)

    assert recovery_relay.grant_through_relay(hq, code.upper()).name == "paris"
    assert [w.granted for w in recovery_relay.waiting_requests(hq)] == [True]
    opened, _new_code = recovery_relay.apply_from_relay(folder, NEW, kdf=FAST_KDF)
    assert [c.full_name for c in opened.store.list(Contact)] == [NAME]
    assert "travel-restored" in [e.event for e in audit.entries(opened.conn)]
    opened.lock()
    assert not recovery.is_sealed(folder)
    Vault.unlock(folder, NEW).lock()
    # The relay forgot the request and its grant, and never held anything readable.
    assert recovery_relay.waiting_requests(hq) == []
    blobs = [p.read_bytes() for p in (tmp_path / "relay").rglob("*") if p.is_file()]
    assert not any(NAME.encode() in b or PASSPHRASE.encode() in b for b in blobs)


def test_recovery_round_trip_through_the_relay_and_a_grant_served_again_changes_nothing(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, tmp_path: Path
) -> None:
    hq, paris, _ = trio
    folder = paris.path
    paris.lock()  # both secrets lost
    code = recovery_relay.send_request(folder, relay.url)
    recovery_relay.grant_through_relay(hq, code)
    used = recovery_relay.fetch_grant(folder)
    opened, new_code = recovery_relay.apply_from_relay(folder, NEW, kdf=FAST_KDF)
    assert [c.full_name for c in opened.store.list(Contact)] == [NAME]
    assert "recovery-applied" in [e.event for e in audit.entries(opened.conn)]
    opened.lock()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(folder, PASSPHRASE)
    Vault.recover(folder, new_code, "and yet another passphrase", kdf=FAST_KDF).lock()

    # A later request, and the old grant served for it (a relay replaying what it saw).
    recovery_relay.send_request(folder, relay.url)
    pending = recovery.read_pending(folder)
    (_box(tmp_path) / f"{recovery_relay.station_of(folder)}.{pending.request}.grant").write_bytes(
        used
    )
    kept = _files(folder)
    with pytest.raises(RecoveryError, match="answers another request"):
        recovery_relay.apply_from_relay(folder, "a passphrase of the replay", kdf=FAST_KDF)
    assert _files(folder) == kept
    Vault.unlock(folder, "and yet another passphrase").lock()


def test_a_grant_for_another_station_changes_nothing_and_the_relay_keeps_each_to_its_own(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, tmp_path: Path
) -> None:
    hq, paris, rome = trio
    paris.lock()
    rome.lock()
    recovery_relay.send_request(paris.path, relay.url)
    rome_code = recovery_relay.send_request(rome.path, relay.url)
    recovery_relay.grant_through_relay(hq, rome_code)
    paris_pending = recovery.read_pending(paris.path)
    rome_request = recovery.read_pending(rome.path).request
    station_paris = recovery_relay.station_of(paris.path)
    station_rome = recovery_relay.station_of(rome.path)

    def refused(me: Identity, method: str, path: str, body: bytes | None = None) -> str:
        with RelayClient(relay.url, me) as client, pytest.raises(RelayRefused) as caught:
            client.small(method, path, "a recovery request", body)
        return caught.value.code

    # Paris's laptop may not fetch Rome's grant, nor list what waits: only HQ lists.
    grant_path = f"/v1/recovery/{station_rome}/{rome_request}/grant"
    assert refused(paris_pending.identity(), "GET", grant_path) == "not-your-request"
    assert refused(paris_pending.identity(), "GET", "/v1/recovery") == "not-hq"
    # HQ's signature on a grant does not take it to another request's address.
    rome_grant = (_box(tmp_path) / f"{station_rome}.{rome_request}.grant").read_bytes()
    paris_path = f"/v1/recovery/{station_paris}/{paris_pending.request}/grant"
    assert refused(load_identity(hq.conn), "PUT", paris_path, rome_grant) == "header-mismatch"

    # Rome's grant served to Paris (the relay misbehaving): refused, nothing changed.
    (_box(tmp_path) / f"{station_paris}.{paris_pending.request}.grant").write_bytes(rome_grant)
    kept = _files(paris.path)
    with pytest.raises(RecoveryError, match=r"another vault|another station"):
        recovery_relay.apply_from_relay(paris.path, NEW, kdf=FAST_KDF)
    assert _files(paris.path) == kept
    Vault.unlock(paris.path, PASSPHRASE).lock()

    # A request is sent by the reply key it names; a station has a few waiting at most.
    data, _ = recovery.write_request(rome.path)
    digest = recovery.read_request(data)[1]
    recovery.write_request(rome.path)  # another reply key
    other = recovery.read_pending(rome.path).identity()
    path = f"/v1/recovery/{station_rome}/{digest}"
    assert refused(other, "PUT", path, data) == "not-your-request"
    for _ in range(MAX_WAITING - 1):
        recovery_relay.send_request(rome.path, relay.url)
    with pytest.raises(RelayRefused, match="already wait for HQ"):
        recovery_relay.send_request(rome.path, relay.url)
    # HQ removes one nobody called about, and the officer's request goes through.
    stale = next(w for w in recovery_relay.waiting_requests(hq) if w.name == "rome")
    assert recovery_relay.discard_waiting(hq, stale.code).request == stale.request
    recovery_relay.send_request(rome.path, relay.url)

    # A revoked station's request is refused with HQ's reason.
    before = sorted(p.name for p in _box(tmp_path).iterdir())
    revoke_station(hq, station_paris, "laptop taken at the border")
    sync_online(hq, relay.url)
    with pytest.raises(RelayRefused, match="laptop taken at the border"):
        recovery_relay.send_request(paris.path, relay.url)
    assert sorted(p.name for p in _box(tmp_path).iterdir()) == before
