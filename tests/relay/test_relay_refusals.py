"""The relay refuses what it must, before reading bodies, and loses nothing under load."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from liaison_desk.core.vault import Vault
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import revoke
from liaison_desk.sync.request_signing import WINDOW_SECONDS
from tests.relay.clients import (
    bundle_bytes,
    bundle_name,
    enrol_on_roster,
    new_identity,
    send,
    signed,
)
from tests.relay.relay_process import RelayProcess, export_identity, relay_process
from tests.sync.helpers import make_vault


@dataclass
class Setup:
    hq_vault: Vault
    hq: Identity
    station: Identity
    other: Identity
    revoked: Identity
    relay: RelayProcess
    data: Path

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.relay.url, timeout=30, trust_env=False)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    root = tmp_path_factory.mktemp("relay")
    hq_vault = make_vault(root, "hq", "hq")
    station, other, gone = (new_identity(n) for n in ("paris", "tokyo", "kabul"))
    for s in (station, other, gone):
        enrol_on_roster(hq_vault, s)
    revoke(hq_vault, gone.fingerprint)
    data = root / "data"
    args = ("--max-bundle-mb", "1")
    with relay_process(export_identity(hq_vault, root / "hq.json"), data, *args) as relay:
        sync_online(hq_vault, relay.url)  # uploads the roster
        yield Setup(hq_vault, load_identity(hq_vault.conn), station, other, gone, relay, data)
    hq_vault.lock()


def mailbox(who: Identity) -> str:
    return f"/v1/mailboxes/{who.fingerprint}"


def upload_path(s: Setup, sender: Identity, seq: int) -> str:
    return f"{mailbox(s.hq)}/{bundle_name(sender, s.hq.public, seq)}"


def error(response: httpx.Response) -> str:
    return str(response.json()["error"])


def test_a_signed_upload_is_stored_once_and_read_only_by_its_recipient(setup: Setup) -> None:
    s = setup
    body = bundle_bytes(s.station, s.hq.public, 1)
    path = upload_path(s, s.station, 1)
    with s.client() as http:
        assert send(http, s.station, "PUT", path, body).status_code == 201
        again = send(http, s.station, "PUT", path, body)
        assert again.status_code == 200 and again.json()["stored"] is False  # idempotent
        changed = send(http, s.station, "PUT", path, bundle_bytes(s.station, s.hq.public, 1))
        assert changed.status_code == 409 and error(changed) == "different-bundle"
        assert send(http, s.other, "GET", mailbox(s.hq)).status_code == 403
        assert send(http, s.other, "GET", path).status_code == 403
        listed = send(http, s.hq, "GET", mailbox(s.hq)).json()["bundles"]
        assert {"name": path.rsplit("/", 1)[1], "size": len(body)} in listed
        assert send(http, s.hq, "GET", path).content == body
        assert send(http, s.hq, "DELETE", path).status_code == 204
        assert send(http, s.hq, "GET", path).status_code == 404


@pytest.mark.parametrize(
    "tamper",
    ["unsigned", "other-key", "altered-path", "altered-digest", "stale", "future", "garbled"],
)
def test_requests_that_are_not_properly_signed_are_refused(setup: Setup, tamper: str) -> None:
    s = setup
    path = mailbox(s.station)
    now = int(time.time())
    headers = signed(s.station, "GET", path)
    if tamper == "unsigned":
        headers = {"Content-Digest": headers["Content-Digest"]}
    elif tamper == "other-key":  # signed by Tokyo's keys, claiming to be Paris
        forged = signed(s.other, "GET", path)
        forged["Signature-Input"] = headers["Signature-Input"]
        headers = forged
    elif tamper == "altered-path":
        headers = signed(s.station, "GET", mailbox(s.other))
    elif tamper == "altered-digest":
        headers = signed(s.station, "GET", path, b"a body that was never sent")
    elif tamper in ("stale", "future"):
        shift = WINDOW_SECONDS + 5
        headers = signed(
            s.station, "GET", path, created=now - shift if tamper == "stale" else now + shift
        )
    else:
        headers["Signature"] = headers["Signature"][:-10] + "AAAAAAAA:"
    with s.client() as http:
        response = http.get(path, headers=headers)
    expected = {
        "unsigned": (401, "unsigned"),
        "other-key": (401, "bad-signature"),
        "altered-path": (401, "bad-signature"),
        "altered-digest": (400, "unexpected-body"),
        "stale": (401, "stale"),
        "future": (401, "stale"),
        "garbled": (401, "malformed-signature"),
    }[tamper]
    assert (response.status_code, error(response)) == expected


def test_a_replayed_request_is_refused(setup: Setup) -> None:
    s = setup
    headers = signed(s.station, "GET", mailbox(s.station))
    with s.client() as http:
        assert http.get(mailbox(s.station), headers=headers).status_code == 200
        replay = http.get(mailbox(s.station), headers=headers)
    assert (replay.status_code, error(replay)) == (401, "replayed")


def test_revoked_and_unknown_stations_and_wrong_directions_are_refused(setup: Setup) -> None:
    s = setup
    stranger = new_identity("stranger")
    to_other = f"{mailbox(s.other)}/{bundle_name(s.station, s.other.public, 1)}"
    with s.client() as http:
        revoked = send(http, s.revoked, "GET", mailbox(s.revoked))
        unknown = send(http, stranger, "GET", mailbox(stranger))
        sideways = send(
            http, s.station, "PUT", to_other, bundle_bytes(s.station, s.other.public, 1)
        )
    assert (revoked.status_code, error(revoked)) == (403, "revoked")
    assert (unknown.status_code, error(unknown)) == (403, "unknown-signer")
    assert (sideways.status_code, error(sideways)) == (403, "stations-send-to-hq")


def test_a_bundle_whose_header_does_not_match_the_request_is_refused(setup: Setup) -> None:
    s = setup
    with s.client() as http:
        # Paris uploads a bundle Tokyo wrote, under Paris's name.
        theirs = send(
            http,
            s.station,
            "PUT",
            upload_path(s, s.station, 7),
            bundle_bytes(s.other, s.hq.public, 7),
        )
        junk = send(http, s.station, "PUT", upload_path(s, s.station, 8), b"not a bundle at all")
    assert (theirs.status_code, error(theirs)) == (422, "header-mismatch")
    assert (junk.status_code, error(junk)) == (422, "not-a-bundle")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/mailboxes/..%2F..%2Fetc/x.ldbundle",
        "/v1/mailboxes/{hq}/..%2F..%2Froster.json",
        "/v1/mailboxes/{hq}/%2E%2E",
        "/v1/mailboxes/{hq}/{name}%00.txt",
        "/v1/mailboxes/{hq}/{upper}",
        "/v1/mailboxes/../../../etc/passwd",
        "/v1/mailboxes/{hq}/..",
    ],
)
def test_path_tricks_in_ids_are_refused_and_write_nothing(setup: Setup, path: str) -> None:
    s = setup
    name = bundle_name(s.station, s.hq.public, 9)
    path = path.format(hq=s.hq.fingerprint, name=name, upper=name.upper())
    before = sorted(p.relative_to(s.data) for p in s.data.rglob("*") if "nonces" not in p.parts)
    body = bundle_bytes(s.station, s.hq.public, 9)
    head = [f"PUT {path} HTTP/1.1", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in signed(s.station, "PUT", path, body).items()]
    answer = raw_request(s.relay.url, [*head, "Connection: close"], body)
    assert answer.split(b" ", 2)[1] in (b"400", b"404", b"405"), answer[:200]
    after = sorted(p.relative_to(s.data) for p in s.data.rglob("*") if "nonces" not in p.parts)
    assert after == before


def raw_request(url: str, head: list[str], body: bytes = b"") -> bytes:
    """Send a request as written (no client normalising its path); all the relay answers."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join([*head, f"Host: {host}"]) + "\r\n\r\n").encode() + body)
        answer = b""
        while piece := sock.recv(65536):  # a refused request's connection is closed
            answer += piece
    return answer


