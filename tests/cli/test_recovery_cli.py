"""`enrol accept` shows HQ's recovery policy; `travel seal`, `recovery request/grant` and
`travel restore` bring a sealed vault back with its data, once."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import Desk, init_vault, one_sentence
from tests.cli.sync_desks import new_station
from tests.relay.relay_process import RelayProcess

NEW = "the passphrase set on arrival"


def test_travel_round_trip_through_the_cli(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    paris, _paris_id = new_station(hq, tmp_path, "Paris")
    contact = paris.new_id("contact", "add", "--name", "Hélène Girard")

    assert "Sealed" in paris.ok("travel", "seal", "--yes").out
    sealed = one_sentence(paris("unlock-check").err)
    assert "sealed for travel" in sealed

    request = tmp_path / "paris-recovery.json"
    asked = paris.ok("recovery", "request", "--out", request, passphrase=None)
    code = asked.out.strip().splitlines()[-1].strip()
    grant = tmp_path / "paris-grant.json"
    granted = hq.ok("recovery", "grant", request, "--out", grant, "--yes")
    assert f"Request code: {code}" in granted.out

    restored = paris.ok(
        "travel", "restore", grant, passphrase=None, LIAISON_DESK_NEW_PASSPHRASE=NEW
    )
    assert "New recovery code" in restored.out
    paris = Desk(paris.vault, NEW)
    assert paris.ids("contact", "list") == [contact]

    replay = paris("recovery", "apply", grant, passphrase=None, LIAISON_DESK_NEW_PASSPHRASE=NEW)
    assert "already used" in one_sentence(replay.err)
    events = {row["event"] for row in paris.json("audit", "--limit", "100")}
    assert {"hq-slot-added", "travel-sealed", "travel-restored"} <= events


def test_accept_shows_hqs_policy(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    station = init_vault(tmp_path / "rome", name="Rome")[0]
    request, approval = tmp_path / "req.json", tmp_path / "approval.json"
    station.ok("enrol", "request", "--out", request)
    hq.ok("enrol", "approve", request, "--out", approval, "--yes", "--no-recovery-slot")
    accepted = station.ok("enrol", "accept", approval, "--yes")
    assert "no key slot for HQ" in accepted.out
    refused = station("travel", "seal", "--yes")
    assert "no HQ slot" in one_sentence(refused.err)


def test_travel_round_trip_through_the_relay(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    paris, _paris_id = new_station(hq, tmp_path, "Paris")
    contact = paris.new_id("contact", "add", "--name", "Hélène Girard")
    identity = tmp_path / "hq-identity.json"
    hq.ok("identity", "export", "--out", identity)
    relay = RelayProcess(
        ["--data", str(tmp_path / "relay"), "--hq-identity", str(identity)],
        tmp_path / "relay.log",
    )
    try:
        hq.ok("sync", "online", "--relay", relay.url)
        paris.ok("travel", "seal", "--yes")
        asked = paris.ok("recovery", "request", "--relay", relay.url, passphrase=None)
        code = asked.out.strip().splitlines()[1].strip()
        early = paris("travel", "restore", passphrase=None, LIAISON_DESK_NEW_PASSPHRASE=NEW)
        assert "not granted the request yet" in one_sentence(early.err)

        listed = hq.ok("recovery", "waiting").out
        assert "Paris" in listed and code in listed and "waiting" in listed
        wrong = hq("recovery", "grant", "--code", "0000 0000 0000 0000 0000", "--yes")
        assert "No recovery request with that code" in one_sentence(wrong.err)
        assert "Granted to Paris" in hq.ok("recovery", "grant", "--code", code, "--yes").out

        restored = paris.ok("travel", "restore", passphrase=None, LIAISON_DESK_NEW_PASSPHRASE=NEW)
        assert "New recovery code" in restored.out
    finally:
        relay.stop()
    paris = Desk(paris.vault, NEW)
    assert paris.ids("contact", "list") == [contact]
