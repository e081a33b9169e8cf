"""The relay over TLS, through an HTTP proxy, under a rate limit, and with HQ's roster guarded."""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.errors import RelayUnreachable
from liaison_desk.sync.hq_roster import build_roster
from liaison_desk.sync.online import probe, set_relay_authority, sync_online
from liaison_desk.sync.own_identity import load_identity
from tests.relay.certificates import self_signed
from tests.relay.clients import enrol_on_roster, new_identity, send
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import canonical_dump, enrol_station, make_vault


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Vault, Vault]]:
    hq = make_vault(tmp_path, "hq", "hq")
    station = make_vault(tmp_path, "paris")
    enrol_station(hq, station)
    yield hq, station
    hq.lock()
    station.lock()


def test_sync_over_tls_trusts_only_the_authority_it_is_given(
    pair: tuple[Vault, Vault], tmp_path: Path
) -> None:
    hq, station = pair
    cert, key = self_signed(tmp_path)
    extra = ("--tls-cert", str(cert), "--tls-key", str(key))
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "d", *extra) as relay:
        assert relay.url.startswith("https://127.0.0.1:")
        with pytest.raises(RelayUnreachable, match="certificate is not trusted"):
            sync_online(hq, relay.url)
        authority = cert.read_text()
        sync_online(hq, relay.url, authority=authority)
        contact = station.store.add(Contact(full_name="Col. Dubois"))
        set_relay_authority(station, authority)  # kept in the vault, used from then on
        sync_online(station, relay.url)
        probe(relay.url, authority)
        sync_online(hq, relay.url, authority=authority)
    assert f"contact/{contact.id}" in canonical_dump(hq)


class ForwardingProxy(http.server.ThreadingHTTPServer):
    """A plain HTTP proxy on loopback that forwards absolute-URI requests and counts them."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _forward(self) -> None:
        target = urlsplit(self.path)
        assert isinstance(self.server, ForwardingProxy)
        self.server.seen.append(f"{self.command} {target.path}")
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length) if length else None
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(self.command, target.path, body=body, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_sync_goes_through_the_system_s_http_proxy(
    pair: tuple[Vault, Vault], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hq, station = pair
    proxy = ForwardingProxy()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "d") as relay:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            monkeypatch.delenv("NO_PROXY", raising=False)
            monkeypatch.delenv("no_proxy", raising=False)
            sync_online(hq, relay.url)
            contact = station.store.add(Contact(full_name="Col. Dubois"))
            sync_online(station, relay.url)
            sync_online(hq, relay.url)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert f"contact/{contact.id}" in canonical_dump(hq)
    assert "PUT /v1/roster" in proxy.seen
    assert any(s.startswith("PUT /v1/mailboxes/") for s in proxy.seen)


def test_a_station_over_its_rate_is_told_when_to_come_back(tmp_path: Path) -> None:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    station = new_identity("paris")
    enrol_on_roster(hq_vault, station)
    limits = ("--rate", "0.2", "--burst", "3")
    with (
        relay_process(
            export_identity(hq_vault, tmp_path / "hq.json"), tmp_path / "d", *limits
        ) as relay,
        httpx.Client(base_url=relay.url, trust_env=False) as http,
    ):
        sync_online(hq_vault, relay.url)
        path = f"/v1/mailboxes/{station.fingerprint}"
        answers = [send(http, station, "GET", path) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[3].json()["error"] == "rate-limited"
    assert 1 <= int(answers[3].headers["retry-after"]) <= 6
    hq_vault.lock()


def test_the_roster_must_be_hq_s_and_never_older_than_the_one_held(tmp_path: Path) -> None:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    impostor_vault = make_vault(tmp_path, "impostor", "hq")
    hq = load_identity(hq_vault.conn)
    old = build_roster(hq_vault)
    with relay_process(export_identity(hq_vault, tmp_path / "hq.json"), tmp_path / "d") as relay:
        sync_online(hq_vault, relay.url)
        with httpx.Client(base_url=relay.url, trust_env=False) as http:
            stale = send(http, hq, "PUT", "/v1/roster", old)
            forged = send(http, hq, "PUT", "/v1/roster", build_roster(impostor_vault))
            station = new_identity("paris")
            by_station = send(http, station, "PUT", "/v1/roster", old)
    assert (stale.status_code, stale.json()["error"]) == (409, "stale-roster")
    assert (forged.status_code, forged.json()["error"]) == (422, "bad-roster")
    assert by_station.status_code == 403
    hq_vault.lock()
    impostor_vault.lock()
