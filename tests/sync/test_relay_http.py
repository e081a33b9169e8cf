"""The relay client bounds every answer, in size and in time, whatever answers in the relay's place.

A relay (or what answers for it) on 127.0.0.1 sends a listing of 256 MiB, a
bundle larger than listed, a byte every tenth of a second: the client says so
in a sentence, having read no more than its limit, within its deadline.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import pytest

from liaison_desk.sync.bundle_limit import set_max_bundle_mib
from liaison_desk.sync.errors import RelayAnswerTooLarge, RelayTooSlow
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.relay_client import RelayClient, Waiting
from liaison_desk.sync.relay_http import ANSWER_LIMIT, LISTING_LIMIT, Deadlines
from liaison_desk.sync.roster import MAX_ROSTER
from tests.relay.certificates import self_signed
from tests.relay.clients import new_identity
from tests.sync.helpers import make_vault
from tests.sync.loopback_relay import Sent, endless, loopback_relay

MIB = 1024 * 1024
HUGE = 256 * MIB
QUICK = Deadlines(request_s=1.0, probe_s=1.0, bytes_per_s=1024 * 1024)


def endless_listing(path: str, sent: Sent) -> None:
    """A listing with no length that goes on and on (framed by the connection's end)."""
    sent.head(content_type="application/json", connection="close")
    sent.send(b'{"bundles": [')
    endless(sent, b'{"name": "x", "size": 1}, ' * 4096, HUGE)


def test_a_listing_of_256_mib_is_refused_at_its_limit_and_memory_stays_bounded() -> None:
    me = new_identity("paris")
    with loopback_relay(endless_listing) as relay, RelayClient(relay.url, me) as client:
        tracemalloc.start()
        try:
            with pytest.raises(RelayAnswerTooLarge) as refused:
                client.waiting()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert relay.finished.wait(10)
    assert "sent more than 8 MiB for the list of waiting bundles" in refused.value.message
    assert "nothing of it was kept" in refused.value.message
    assert peak < 4 * LISTING_LIMIT  # the listing as read so far, and one copy of it
    assert relay.total_sent() < HUGE // 4  # it stopped reading: the rest was never sent


def test_an_answer_that_declares_too_much_is_refused_before_a_byte_of_it_is_read() -> None:
    def declares_256_mib(path: str, sent: Sent) -> None:
        sent.head(content_type="application/json", content_length=str(HUGE))
        endless(sent, b" " * 65536, HUGE)

    me = new_identity("paris")
    with loopback_relay(declares_256_mib) as relay, RelayClient(relay.url, me) as client:
        with pytest.raises(RelayAnswerTooLarge):
            client.waiting()
        assert relay.finished.wait(10)
    assert relay.total_sent() < HUGE // 4


def test_a_bundle_larger_than_listed_is_refused_and_nothing_is_left_in_the_spool(
    tmp_path: Path,
) -> None:
    def ten_mib(path: str, sent: Sent) -> None:
        sent.head(content_type="application/octet-stream", connection="close")
        endless(sent, bytes(65536), 10 * MIB)

    me = new_identity("paris")
    listed = Waiting("a" * 16 + "-to-" + "b" * 16 + "-" + "c" * 16 + "-00000001.ldbundle", 7000)
    dest = tmp_path / listed.name
    with (
        loopback_relay(ten_mib) as relay,
        RelayClient(relay.url, me) as client,
        pytest.raises(RelayAnswerTooLarge) as refused,
    ):
        client.download(listed, dest, None)
    assert f"for bundle {listed.name}" in refused.value.message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("path", "limit"),
    [("/v1/roster", MAX_ROSTER), ("/v1/mailboxes/refused", ANSWER_LIMIT)],
    ids=["roster", "refusal"],
)
def test_a_roster_or_a_refusal_too_large_is_refused(path: str, limit: int) -> None:
    def too_much(_: str, sent: Sent) -> None:
        status = "200 OK" if path == "/v1/roster" else "500 Internal Server Error"
        sent.head(status, content_type="application/json", connection="close")
        endless(sent, b"{" * 65536, limit + 2 * MIB)

    hq = new_identity("hq", "hq")
    with (
        loopback_relay(too_much) as relay,
        RelayClient(relay.url, hq) as client,
        pytest.raises(RelayAnswerTooLarge),
    ):
        if path == "/v1/roster":
            client.roster_number()
        else:
            client.waiting()


