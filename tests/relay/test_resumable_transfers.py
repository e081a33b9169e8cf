"""Transfers that resume, through real relay processes on a folder and on an S3 bucket.

A proxy on loopback cuts the connection at several points of a 50 MiB bundle's
upload, and of its download; each completes in fewer than twice its bytes,
byte for byte, and no listing ever shows a bundle that is not whole. Two relay
processes share each store, as at HQ behind one address: an upload begun
through one goes on through the other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from liaison_desk.sync.errors import RelayUnreachable
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.relay_client import RelayClient, Waiting
from liaison_desk.sync.transfer_meter import Meter, amount
from liaison_desk.sync.upload_plan import PIECE
from tests.relay.clients import (
    bundle_bytes,
    bundle_name,
    enrol_on_roster,
    new_identity,
    send,
    signed,
)
from tests.relay.cutting_proxy import BUFFER, cutting_proxy
from tests.relay.relay_process import RelayProcess, export_identity, relay_process
from tests.relay.relay_process import s3_relay_process as s3_relay
from tests.relay.s3_server import S3_ENV, S3Server, s3_server
from tests.sync.helpers import make_vault

MIB = 1024 * 1024
SIZE = 50 * MIB
GENEROUS = ("--rate", "1000", "--burst", "1000", "--address-rate", "1000")


@dataclass
class Site:
    """HQ, two stations, and two relay processes sharing one store (a folder or a bucket)."""

    backend: str
    hq: Identity
    station: Identity
    other: Identity
    first: RelayProcess
    second: RelayProcess
    root: Path
    s3: S3Server | None
    bucket: str

    def client(self, who: Identity, url: str) -> RelayClient:
        return RelayClient(url, who, pause=lambda _: None)

    def listing(self) -> list[dict[str, object]]:
        path = f"/v1/mailboxes/{self.hq.fingerprint}"
        with httpx.Client(base_url=self.first.url, trust_env=False, timeout=30) as http:
            answer = send(http, self.hq, "GET", path)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["bundles"])

    def bundle(self, seq: int) -> Path:
        path = self.root / bundle_name(self.station, self.hq.public, seq)
        path.write_bytes(bundle_bytes(self.station, self.hq.public, seq, SIZE - 16 * 1024))
        return path

    def leftovers(self) -> list[str]:
        """What partial uploads left in the store."""
        if self.s3 is None:
            return sorted(
                p.name for p in (self.root / "data" / "partial").rglob("*") if p.is_file()
            )
        uploads = self.s3.client().list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
        return self.s3.keys(self.bucket, "uploads/") + [u["Key"] for u in uploads]


@pytest.fixture(scope="module", params=["dir", "s3"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    root = tmp_path_factory.mktemp(f"resume-{request.param}")
    hq_vault = make_vault(root, "hq", "hq")
    station, other = new_identity("paris"), new_identity("tokyo")
    for s in (station, other):
        enrol_on_roster(hq_vault, s)
    identity = export_identity(hq_vault, root / "hq.json")
    with ExitStack() as stack:
        s3, bucket = None, ""
        if request.param == "s3":
            s3 = stack.enter_context(s3_server(root / "moto.log"))
            bucket = s3.new_bucket("resume")
            first, second = (
                stack.enter_context(
                    s3_relay(
                        identity, bucket, s3.endpoint, root / f"{n}.log", *GENEROUS, env=S3_ENV
                    )
                )
                for n in ("one", "two")
            )
        else:
            first, second = (
                stack.enter_context(relay_process(identity, root / "data", *GENEROUS))
                for _ in range(2)
            )
        sync_online(hq_vault, first.url)  # the roster
        hq = load_identity(hq_vault.conn)
        yield Site(request.param, hq, station, other, first, second, root, s3, bucket)
    hq_vault.lock()


class Watch:
    """Lists HQ's mailbox again and again while a transfer runs: never a partial bundle."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.seen: list[list[dict[str, object]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.seen.append(self.site.listing())

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def whole_or_nothing(seen: list[list[dict[str, object]]], name: str, size: int) -> None:
    for listing in seen:
        for row in listing:
            if row["name"] == name:
                assert row["size"] == size, f"a partial bundle was listed: {row}"


def read_back(site: Site, bundle: Path) -> bytes:
    """The bundle as its recipient downloads it."""
    dest = site.root / "read-back" / bundle.name
    dest.parent.mkdir(exist_ok=True)
    with site.client(site.hq, site.first.url) as client:
        client.download(Waiting(bundle.name, bundle.stat().st_size), dest)
    return dest.read_bytes()


