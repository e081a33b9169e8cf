"""Both mailbox stores keep the same promises: the folder, and a bucket on a real S3 API server."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from liaison_desk.core.errors import StorageError
from liaison_desk.relay.dir_store import DirStore
from liaison_desk.relay.errors import DifferentBundle, StoreError
from liaison_desk.relay.s3_store import S3Store
from liaison_desk.relay.store import NONCE_LIFETIME_S, MailboxStore, StoredBundle
from tests.relay.s3_server import S3_ENV, S3Server, s3_server

HQ = "a" * 96
STATION = "b" * 96
NOW_S = 1_780_000_000


@dataclass
class Backing:
    """Where a store's contents live, and every way of opening a store onto it."""

    open: Callable[[], MailboxStore]
    leftovers: Callable[[], list[str]]  # whatever an upload left behind, anywhere


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with (
        pytest.MonkeyPatch.context() as env,
        s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server,
    ):
        for name, value in S3_ENV.items():
            env.setenv(name, value)
        yield server


def _dir_backing(root: Path) -> Backing:
    def leftovers() -> list[str]:
        kept = ("mailboxes", "incoming")
        return sorted(
            str(p.relative_to(root))
            for part in kept
            for p in (root / part).rglob("*")
            if p.is_file()
        )

    return Backing(lambda: DirStore(root), leftovers)


def _s3_backing(server: S3Server) -> Backing:
    bucket = server.new_bucket("contract")
    return Backing(
        lambda: S3Store(bucket, endpoint_url=server.endpoint),
        lambda: server.keys(bucket, "mailboxes/"),
    )


@pytest.fixture(params=["dir", "s3"])
def backing(request: pytest.FixtureRequest, tmp_path: Path) -> Backing:
    if request.param == "dir":
        return _dir_backing(tmp_path / "relay")
    return _s3_backing(request.getfixturevalue("s3"))


@pytest.fixture
def store(backing: Backing) -> MailboxStore:
    return backing.open()


def put(store: MailboxStore, recipient: str, name: str, data: bytes) -> bool:
    upload = store.upload()
    for start in range(0, len(data), 64 * 1024):
        upload.write(data[start : start + 64 * 1024])
    try:
        return upload.commit(recipient, name, hashlib.sha384(data).digest())
    finally:
        upload.abort()


def read(store: MailboxStore, recipient: str, name: str) -> bytes | None:
    download = store.download(recipient, name)
    if download is None:
        return None
    try:
        return b"".join(download.chunks())
    finally:
        download.close()


# -- bundles -------------------------------------------------------------------------------------


def test_an_upload_is_invisible_until_committed(store: MailboxStore) -> None:
    upload = store.upload()
    upload.write(b"half of a bundle")
    assert store.waiting(HQ) == [] and store.download(HQ, "one.ldbundle") is None
    upload.write(b", and the rest")
    assert upload.commit(
        HQ, "one.ldbundle", hashlib.sha384(b"half of a bundle, and the rest").digest()
    )
    assert store.waiting(HQ) == [StoredBundle("one.ldbundle", 30)]
    assert read(store, HQ, "one.ldbundle") == b"half of a bundle, and the rest"


def test_an_aborted_upload_leaves_nothing_behind(store: MailboxStore, backing: Backing) -> None:
    upload = store.upload()
    upload.write(os.urandom(5 * 1024 * 1024))  # past the S3 store's in-memory spool
    upload.abort()
    assert store.waiting(HQ) == []
    assert backing.leftovers() == []


def test_the_same_bundle_twice_is_stored_once(store: MailboxStore, backing: Backing) -> None:
    assert put(store, HQ, "one.ldbundle", b"sealed bytes")
    assert not put(store, HQ, "one.ldbundle", b"sealed bytes")
    assert not put(backing.open(), HQ, "one.ldbundle", b"sealed bytes")  # another process
    assert store.waiting(HQ) == [StoredBundle("one.ldbundle", 12)]


def test_other_contents_under_a_waiting_name_are_refused(
    store: MailboxStore, backing: Backing
) -> None:
    put(store, HQ, "one.ldbundle", b"sealed bytes")
    with pytest.raises(DifferentBundle):
        put(backing.open(), HQ, "one.ldbundle", b"other bytes!")
    assert read(store, HQ, "one.ldbundle") == b"sealed bytes"
    assert len(backing.leftovers()) == 1


def test_a_mailbox_lists_its_own_bundles_sorted_with_sizes(store: MailboxStore) -> None:
    for name, size in (("c.ldbundle", 3), ("a.ldbundle", 1), ("b.ldbundle", 20)):
        put(store, HQ, name, b"x" * size)
    put(store, STATION, "d.ldbundle", b"for the station")
    assert store.waiting(HQ) == [
        StoredBundle("a.ldbundle", 1),
        StoredBundle("b.ldbundle", 20),
        StoredBundle("c.ldbundle", 3),
    ]
    assert store.waiting(STATION) == [StoredBundle("d.ldbundle", 15)]
    assert store.waiting("c" * 96) == []


