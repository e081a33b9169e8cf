"""HQ's recovery slot: request, grant, apply; travel mode; and what a grant cannot be made to do."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.errors import VaultSealed, WrongPassphrase
from liaison_desk.core.keyslots import read_keyfile
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol, recovery
from liaison_desk.sync.errors import RecoveryError
from liaison_desk.sync.identity import canonical
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import revoke
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.sync.helpers import enrol_station, fingerprint, make_vault

NEW = "a fresh passphrase after the border"


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq = make_vault(tmp_path, "hq", "hq")
    paris = make_vault(tmp_path, "paris")
    enrol_station(hq, paris)
    paris.store.add(Contact(full_name="Hélène Girard", notes="met at the reception"))
    yield hq, paris
    hq.lock()
    paris.lock()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _contacts(vault: Vault) -> list[str]:
    return [c.full_name for c in vault.store.list(Contact)]


def test_hq_policy_puts_a_third_slot_bound_to_station_and_hq(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    keyfile = read_keyfile(paris.path / "keys.json")
    assert keyfile.hq is not None
    assert (keyfile.hq.station, keyfile.hq.hq) == (fingerprint(paris), fingerprint(hq))
    assert [s.kind for s in keyfile.slots] == ["passphrase", "recovery"]
    events = [e.event for e in audit.entries(paris.conn)]
    assert "hq-slot-added" in events

    rome = make_vault(tmp_path, "rome")
    request = enrol.write_request(load_identity(rome.conn), rome.clock)
    _, approval = enrol.approve(hq, request, recovery_slot=False)
    assert not enrol.asks_recovery_slot(approval)
    enrol.accept(rome, approval)
    assert rome.keyfile.hq is None
    rome.lock()
    with pytest.raises(RecoveryError, match="no HQ slot"):
        recovery.write_request(rome.path)


def test_recovery_round_trip_when_both_secrets_are_lost(pair: tuple[Vault, Vault]) -> None:
    hq, paris = pair
    station = fingerprint(paris)
    paris.lock()
    data, code = recovery.write_request(paris.path)
    assert PASSPHRASE.encode() not in data

    peer, hq_code, made = recovery.grant(hq, data)
    assert peer.fingerprint == station and hq_code == code
    assert "recovery-granted" in [e.event for e in audit.entries(hq.conn)]

    opened, new_code = recovery.apply_grant(paris.path, made, NEW, kdf=FAST_KDF)
    assert _contacts(opened) == ["Hélène Girard"]
    assert "recovery-applied" in [e.event for e in audit.entries(opened.conn)]
    opened.lock()
    with pytest.raises(WrongPassphrase):
        Vault.unlock(paris.path, PASSPHRASE)
    with Vault.unlock(paris.path, NEW) as again:
        assert _contacts(again) == ["Hélène Girard"]
    Vault.recover(paris.path, new_code, "and yet another passphrase", kdf=FAST_KDF).lock()

    # The grant applies once: replayed, it finds no request waiting, and changes nothing.
    kept = _files(paris.path)
    with pytest.raises(RecoveryError, match="already used"):
        recovery.apply_grant(paris.path, made, "a passphrase of the replay", kdf=FAST_KDF)
    assert _files(paris.path) == kept


def test_a_grant_for_an_older_request_or_signed_by_another_key_changes_nothing(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    paris.lock()
    first, _ = recovery.write_request(paris.path)
    stale = recovery.grant(hq, first)[2]
    second, _ = recovery.write_request(paris.path)
    kept = _files(paris.path)
    with pytest.raises(RecoveryError, match="another request"):
        recovery.apply_grant(paris.path, stale, NEW, kdf=FAST_KDF)
    assert _files(paris.path) == kept

    # Another HQ's signature over a grant that would open the vault: refused, nothing set.
    good = json.loads(recovery.grant(hq, second)[2])
    other = make_vault(tmp_path, "rogue", "hq")
    body = {k: v for k, v in good.items() if k != "signatures"}
    signatures = load_identity(other.conn).sign(canonical(body), recovery.GRANT.encode())
    other.lock()
    good["signatures"] = {
        "ml-dsa-87": base64.b64encode(signatures.mldsa87).decode(),
        "ecdsa-p384": base64.b64encode(signatures.ecdsa_p384).decode(),
    }
    kept = _files(paris.path)
    with pytest.raises(RecoveryError, match="not signed by this station's HQ"):
        recovery.apply_grant(paris.path, json.dumps(good).encode(), NEW, kdf=FAST_KDF)
    assert _files(paris.path) == kept
    Vault.unlock(paris.path, PASSPHRASE).lock()


def test_hq_refuses_a_request_altered_for_another_hq_or_from_a_revoked_station(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, paris = pair
    paris.lock()
    data, _ = recovery.write_request(paris.path)
    altered = json.loads(data)
    altered["vault_id"] = "0" * 36
    with pytest.raises(RecoveryError, match="does not open"):
        recovery.grant(hq, json.dumps(altered).encode())
    other = make_vault(tmp_path, "other-hq", "hq")
    with pytest.raises(RecoveryError, match="another HQ"):
        recovery.grant(other, data)
    other.lock()
    revoke(hq, fingerprint_of(paris.path))
    with pytest.raises(RecoveryError, match="revoked"):
        recovery.grant(hq, data)


def fingerprint_of(folder: Path) -> str:
    keyfile = read_keyfile(folder / "keys.json")
    assert keyfile.hq is not None
    return keyfile.hq.station


def test_travel_seal_then_restore_with_data_intact(pair: tuple[Vault, Vault]) -> None:
    hq, paris = pair
    folder = paris.path
    recovery.seal_for_travel(paris)
    assert paris.locked and recovery.is_sealed(folder)
    sealed = read_keyfile(folder / "keys.json")
    assert sealed.slots == () and sealed.hq is not None

    # Nothing the officer knows or carries opens it.
    with pytest.raises(VaultSealed):
        Vault.unlock(folder, PASSPHRASE)
    with pytest.raises(VaultSealed):
        Vault.recover(folder, "0000-0000-0000-0000-0000-0000-0000-0000", NEW, kdf=FAST_KDF)
    data, _ = recovery.write_request(folder)  # on arrival
    with pytest.raises(VaultSealed):
        Vault.unlock(folder, PASSPHRASE)

    made = recovery.grant(hq, data)[2]
    opened, _code = recovery.apply_grant(folder, made, NEW, kdf=FAST_KDF)
    assert _contacts(opened) == ["Hélène Girard"]
    events = [e.event for e in audit.entries(opened.conn)]
    assert "travel-sealed" in events and "travel-restored" in events
    opened.lock()
    assert not recovery.is_sealed(folder)
    Vault.unlock(folder, NEW).lock()


def test_a_vault_without_hq_slot_is_not_sealed(tmp_path: Path) -> None:
    alone = make_vault(tmp_path, "alone")
    kept = _files(alone.path)
    with pytest.raises(RecoveryError, match="not sealed"):
        recovery.seal_for_travel(alone)
    assert _files(alone.path) == kept
    alone.lock()
