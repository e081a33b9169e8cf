"""Two relay processes sharing one bucket on a real S3 API server, as behind a load balancer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.online import sync_online
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.request_signing import EMPTY_DIGEST, sign_request
from tests.relay.relay_process import RelayProcess, export_identity, s3_relay_process
from tests.relay.s3_server import S3_ENV, S3Server, s3_server
from tests.sync.helpers import canonical_dump, enrol_station, fingerprint, make_vault

MARKER = "Dubois-4b7e"


@dataclass(frozen=True)
class Pair:
    """HQ and one station, and the two relay processes in front of their bucket."""

    hq: Vault
    station: Vault
    first: RelayProcess
    second: RelayProcess
    s3: S3Server
    bucket: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("s3-relay")
    hq = make_vault(root, "hq", "hq")
    station = make_vault(root, "paris")
    enrol_station(hq, station)
    identity = export_identity(hq, root / "hq.json")
    with s3_server(root / "moto.log") as s3:
        bucket = s3.new_bucket("relay")
        with (
            s3_relay_process(identity, bucket, s3.endpoint, root / "one.log", env=S3_ENV) as first,
            s3_relay_process(identity, bucket, s3.endpoint, root / "two.log", env=S3_ENV) as second,
        ):
            yield Pair(hq, station, first, second, s3, bucket)
    hq.lock()
    station.lock()


def test_a_bundle_sent_through_one_relay_is_collected_through_the_other(pair: Pair) -> None:
    hq, station, s3 = pair.hq, pair.station, pair.s3
    assert sync_online(hq, pair.second.url).roster_sent  # the first relay reads it from the bucket
    contact = station.store.add(Contact(full_name=f"Col. {MARKER}"))

    sent = sync_online(station, pair.first.url)
    assert sent.error is None and [s.ops for s in sent.sent] == [1]
    to_hq = s3.keys(pair.bucket, f"mailboxes/{fingerprint(hq)}/")
    assert [key.rsplit("/", 1)[1] for key in to_hq] == [sent.sent[0].path.name]
    stored = [s3.read(pair.bucket, key) for key in s3.keys(pair.bucket)]
    assert not any(MARKER.encode() in blob for blob in stored)  # ciphertext only

    collected = sync_online(hq, pair.second.url)
    assert collected.error is None and collected.changes_in == 1
    assert f"contact/{contact.id}" in canonical_dump(hq)
    assert s3.keys(pair.bucket, f"mailboxes/{fingerprint(hq)}/") == []  # acknowledged: gone

    for vault, relay in ((station, pair.second), (hq, pair.first), (station, pair.first)):
        assert sync_online(vault, relay.url).error is None
    assert s3.keys(pair.bucket, "mailboxes/") == []
    assert canonical_dump(station) == canonical_dump(hq)


def test_a_request_replayed_to_the_other_relay_is_refused(pair: Pair) -> None:
    me = load_identity(pair.hq.conn)
    path = f"/v1/mailboxes/{me.fingerprint}"
    signed = sign_request(me, "GET", path, EMPTY_DIGEST, int(time.time()))

    assert httpx.get(pair.first.url + path, headers=signed).status_code == 200
    replayed = httpx.get(pair.second.url + path, headers=signed)
    assert replayed.status_code == 401 and replayed.json()["error"] == "replayed"
    again = httpx.get(pair.first.url + path, headers=signed)
    assert again.status_code == 401 and again.json()["error"] == "replayed"
