"""Recovery and travel restore through a real relay process on 127.0.0.1: no drive carried.

The station is locked out, so it signs with the request's own reply key; HQ
grants the request whose code the officer read; the grant comes back for that
laptop alone. A grant for another station, or one served again, changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.errors import VaultSealed, WrongPassphrase
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import recovery, recovery_relay
from liaison_desk.sync.compromise import revoke_station
from liaison_desk.sync.errors import RecoveryError, RelayRefused
from liaison_desk.sync.online import set_relay_url, sync_online
from liaison_desk.sync.relay_client import RelayClient
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.relay.relay_process import RelayProcess, export_identity, relay_process
from tests.sync.helpers import enrol_station, fingerprint, make_vault

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


def test_a_grant_for_another_station_changes_nothing(
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
    station_rome = recovery_relay.station_of(rome.path)

    # Paris's laptop may not fetch Rome's grant: only Rome's reply key may.
    with (
        RelayClient(relay.url, paris_pending.identity()) as client,
        pytest.raises(RelayRefused) as refused,
    ):
        client.small("GET", f"/v1/recovery/{station_rome}/{rome_request}/grant", "a grant")
    assert refused.value.code == "not-your-request"

    # Rome's grant served to Paris (the relay misbehaving): refused, nothing changed.
    rome_grant = (_box(tmp_path) / f"{station_rome}.{rome_request}.grant").read_bytes()
    own = _box(tmp_path) / f"{recovery_relay.station_of(paris.path)}.{paris_pending.request}.grant"
    own.write_bytes(rome_grant)
    kept = _files(paris.path)
    with pytest.raises(RecoveryError, match=r"another vault|another station"):
        recovery_relay.apply_from_relay(paris.path, NEW, kdf=FAST_KDF)
    assert _files(paris.path) == kept
    Vault.unlock(paris.path, PASSPHRASE).lock()


def test_the_relay_refuses_a_request_from_a_revoked_station_or_signed_by_another_key(
    trio: tuple[Vault, Vault, Vault], relay: RelayProcess, tmp_path: Path
) -> None:
    hq, paris, rome = trio
    rome.lock()
    data, _ = recovery.write_request(rome.path)
    body, digest = recovery.read_request(data)
    path = f"/v1/recovery/{body['station']}/{digest}"
    recovery.write_request(rome.path)  # another reply key: not the one the request names
    other = recovery.read_pending(rome.path)
    assert other.request != digest
    with RelayClient(relay.url, other.identity()) as client, pytest.raises(RelayRefused) as bad:
        client.small("PUT", path, "a request", data)
    assert bad.value.code == "not-your-request"

    revoke_station(hq, fingerprint(paris), "laptop taken at the border")
    sync_online(hq, relay.url)
    paris.lock()
    with pytest.raises(RelayRefused, match="laptop taken at the border"):
        recovery_relay.send_request(paris.path, relay.url)
    assert not _box(tmp_path).exists() or not list(_box(tmp_path).iterdir())