def test_a_large_bundle_is_read_back_in_pieces(store: MailboxStore) -> None:
    data = os.urandom(5 * 1024 * 1024 + 7)
    assert put(store, STATION, "big.ldbundle", data)
    download = store.download(STATION, "big.ldbundle")
    assert download is not None
    try:
        pieces = list(download.chunks())
    finally:
        download.close()
    assert download.size == len(data) and len(pieces) > 1
    assert b"".join(pieces) == data


def test_a_deleted_bundle_is_gone_for_every_process(store: MailboxStore, backing: Backing) -> None:
    put(store, HQ, "one.ldbundle", b"sealed bytes")
    put(store, HQ, "two.ldbundle", b"more sealed bytes")
    assert store.delete(HQ, "one.ldbundle")
    assert not backing.open().delete(HQ, "one.ldbundle")
    assert backing.open().download(HQ, "one.ldbundle") is None
    assert [b.name for b in store.waiting(HQ)] == ["two.ldbundle"]
    assert put(store, HQ, "one.ldbundle", b"new contents, same name")  # the name is free again


# -- nonces --------------------------------------------------------------------------------------


def test_a_nonce_is_claimed_once_across_processes(backing: Backing) -> None:
    first, second = backing.open(), backing.open()
    assert first.claim_nonce(HQ, "nonce-1", NOW_S)
    assert not first.claim_nonce(HQ, "nonce-1", NOW_S)
    assert not second.claim_nonce(HQ, "nonce-1", NOW_S)
    assert second.claim_nonce(STATION, "nonce-1", NOW_S)  # another signer's nonce
    assert second.claim_nonce(HQ, "nonce-2", NOW_S)


def test_pruning_drops_only_minutes_past_the_window(store: MailboxStore) -> None:
    old = NOW_S - NONCE_LIFETIME_S - 120
    for n in range(3):
        store.claim_nonce(HQ, f"old-{n}", old)
    store.claim_nonce(HQ, "older", old - 600)
    store.claim_nonce(HQ, "recent", NOW_S - 60)
    assert store.prune_nonces(NOW_S) == 2
    assert store.claim_nonce(HQ, "old-0", old) and store.claim_nonce(HQ, "older", old - 600)
    assert not store.claim_nonce(HQ, "recent", NOW_S - 60)
    assert store.prune_nonces(NOW_S) == 2  # the ones just claimed again
    assert store.prune_nonces(NOW_S) == 0


# -- the roster ----------------------------------------------------------------------------------


def test_the_roster_is_shared_and_its_tag_changes_with_it(
    store: MailboxStore, backing: Backing
) -> None:
    other = backing.open()
    assert store.read_roster() is None and store.roster_tag() is None
    store.write_roster(b'{"roster": 1}')
    found = other.read_roster()
    assert found is not None
    data, tag = found
    assert data == b'{"roster": 1}' and other.roster_tag() == tag == store.roster_tag()
    other.write_roster(b'{"roster": 2, "longer": true}')
    newer = store.read_roster()
    assert newer is not None and newer[0] == b'{"roster": 2, "longer": true}'
    assert newer[1] != tag and store.roster_tag() == newer[1]


# -- S3 only -------------------------------------------------------------------------------------


def test_a_prefix_keeps_two_relays_apart_in_one_bucket(s3: S3Server) -> None:
    bucket = s3.new_bucket("prefixes")
    red = S3Store(bucket, endpoint_url=s3.endpoint, prefix="red")
    blue = S3Store(bucket, endpoint_url=s3.endpoint, prefix="/blue/")
    put(red, HQ, "one.ldbundle", b"red")
    red.write_roster(b"red roster")
    assert blue.waiting(HQ) == [] and blue.read_roster() is None
    assert put(blue, HQ, "one.ldbundle", b"blue")
    assert sorted(s3.keys(bucket)) == [
        f"blue/mailboxes/{HQ}/one.ldbundle",
        f"red/mailboxes/{HQ}/one.ldbundle",
        "red/roster.json",
    ]


def test_a_missing_bucket_is_named_when_the_relay_starts(s3: S3Server) -> None:
    with pytest.raises(
        StorageError, match=r"bucket no-such-bucket cannot be used \(it does not exist\)"
    ):
        S3Store("no-such-bucket", endpoint_url=s3.endpoint)


def test_a_bucket_gone_from_under_the_relay_is_a_store_error(s3: S3Server) -> None:
    bucket = s3.new_bucket("vanishing")
    store = S3Store(bucket, endpoint_url=s3.endpoint)
    s3.client().delete_bucket(Bucket=bucket)
    with pytest.raises(StoreError, match="NoSuchBucket") as caught:
        store.waiting(HQ)
    assert not caught.value.full
    with pytest.raises(StoreError):
        put(store, HQ, "one.ldbundle", b"sealed bytes")
    with pytest.raises(StoreError):
        store.claim_nonce(HQ, "nonce-1", NOW_S)
