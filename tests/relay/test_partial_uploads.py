"""Partial uploads in the relay, in-process on a clock the test moves, on a folder and a bucket.

What a relay keeps of an upload is checked before it is kept, expires when
abandoned (the S3 multipart upload aborted), is bounded per sender, and gives
way to a newer bundle of the same sender. Downloads resume with `Range`.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from liaison_desk.relay.app import NONCE_PRUNE_S, Relay
from liaison_desk.relay.dir_store import DirStore
from liaison_desk.relay.errors import StoreError
from liaison_desk.relay.limits import PartialLimits
from liaison_desk.relay.s3_store import S3Store
from liaison_desk.relay.store import MailboxStore
from liaison_desk.relay.uploads import Uploads
from liaison_desk.sync.hq_roster import build_roster
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.upload_plan import PIECE, announce
from tests.relay.clients import bundle_bytes, bundle_name, enrol_on_roster, new_identity, signed
from tests.relay.in_process import ManualClock, client
from tests.relay.s3_server import S3_ENV, S3Server, s3_server
from tests.sync.helpers import make_vault

MIB = 1024 * 1024
LIMITS = PartialLimits(per_sender=2, bytes_per_sender=64 * MIB, max_age_s=3600.0)


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with (
        pytest.MonkeyPatch.context() as env,
        s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server,
    ):
        for name, value in S3_ENV.items():
            env.setenv(name, value)
        yield server


@dataclass
class Desk:
    hq: Identity
    station: Identity
    clock: ManualClock
    store: MailboxStore
    http: httpx.Client
    leftovers: Callable[[], list[str]]  # what partial uploads left in the store

    def request(
        self, who: Identity, method: str, path: str, body: bytes = b"", **headers: str
    ) -> httpx.Response:
        signature = signed(who, method, path, body, created=self.clock.now_s())
        return self.http.request(
            method, path, content=body or None, headers={**signature, **headers}
        )

    def bundle(self, seq: int, size: int = 9 * MIB, origin: str = "") -> tuple[str, bytes]:
        data = bundle_bytes(self.station, self.hq.public, seq, size, origin)
        return bundle_name(self.station, self.hq.public, seq, origin), data

    def announce(self, name: str, data: bytes) -> httpx.Response:
        body = announce(io.BytesIO(data), True).to_json()
        return self.request(self.station, "POST", self.path(name), body)

    def append(self, name: str, data: bytes, at: int, end: int) -> httpx.Response:
        return self.request(
            self.station, "PATCH", self.path(name), data[at:end], **{"upload-offset": str(at)}
        )

    def stands(self, name: str) -> httpx.Response:
        return self.request(self.station, "HEAD", self.path(name))

    def path(self, name: str) -> str:
        return f"/v1/uploads/{self.hq.fingerprint}/{name}"


@pytest.fixture(params=["dir", "s3"])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Desk]:
    hq_vault = make_vault(tmp_path, "hq", "hq")
    station = new_identity("paris")
    enrol_on_roster(hq_vault, station)
    clock = ManualClock()
    store: MailboxStore
    if request.param == "dir":
        store = DirStore(tmp_path / "relay", clock)
        partial = tmp_path / "relay" / "partial"

        def leftovers() -> list[str]:
            return sorted(str(p) for p in partial.rglob("*") if p.is_file())
    else:
        s3: S3Server = request.getfixturevalue("s3")
        bucket = s3.new_bucket("partial")
        store = S3Store(bucket, endpoint_url=s3.endpoint)

        def leftovers() -> list[str]:
            uploads = s3.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
            return s3.keys(bucket, "uploads/") + [u["UploadId"] for u in uploads]

    hq = load_identity(hq_vault.conn)
    relay = Relay(store, hq.public, clock=clock, partial_limits=LIMITS)
    with client(relay) as http:
        roster = build_roster(hq_vault)
        put = http.put(
            "/v1/roster", content=roster, headers=signed(hq, "PUT", "/v1/roster", roster)
        )
        assert put.status_code == 204
        yield Desk(hq, station, clock, store, http, leftovers)
    hq_vault.lock()


def test_an_upload_in_pieces_appears_only_whole(desk: Desk) -> None:
    name, data = desk.bundle(1)
    begun = desk.announce(name, data)
    assert (begun.status_code, begun.headers["upload-offset"]) == (201, "0")
    part = desk.append(name, data, 0, PIECE + 1000)
    assert (part.status_code, part.headers["upload-offset"]) == (204, str(PIECE + 1000))
    assert desk.store.waiting(desk.hq.fingerprint) == []
    assert desk.stands(name).headers["upload-length"] == str(len(data))
    again = desk.announce(name, data)  # a later sync announces it again: it stands where it was
    assert (again.status_code, again.headers["upload-offset"]) == (201, str(PIECE + 1000))
    late = desk.append(name, data, 0, 10)
    assert (late.status_code, late.json()["error"]) == (409, "offset-mismatch")
    done = desk.append(name, data, PIECE + 1000, len(data))
    assert (done.status_code, done.json()) == (201, {"name": name, "stored": True})
    assert [(w.name, w.size) for w in desk.store.waiting(desk.hq.fingerprint)] == [
        (name, len(data))
    ]
    assert desk.leftovers() == []
    once_more = desk.announce(name, data)  # its answer was lost: nothing to send again
    assert once_more.json() == {"offset": len(data), "size": len(data)}


def test_a_piece_that_does_not_match_its_digest_is_not_kept(desk: Desk) -> None:
    name, data = desk.bundle(1)
    desk.announce(name, data)
    assert desk.append(name, data, 0, MIB).status_code == 204
    altered = data[:MIB] + bytes(PIECE - MIB) + data[PIECE:]
    refused = desk.append(name, altered, MIB, PIECE + 10)
    assert (refused.status_code, refused.json()["error"]) == (400, "piece-mismatch")
    assert desk.stands(name).headers["upload-offset"] == "0"
    assert desk.append(name, data, 0, len(data)).status_code == 201


def test_an_upload_whose_header_names_someone_else_is_refused_when_announced(desk: Desk) -> None:
    name, _ = desk.bundle(1)
    _, other = desk.bundle(2)  # another number: its header implies another name
    refused = desk.announce(name, other)
    assert (refused.status_code, refused.json()["error"]) == (422, "header-mismatch")
    assert desk.stands(name).status_code == 404


def test_an_abandoned_upload_expires_and_its_multipart_upload_is_aborted(desk: Desk) -> None:
    name, data = desk.bundle(1)
    desk.announce(name, data)
    desk.append(name, data, 0, PIECE + MIB)
    assert desk.leftovers()
    desk.clock.advance(LIMITS.max_age_s - 60)
    assert desk.stands(name).status_code == 200  # not yet
    desk.clock.advance(60 + NONCE_PRUNE_S)
    assert desk.stands(name).status_code == 404
    assert desk.leftovers() == []


def test_a_sender_keeps_only_so_many_unfinished_uploads(desk: Desk) -> None:
    names = []
    for n, origin in enumerate(("a" * 16, "b" * 16, "c" * 16), 1):
        name, data = desk.bundle(n, size=MIB, origin=origin)
        names.append((name, data))
        begun = desk.announce(name, data)
        desk.append(name, data, 0, 1000)
    assert (begun.status_code, begun.json()["error"]) == (409, "upload-limit")
    assert "expire 1 hours after their last byte" in begun.json()["message"]
    newer, data = desk.bundle(5, size=MIB, origin="a" * 16)  # supersedes the first
    assert desk.announce(newer, data).status_code == 201
    assert desk.stands(names[0][0]).status_code == 404
    assert desk.stands(names[1][0]).status_code == 200


def test_a_download_resumes_from_a_byte_with_range(desk: Desk) -> None:
    name, data = desk.bundle(1, size=3 * MIB)
    desk.announce(name, data)
    desk.append(name, data, 0, len(data))
    path = f"/v1/mailboxes/{desk.hq.fingerprint}/{name}"
    rest = desk.request(desk.hq, "GET", path, range="bytes=1000-")
    assert rest.status_code == 206
    assert rest.headers["content-range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert hashlib.sha384(rest.content).digest() == hashlib.sha384(data[1000:]).digest()
    past = desk.request(desk.hq, "GET", path, range=f"bytes={len(data)}-")
    assert (past.status_code, past.headers["content-range"]) == (416, f"bytes */{len(data)}")
    whole = desk.request(desk.hq, "GET", path, range="bytes=0-99")  # a form it does not serve
    assert whole.status_code == 200 and whole.content == data


def test_an_upload_all_in_but_not_yet_stored_is_stored_when_announced_again(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, data = desk.bundle(1)
    desk.announce(name, data)

    def store_fails(*args: object) -> bool:
        raise StoreError("The relay's disk is full.", full=True)

    with monkeypatch.context() as failing:
        failing.setattr(Uploads, "_finish", store_fails)
        assert desk.append(name, data, 0, len(data)).status_code == 507
    assert desk.store.waiting(desk.hq.fingerprint) == []
    assert desk.stands(name).headers["upload-offset"] == str(len(data))
    again = desk.announce(name, data)
    assert (again.status_code, again.json()) == (200, {"offset": len(data), "size": len(data)})
    assert [w.name for w in desk.store.waiting(desk.hq.fingerprint)] == [name]
    assert desk.leftovers() == []