def test_an_upload_cut_at_several_points_completes_once_whole(site: Site) -> None:
    bundle = site.bundle(1)
    size = bundle.stat().st_size
    # In the first piece; just past the first piece; mid-way; in the last bytes of the body.
    cuts = [MIB, PIECE + 100 * 1024, 27 * MIB, size - 8 * 1024]
    said: list[str] = []
    meter = Meter(lambda words, done, total: said.append(words), "Sending bundle 1 of 1", size)
    with (
        cutting_proxy(site.second.url, "up", cuts) as proxy,
        Watch(site) as watch,
        site.client(site.station, proxy.url) as client,
    ):
        client.upload(site.hq.fingerprint, bundle, meter)
    assert len(proxy.made) == 4 and proxy.sent["up"] < 2 * size
    whole_or_nothing(watch.seen, bundle.name, size)
    assert {"name": bundle.name, "size": size} in site.listing()
    assert read_back(site, bundle) == bundle.read_bytes()
    assert any("resumed at" in words for words in said)
    assert said[-1].startswith("Sending bundle 1 of 1: 50.0 of 50.0 MiB")
    assert site.leftovers() == []


def test_an_upload_begun_through_one_relay_goes_on_through_the_other(site: Site) -> None:
    """A link that drops for good: the next sync, through the other process, goes on."""
    bundle = site.bundle(2)
    size = bundle.stat().st_size
    with (
        cutting_proxy(site.first.url, "up", [20 * MIB], then_down=True) as proxy,
        site.client(site.station, proxy.url) as client,
        pytest.raises(RelayUnreachable),
    ):
        client.upload(site.hq.fingerprint, bundle)
    assert bundle.name not in [row["name"] for row in site.listing()]
    kept = stands(site, bundle.name)
    # The pieces checked, and what came of the third: the cut lets through half the read
    # it falls in, so a little past the 20 MiB the proxy counted (announcement and headers in).
    assert 19 * MIB < kept < 20 * MIB + BUFFER
    said: list[str] = []
    meter = Meter(lambda words, done, total: said.append(words), "Sending", size)
    with Watch(site) as watch, site.client(site.station, site.second.url) as client:
        client.upload(site.hq.fingerprint, bundle, meter)
    whole_or_nothing(watch.seen, bundle.name, size)
    assert (
        said[0]
        == f"Sending: {amount(kept).removesuffix(' MiB')} of 50.0 MiB (resumed at {amount(kept)})"
    )
    assert proxy.sent["up"] + size - kept < 2 * size
    assert read_back(site, bundle) == bundle.read_bytes()
    assert site.leftovers() == []


def stands(site: Site, name: str) -> int:
    """Where the station's partial upload of `name` stands, once the relay has taken in what
    reached it before the cut (it may still be reading its socket's buffers)."""
    path = f"/v1/uploads/{site.hq.fingerprint}/{name}"
    said = []
    with httpx.Client(base_url=site.second.url, trust_env=False, timeout=30) as http:
        while len(said) < 2 or said[-1] != said[-2]:
            answer = send(http, site.station, "HEAD", path)
            assert answer.status_code == 200
            said.append(int(answer.headers["upload-offset"]))
            time.sleep(0.2)
    return said[-1]


def test_a_download_cut_at_several_points_completes_byte_for_byte(site: Site) -> None:
    bundle = site.bundle(3)
    with site.client(site.station, site.first.url) as client:
        client.upload(site.hq.fingerprint, bundle)
    size = bundle.stat().st_size
    dest = site.root / "in" / bundle.name
    dest.parent.mkdir(exist_ok=True)
    said: list[str] = []
    meter = Meter(lambda words, done, total: said.append(words), "Receiving bundle 1", size)
    with (
        cutting_proxy(site.second.url, "down", [2 * MIB, 20 * MIB, size - 4 * 1024]) as proxy,
        site.client(site.hq, proxy.url) as client,
    ):
        client.download(Waiting(bundle.name, size), dest, meter)
    assert len(proxy.made) == 3 and proxy.sent["down"] < 2 * size
    assert dest.read_bytes() == bundle.read_bytes()
    assert list(dest.parent.iterdir()) == [dest]  # no .part left
    assert any("resumed at" in words for words in said)


def test_another_sender_cannot_continue_a_partial_upload(site: Site) -> None:
    bundle = site.bundle(4)
    with (
        cutting_proxy(site.first.url, "up", [10 * MIB], then_down=True) as proxy,
        site.client(site.station, proxy.url) as client,
        pytest.raises(RelayUnreachable),
    ):
        client.upload(site.hq.fingerprint, bundle)
    kept = stands(site, bundle.name)
    path = f"/v1/uploads/{site.hq.fingerprint}/{bundle.name}"
    rest = bundle.read_bytes()[kept:]
    with httpx.Client(base_url=site.second.url, trust_env=False, timeout=30) as http:
        assert send(http, site.other, "HEAD", path).status_code == 400
        headers = {"upload-offset": str(kept), **signed(site.other, "PATCH", path, rest)}
        theirs = http.patch(path, content=rest, headers=headers)
        assert theirs.status_code == 400 and theirs.json()["error"] == "bad-name"
        # Under its own name the other station finds nothing of Paris's.
        own = f"/v1/uploads/{site.hq.fingerprint}/{bundle_name(site.other, site.hq.public, 4)}"
        assert send(http, site.other, "HEAD", own).status_code == 404
    assert stands(site, bundle.name) == kept
    with site.client(site.station, site.second.url) as client:
        client.upload(site.hq.fingerprint, bundle)  # Paris's own goes on, and completes
    assert read_back(site, bundle) == bundle.read_bytes()
