"""The bundle test kit: each vector gets exactly the outcome expected.json names for it.

The vectors are read as HQ with HQ's fixed peer list (the station enrolled,
the revoked station revoked, the other station unknown), through the reader
alone: open_bundle, the payload's items and every op's checks; no vault.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liaison_desk.sync.bundle import PeerLookup
from liaison_desk.sync.identity import Identity
from tests.bundle_vectors import generate, identities, reader

KIT = generate.HERE
EXPECTED: dict[str, str] = json.loads((KIT / generate.EXPECTED).read_text())
REASONS = {
    reader.ACCEPTED,
    "empty",
    "not-a-bundle",
    "truncated",
    "unsupported-version",
    "malformed-header",
    "wrong-recipient",
    "unknown-sender",
    "revoked-sender",
    "bad-signature",
    "malformed-signature",
    "trailing-data",
    "key-unsealing-failed",
    "chunk-corrupt",
    "malformed-payload",
    "compression-bomb",
}


@pytest.fixture(scope="module")
def hq() -> tuple[Identity, PeerLookup]:
    ids = identities.load()
    return ids[identities.RECIPIENT], identities.lookup(ids)


def outcome(path: Path, hq: tuple[Identity, PeerLookup]) -> str:
    me, lookup = hq
    return reader.outcome(path, me, lookup)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vector(name: str, hq: tuple[Identity, PeerLookup]) -> None:
    assert outcome(KIT / name, hq) == EXPECTED[name]


def test_kit_names_every_file_and_outcome() -> None:
    on_disk = {p.name for p in KIT.glob(f"*{generate.SUFFIX}")}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 40
    assert set(EXPECTED.values()) == REASONS  # every outcome is exercised, and only those


def test_generator_reproduces_the_kit(tmp_path: Path, hq: tuple[Identity, PeerLookup]) -> None:
    """Same cases, outcomes and identities; fresh bundles (sealing and signing are randomized)."""
    expected = generate.main(tmp_path)
    assert expected == EXPECTED
    written = tmp_path / identities.FILE.name
    assert written.read_text() == identities.FILE.read_text()
    assert {name: outcome(tmp_path / name, hq) for name in expected} == expected
