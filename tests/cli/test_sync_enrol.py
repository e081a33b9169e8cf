"""Identity and enrolment from the command line: fingerprints shown, compared, then trusted.

The tests share one HQ and one station and run in the order written: the
station is enrolled halfway through, after the refusals that must leave both
vaults untouched.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import PeerIdentity, grouped
from liaison_desk.sync.own_identity import load_identity
from tests.cli.runner import PASSPHRASE, Desk, init_vault, one_sentence


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("enrol")


@pytest.fixture(scope="module")
def hq(root: Path) -> Desk:
    return init_vault(root / "hq", name="HQ Paris", role="hq")[0]


@pytest.fixture(scope="module")
def station(root: Path) -> Desk:
    return init_vault(root / "rome", name="Rome DAO")[0]


def shows_grouped(out: str, fingerprint: str) -> bool:
    lines = [line.strip() for line in out.splitlines()]
    rows = grouped(fingerprint).splitlines()
    return len(rows) == 4 and all(row in lines for row in rows)


def test_identity_show_groups_the_fingerprint(station: Desk) -> None:
    me = station.json("identity", "show")
    text = station.ok("identity", "show").out

    assert me["name"] == "Rome DAO"
    assert me["role"] == "station"
    assert len(me["fingerprint"]) == 96
    assert "Name: Rome DAO" in text
    assert shows_grouped(text, me["fingerprint"])


def test_identity_export_writes_public_keys_only(station: Desk, root: Path) -> None:
    out = root / "rome-identity.json"

    station.ok("identity", "export", "--out", out)

    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) == {"name", "role", "post", "fingerprint", "keys"}
    assert set(data["keys"]) == {"ml-dsa-87", "ecdsa-p384", "ml-kem-1024", "kem-p384"}
    assert PeerIdentity.from_json(data).fingerprint == data["fingerprint"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    vault = Vault.unlock(station.vault, PASSPHRASE)
    try:
        secrets = load_identity(vault.conn).secrets
    finally:
        vault.lock()
    raw = out.read_bytes()
    for secret in (
        secrets.mldsa87_seed,
        secrets.ecdsa_p384,
        secrets.mlkem1024_seed,
        secrets.kem_p384,
    ):
        for form in (secret, secret.hex().encode(), base64.b64encode(secret)):
            assert form not in raw


def test_only_a_station_requests_and_only_hq_approves(hq: Desk, station: Desk, root: Path) -> None:
    request = root / "request.json"
    station.ok("enrol", "request", "--out", request)

    from_hq = hq("enrol", "request", "--out", root / "hq-request.json")
    on_station = station("enrol", "approve", request, "--out", root / "x.json", "--yes")

    assert from_hq.code == 1
    assert "Only a station" in one_sentence(from_hq.err)
    assert on_station.code == 1
    assert "Only an HQ vault approves" in one_sentence(on_station.err)
    assert not (root / "x.json").exists()


def test_approve_without_a_terminal_or_yes_refuses(hq: Desk, station: Desk, root: Path) -> None:
    approval = root / "approval.json"
    me = json.loads((root / "request.json").read_text(encoding="utf-8"))["identity"]

    result = hq("enrol", "approve", root / "request.json", "--out", approval)

    assert result.code == 1
    assert "compare the fingerprint" in one_sentence(result.err)
    assert "--yes" in result.err
    assert "Station: Rome DAO" in result.out
    assert shows_grouped(result.out, me["fingerprint"])
    assert not approval.exists()
    assert hq.json("peers", "list") == []


def test_a_file_that_is_not_a_request_is_refused(hq: Desk, root: Path) -> None:
    junk = root / "junk.json"
    junk.write_text("{}", encoding="utf-8")

    result = hq("enrol", "approve", junk, "--out", root / "y.json", "--yes")

    assert result.code == 1
    assert "not an enrolment file" in one_sentence(result.err)


def test_approve_then_accept_enrols_both_sides(hq: Desk, station: Desk, root: Path) -> None:
    approval = root / "approval.json"
    me = json.loads((root / "request.json").read_text(encoding="utf-8"))["identity"]

    approved = hq.ok("enrol", "approve", root / "request.json", "--out", approval, "--yes")
    hq_id = json.loads(approval.read_text(encoding="utf-8"))["hq"]["fingerprint"]
    unconfirmed = station("enrol", "accept", approval)
    assert station.json("peers", "list") == []
    accepted = station.ok("enrol", "accept", approval, "--yes")

    assert shows_grouped(approved.out, me["fingerprint"])
    assert "Enrolled Rome DAO" in approved.out
    assert unconfirmed.code == 1
    assert "compare the fingerprint with HQ" in one_sentence(unconfirmed.err)
    assert "HQ: HQ Paris" in accepted.out
    assert shows_grouped(accepted.out, hq_id)
    (pinned,) = station.json("peers", "list")
    assert (pinned["id"], pinned["name"], pinned["role"]) == (hq_id, "HQ Paris", "hq")
    (enrolled,) = hq.json("peers", "list")
    assert (enrolled["id"], enrolled["status"]) == (me["fingerprint"], "enrolled")
    table = hq.ok("peers", "list").out
    assert me["fingerprint"][:16] in table
    assert me["fingerprint"] not in table  # people see the short id


def test_an_approval_for_another_station_is_refused(root: Path) -> None:
    other = init_vault(root / "oslo", name="Oslo DAO")[0]

    result = other("enrol", "accept", root / "approval.json", "--yes")

    assert result.code == 1
    assert "for another station" in one_sentence(result.err)


def test_groups_of_stations(hq: Desk, station: Desk, root: Path) -> None:
    me = json.loads((root / "request.json").read_text(encoding="utf-8"))["identity"]
    prefix = me["fingerprint"][:10]

    said = hq.ok("peers", "group", "set", "north", prefix).out
    groups = hq.json("peers", "group", "list")
    on_station = station("peers", "group", "set", "north", prefix)

    assert said.strip() == "Group north: Rome DAO."
    assert groups == [{"name": "north", "members": [{"id": me["fingerprint"], "name": "Rome DAO"}]}]
    assert on_station.code == 1
    assert "Only HQ" in one_sentence(on_station.err)