def trickle(sent: Sent, data: bytes) -> None:
    for byte in data:
        sent.send(bytes([byte]))
        time.sleep(0.1)


@pytest.mark.parametrize(("where", "tls"), [("headers", False), ("body", False), ("body", True)])
def test_a_relay_that_trickles_is_cut_off_at_the_request_s_deadline(
    where: str, tls: bool, tmp_path: Path
) -> None:
    body = json.dumps({"bundles": []}).encode() * 200

    def trickling(path: str, sent: Sent) -> None:
        head = f"HTTP/1.1 200 OK\r\ncontent-length: {len(body)}\r\nx-padding: {'.' * 400}\r\n\r\n"
        if where == "headers":
            trickle(sent, head.encode())
        else:
            sent.send(head.encode())
            trickle(sent, body)

    me = new_identity("paris")
    cert = self_signed(tmp_path) if tls else None
    authority = cert[0].read_text() if cert else None
    with (
        loopback_relay(trickling, cert) as relay,
        RelayClient(relay.url, me, authority, deadlines=QUICK) as client,
    ):
        started = time.monotonic()
        with pytest.raises(RelayTooSlow) as slow:
            client.waiting()
        took = time.monotonic() - started
    assert 0.9 <= took < 3.0  # the deadline, not the read timeout (30 s) nor the whole trickle
    assert "took more than 1 s over the list of waiting bundles and was cut off" in str(
        slow.value.message
    )


def test_sync_online_ends_with_a_sentence_when_the_relay_trickles(tmp_path: Path) -> None:
    def trickling(path: str, sent: Sent) -> None:
        sent.head(content_type="application/json", content_length="100000")
        trickle(sent, b" " * 100000)

    station = make_vault(tmp_path, "paris")
    try:
        with loopback_relay(trickling) as relay:
            started = time.monotonic()
            report = sync_online(station, relay.url, deadlines=QUICK)
            took = time.monotonic() - started
    finally:
        station.lock()
    assert isinstance(report.error, RelayTooSlow) and took < 5.0
    assert "Nothing was lost" in report.error.message


def test_a_bundle_listed_above_the_vaults_limit_is_reported_and_left_on_the_relay(
    tmp_path: Path,
) -> None:
    """A relay listing a 3 GiB bundle would fill the spool before the bundle's own reader
    refused it: the listed size is held to the vault's limit (`sync max-bundle`) first."""
    name = "a" * 16 + "-to-" + "b" * 16 + "-" + "c" * 16 + "-00000001.ldbundle"
    asked: list[str] = []

    def lists_three_gib(path: str, sent: Sent) -> None:
        asked.append(path)
        if path.endswith(".ldbundle"):  # collected since it was listed
            body = json.dumps({"error": "not-found", "message": "No such bundle."}).encode()
            sent.head(
                "404 Not Found", content_type="application/json", content_length=str(len(body))
            )
        else:
            body = json.dumps({"bundles": [{"name": name, "size": 3 << 30}]}).encode()
            sent.head(content_type="application/json", content_length=str(len(body)))
        sent.send(body)

    station = make_vault(tmp_path, "paris")
    try:
        with loopback_relay(lists_three_gib) as relay:
            report = sync_online(station, relay.url, deadlines=QUICK)
            assert report.error is None
            assert [(r.name, r.reason) for r in report.refused] == [(name, "too-large")]
            assert "3 GiB, more than the 2 GiB this vault accepts" in report.refused[0].message
            assert not any(p.endswith(".ldbundle") for p in asked)  # neither read nor acknowledged

            set_max_bundle_mib(station, 4096)  # the officer expects it: raised, then fetched
            report = sync_online(station, relay.url, deadlines=QUICK)
            assert report.error is None and report.refused == []
            assert asked[-1].endswith(f"/{name}")
    finally:
        station.lock()
