"""Identities and enrolment: keys made with the vault, fingerprints, signed request and approval."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.errors import EnrolmentError, PeerError
from liaison_desk.sync.identity import PeerIdentity, grouped
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import find_peer, hq_peer, list_peers, revoke
from tests.conftest import PASSPHRASE
from tests.sync.helpers import enrol_station, fingerprint, make_vault


def test_every_vault_gets_an_identity_that_survives_locking(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, "Paris")
    first = load_identity(vault.conn)
    assert re.fullmatch(r"[0-9a-f]{96}", first.fingerprint)
    vault.lock()
    with Vault.unlock(tmp_path / "Paris", PASSPHRASE) as again:
        assert load_identity(again.conn).fingerprint == first.fingerprint
    other = make_vault(tmp_path, "Tokyo")
    assert fingerprint(other) != first.fingerprint


def test_fingerprint_reads_aloud_in_groups() -> None:
    text = grouped("0123456789abcdef" * 6)
    lines = text.splitlines()
    assert len(lines) == 4
    assert lines[0] == "0123 4567 89ab cdef 0123 4567"
    assert all(len(group) == 4 for line in lines for group in line.split())


def test_public_identity_round_trips_and_holds_no_secret(tmp_path: Path) -> None:
    vault = make_vault(tmp_path, "Paris")
    me = load_identity(vault.conn)
    exported = json.dumps(me.public.to_json())
    assert PeerIdentity.from_json(json.loads(exported)).fingerprint == me.fingerprint
    for secret in (me.secrets.mldsa87_seed, me.secrets.mlkem1024_seed, me.secrets.ecdsa_p384):
        assert secret.hex() not in exported
    tampered = json.loads(exported)
    tampered["fingerprint"] = "0" * 96
    with pytest.raises(EnrolmentError, match="does not match"):
        PeerIdentity.from_json(tampered)


def test_enrolment_pins_both_sides(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Paris")
    enrol_station(hq, station)
    assert [p.fingerprint for p in list_peers(hq.conn)] == [fingerprint(station)]
    pinned = hq_peer(station.conn)
    assert pinned is not None and pinned.fingerprint == fingerprint(hq)
    assert "enrolment" in [e.event for e in audit.entries(station.conn)]


def test_roles_are_checked(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Paris")
    with pytest.raises(EnrolmentError, match="Only a station"):
        enrol.write_request(load_identity(hq.conn), hq.clock)
    request = enrol.write_request(load_identity(station.conn), station.clock)
    with pytest.raises(EnrolmentError, match="Only an HQ"):
        enrol.approve(station, request)


def test_an_altered_request_is_refused(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Paris")
    body = json.loads(enrol.write_request(load_identity(station.conn), station.clock))
    body["identity"]["name"] = "Impostor"
    with pytest.raises(EnrolmentError, match="altered"):
        enrol.approve(hq, json.dumps(body).encode())
    assert list_peers(hq.conn) == []
    for junk in (b"", b"not json", b"{}", json.dumps({"format": "x"}).encode(), b"x" * 70_000):
        with pytest.raises(EnrolmentError):
            enrol.approve(hq, junk)


def test_an_approval_only_works_for_its_station_and_hq_cannot_be_swapped(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    rogue_hq = make_vault(tmp_path, "Rogue", "hq")
    paris = make_vault(tmp_path, "Paris")
    tokyo = make_vault(tmp_path, "Tokyo")
    _, approval = enrol.approve(hq, enrol.write_request(load_identity(paris.conn), paris.clock))
    with pytest.raises(EnrolmentError, match="another station"):
        enrol.accept(tokyo, approval)
    altered = json.loads(approval)
    altered["hq"]["name"] = "Other HQ"
    with pytest.raises(EnrolmentError, match="altered"):
        enrol.accept(paris, json.dumps(altered).encode())
    enrol.accept(paris, approval)
    _, rogue = enrol.approve(rogue_hq, enrol.write_request(load_identity(paris.conn), paris.clock))
    with pytest.raises(EnrolmentError, match="already enrolled"):
        enrol.accept(paris, rogue)
    pinned = hq_peer(paris.conn)
    assert pinned is not None and pinned.fingerprint == fingerprint(hq)


def test_an_approval_is_checked_without_pinning_then_pinned_once_confirmed(
    tmp_path: Path,
) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    rogue_hq = make_vault(tmp_path, "Rogue", "hq")
    paris = make_vault(tmp_path, "Paris")
    request = enrol.write_request(load_identity(paris.conn), paris.clock)
    _, rogue = enrol.approve(rogue_hq, request)
    _, approval = enrol.approve(hq, request)
    assert enrol.check_approval(paris, rogue).fingerprint == fingerprint(rogue_hq)
    assert hq_peer(paris.conn) is None and list_peers(paris.conn) == []
    assert "enrolment" not in [e.event for e in audit.entries(paris.conn)]
    real = enrol.check_approval(paris, approval)
    enrol.pin_hq(paris, real, approval)
    pinned = hq_peer(paris.conn)
    assert pinned is not None and pinned.fingerprint == fingerprint(hq)
    with pytest.raises(EnrolmentError, match="already enrolled"):
        enrol.check_approval(paris, rogue)
    with pytest.raises(EnrolmentError, match="already enrolled"):  # checked, then pinned late
        enrol.pin_hq(paris, PeerIdentity.from_json(json.loads(rogue)["hq"]), rogue)
    assert [p.fingerprint for p in list_peers(paris.conn)] == [fingerprint(hq)]


def test_peers_are_found_by_prefix_and_revoked(tmp_path: Path) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Paris")
    enrol_station(hq, station)
    fp = fingerprint(station)
    spaced = " ".join(fp[i : i + 4] for i in range(0, 12, 4))
    assert find_peer(hq.conn, spaced).fingerprint == fp
    with pytest.raises(PeerError, match="at least"):
        find_peer(hq.conn, fp[:4])
    with pytest.raises(PeerError, match="No enrolled peer"):
        find_peer(hq.conn, "ffffffffffff" if not fp.startswith("ffff") else "000000000000")
    revoke(hq, fp)
    (peer,) = list_peers(hq.conn)
    assert (peer.status, peer.active) == ("revoked", False)
