"""Fixtures of the bundle tests: hostile bytes imported into a real, open HQ vault."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liaison_desk.sync import importing, refusals
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.own_identity import load_identity
from tests.sync.helpers import canonical_dump
from tests.sync.hostile import World, files_of, make_world, stats_of


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    world = make_world(tmp_path_factory.mktemp("hostile"))
    yield world
    world.close()


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """Where each hostile file is written: in memory when possible (14,000 rewrites)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir=shm) as folder:
        yield Path(folder)


@pytest.fixture
def refuse(
    world: World, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[bytes], str]]:
    """Import bytes into HQ's open vault; return the refusal reason, checking nothing changed.

    Every attempt must leave the files unwritten (size, time and inode); at the
    end their bytes and the records are compared with what they were before.
    The one write a refusal may make, the note reporting it back to its enrolled
    sender (tests/sync/test_bundle_refused.py), is kept aside here and checked to
    be of a refusal of the sender's making.
    """
    # The sweeps import ~14,000 times: derive HQ's keys once, not on every import (2 ms each).
    identity = load_identity(world.hq.conn)
    monkeypatch.setattr(importing, "load_identity", lambda conn: identity)
    noted: list[str] = []
    monkeypatch.setattr(
        refusals, "note_bundle_refused", lambda vault, peer, refused: noted.append(refused.reason)
    )
    path = scratch / "hostile.ldbundle"
    records = canonical_dump(world.hq)
    files, stats = files_of(world.hq), stats_of(world.hq)

    def attempt(data: bytes) -> str:
        path.write_bytes(data)
        with pytest.raises(BundleRefused) as refused:
            importing.import_bundle(world.hq, path)
        assert stats_of(world.hq) == stats
        return refused.value.reason

    yield attempt
    assert set(noted) <= refusals.SENDERS_OWN | {"too-large"}
    assert files_of(world.hq) == files
    assert canonical_dump(world.hq) == records