@pytest.mark.parametrize("who", ["unsigned", "revoked"])
def test_a_refused_upload_s_body_is_never_read(setup: Setup, who: str) -> None:
    """Refused on its headers, the connection closes: the relay drains nothing."""
    s = setup
    sender = s.revoked if who == "revoked" else s.station
    path = upload_path(s, sender, 12)
    head = [f"PUT {path} HTTP/1.1", "Content-Length: 100000000000"]
    if who == "revoked":
        head += [f"{k}: {v}" for k, v in signed(sender, "PUT", path, b"x").items()]
    answer = raw_request(s.relay.url, head, b"\0" * 65536)
    status = answer.split(b" ", 2)[1]
    assert status == (b"403" if who == "revoked" else b"400"), answer[:200]
    assert b"connection: close" in answer.lower()


def test_a_signed_upload_whose_body_is_not_the_one_signed_is_refused(setup: Setup) -> None:
    s = setup
    path = upload_path(s, s.station, 13)
    body = bundle_bytes(s.station, s.hq.public, 13)
    with s.client() as http:
        headers = signed(s.station, "PUT", path, body)
        response = http.put(path, content=body[:-1] + b"\0", headers=headers)
    assert (response.status_code, error(response)) == (400, "digest-mismatch")
    assert not list((s.data / "mailboxes" / s.hq.fingerprint).glob("*00000013*"))


