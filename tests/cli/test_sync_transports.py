"""`sync drive` and `sync online` from the command line, and `relay serve`'s own refusals."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence, run_cli
from tests.cli.sync_desks import enrol
from tests.relay.relay_process import RelayProcess


@dataclass
class Pair:
    root: Path
    hq: Desk
    rome: Desk


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    root = tmp_path_factory.mktemp("transports")
    hq = init_vault(root / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(root / "rome", name="Rome DAO")[0]
    enrol(hq, rome, root)
    return Pair(root, hq, rome)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sync_drive_does_both_directions_and_prints_a_summary(pair: Pair) -> None:
    usb = pair.root / "usb"
    usb.mkdir()
    pair.rome.ok("contact", "add", "--name", "Col. Bianchi")
    first = pair.rome.ok("sync", "drive", usb)
    assert "wrote     1 change and 0 files for HQ Paris" in first.out
    at_hq = pair.hq.json("sync", "drive", usb)
    assert [r["ops"] for r in at_hq["applied"]] == [1]
    assert [s["peer_name"] for s in at_hq["sent"]] == ["Rome DAO"] and at_hq["error"] is None
    back = pair.rome.ok("sync", "drive", usb)
    assert "applied   a bundle from HQ Paris" in back.out


def test_sync_drive_on_a_missing_drive_is_one_sentence(pair: Pair) -> None:
    result = pair.rome("sync", "drive", pair.root / "not-plugged-in")
    assert result.code == 1
    assert "check the drive is plugged in" in one_sentence(result.err)


def test_sync_online_needs_a_relay_and_says_when_it_is_unreachable(pair: Pair) -> None:
    unset = pair.rome("sync", "online")
    assert unset.code == 1 and "--relay URL" in one_sentence(unset.err)
    down = pair.rome("sync", "online", "--relay", f"http://127.0.0.1:{free_port()}")
    assert down.code == 1 and "cannot be reached" in one_sentence(down.err)
    bad = pair.rome("sync", "online", "--relay", "relay.example")
    assert bad.code == 1 and "is not a relay address" in one_sentence(bad.err)
    not_pem = pair.root / "not-a-cert.pem"
    not_pem.write_text("hello")
    no_ca = pair.rome("sync", "online", "--relay", "https://127.0.0.1:9", "--ca", not_pem)
    assert no_ca.code == 1 and "no certificate in PEM form" in one_sentence(no_ca.err)


def test_sync_online_through_a_relay_served_by_the_cli(pair: Pair) -> None:
    identity = pair.root / "hq-identity.json"
    pair.hq.ok("identity", "export", "--out", identity)
    data = pair.root / "relay"
    relay = RelayProcess(
        ["--data", str(data), "--hq-identity", str(identity)], pair.root / "relay.log"
    )
    try:
        pair.hq.ok("sync", "online", "--relay", relay.url)
        pair.rome.ok("contact", "add", "--name", "Gen. Rossi")
        sent = pair.rome.json("sync", "online", "--relay", relay.url)
        assert [s["ops"] for s in sent["sent"]] == [1]
        got = pair.hq.json("sync", "online")  # the address was remembered
        assert sum(r["ops"] for r in got["applied"]) == 1 and got["roster_sent"] is True
    finally:
        relay.stop()
    assert " PUT /v1/roster 204 " in relay.access_log()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one store"),
        (("--data", "{root}/d", "--s3-bucket", "b"), "exactly one store"),
        (("--data", "{root}/d", "--tls-cert", "{identity}"), "both --tls-cert and --tls-key"),
    ],
)
def test_relay_serve_refuses_a_muddled_setup_in_one_sentence(
    pair: Pair, args: tuple[str, ...], message: str
) -> None:
    identity = pair.root / "hq-identity.json"
    pair.hq.ok("identity", "export", "--out", identity)
    given = [a.format(root=pair.root, identity=identity) for a in args]
    result = run_cli("relay", "serve", "--hq-identity", identity, "--port", "0", *given)
    assert result.code == 1 and message in one_sentence(result.err)


def test_relay_serve_wants_hq_s_identity_not_a_station_s(pair: Pair) -> None:
    identity = pair.root / "rome-identity.json"
    pair.rome.ok("identity", "export", "--out", identity)
    result = run_cli("relay", "serve", "--hq-identity", identity, "--data", pair.root / "r2")
    assert result.code == 1 and "needs HQ's" in one_sentence(result.err)


def test_relay_serve_on_a_port_in_use_is_one_sentence(pair: Pair) -> None:
    identity = pair.root / "hq-identity.json"
    pair.hq.ok("identity", "export", "--out", identity)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        result = run_cli(
            "relay", "serve", "--hq-identity", identity, "--data", pair.root / "r3", "--port", port
        )
    assert result.code == 1 and "cannot listen on 127.0.0.1 port" in one_sentence(result.err)