def test_an_oversized_body_is_refused_before_it_is_read(setup: Setup) -> None:
    """The relay answers 413 having read only the headers: the 10 GB never has to arrive."""
    s = setup
    path = upload_path(s, s.station, 10)
    headers = signed(s.station, "PUT", path, b"whatever would follow")
    host, port = s.relay.url.removeprefix("http://").split(":")
    lines = [f"PUT {path} HTTP/1.1", f"Host: {host}", "Content-Length: 10000000000"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while piece := sock.recv(4096):  # the relay closes the connection after answering
            answer += piece
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b'"too-large"' in answer


def test_uploads_without_a_length_are_refused(setup: Setup) -> None:
    s = setup
    path = upload_path(s, s.station, 11)
    body = bundle_bytes(s.station, s.hq.public, 11)
    with s.client() as http:
        response = http.put(
            path, content=iter([body]), headers=signed(s.station, "PUT", path, body)
        )
    assert (response.status_code, error(response)) == (411, "length-required")


def test_1000_requests_from_20_concurrent_clients_lose_nothing(
    tmp_path: Path,
) -> None:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    hq = load_identity(hq_vault.conn)
    stations = [new_identity(f"station-{i}") for i in range(20)]
    for station in stations:
        enrol_on_roster(hq_vault, station)
    # Twenty stations on one address: its own limit is raised out of the way, as behind a NAT.
    one_address = ("--address-rate", "1000", "--address-burst", "2000")
    with relay_process(
        export_identity(hq_vault, tmp_path / "hq.json"), tmp_path / "data", *one_address
    ) as relay:
        sync_online(hq_vault, relay.url)
        bodies = {
            (i, seq): bundle_bytes(st, hq.public, seq)
            for i, st in enumerate(stations)
            for seq in range(1, 17)
        }
        failures: list[str] = []

        def client(i: int) -> None:
            me = stations[i]
            with httpx.Client(base_url=relay.url, timeout=60, trust_env=False) as http:
                for seq in range(1, 17):  # 16 uploads, then 34 reads of its own mailbox
                    path = f"{mailbox(hq)}/{bundle_name(me, hq.public, seq)}"
                    r = send(http, me, "PUT", path, bodies[(i, seq)])
                    if r.status_code != 201:
                        failures.append(f"{i}/{seq}: {r.status_code} {r.text}")
                for _ in range(34):
                    r = send(http, me, "GET", mailbox(me))
                    if r.status_code != 200:
                        failures.append(f"{i}: {r.status_code} {r.text}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        with httpx.Client(base_url=relay.url, timeout=60, trust_env=False) as http:
            listed = send(http, hq, "GET", mailbox(hq)).json()["bundles"]
            assert len(listed) == len(bodies) == 320
            for (i, seq), body in list(bodies.items())[::37]:
                got = send(
                    http, hq, "GET", f"{mailbox(hq)}/{bundle_name(stations[i], hq.public, seq)}"
                )
                assert hashlib.sha384(got.content).digest() == hashlib.sha384(body).digest()
        stored = [
            line
            for line in relay.access_log().splitlines()
            if f"PUT {mailbox(hq)}/" in line and " 201 in=" in line
        ]
        assert len(stored) == 320
    hq_vault.lock()


def test_a_relay_killed_mid_upload_shows_no_partial_bundle(tmp_path: Path) -> None:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    hq = load_identity(hq_vault.conn)
    station = new_identity("paris")
    enrol_on_roster(hq_vault, station)
    hq_file = export_identity(hq_vault, tmp_path / "hq.json")
    data = tmp_path / "data"
    body = bundle_bytes(station, hq.public, 1, size=512 * 1024)
    path = f"{mailbox(hq)}/{bundle_name(station, hq.public, 1)}"
    with relay_process(hq_file, data) as relay:
        sync_online(hq_vault, relay.url)
        host, port = relay.url.removeprefix("http://").split(":")
        lines = [f"PUT {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in signed(station, "PUT", path, body).items()]
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body[: len(body) // 2])
            deadline = time.monotonic() + 10
            while not any((data / "incoming").iterdir()) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert any((data / "incoming").iterdir())  # the upload is under way
            relay.kill()
    assert not list((data / "mailboxes" / hq.fingerprint).glob("*"))
    with (
        relay_process(hq_file, data) as relay,
        httpx.Client(base_url=relay.url, trust_env=False) as http,
    ):
        assert send(http, hq, "GET", mailbox(hq)).json()["bundles"] == []
        # The station sends again, whole this time.
        assert send(http, station, "PUT", path, body).status_code == 201
        assert send(http, hq, "GET", path).content == body
    hq_vault.lock()


def test_a_late_older_bundle_does_not_supersede_a_newer_one(setup: Setup) -> None:
    s = setup
    supersede = {"liaison-supersede": "?1"}
    with s.client() as http:
        for seq in (21, 20):  # the newer arrives first
            body = bundle_bytes(s.station, s.hq.public, seq)
            path = upload_path(s, s.station, seq)
            headers = {**signed(s.station, "PUT", path, body), **supersede}
            assert http.put(path, content=body, headers=headers).status_code == 201
        names = [b["name"] for b in send(http, s.hq, "GET", mailbox(s.hq)).json()["bundles"]]
        assert {bundle_name(s.station, s.hq.public, q) for q in (20, 21)} <= set(names)
        body = bundle_bytes(s.station, s.hq.public, 22)
        path = upload_path(s, s.station, 22)
        headers = {**signed(s.station, "PUT", path, body), **supersede}
        assert http.put(path, content=body, headers=headers).status_code == 201
        names = [b["name"] for b in send(http, s.hq, "GET", mailbox(s.hq)).json()["bundles"]]
    ours = [n for n in names if n.startswith(bundle_name(s.station, s.hq.public, 0)[:16])]
    assert ours == [bundle_name(s.station, s.hq.public, 22)]
