"""The bundle test kit: each vector gets exactly the outcome expected.json names for it.

The vectors are read as HQ with HQ's fixed peer list (the station enrolled,
the revoked station revoked, the other station unknown), through the reader
alone: open_bundle, the payload's items and every op's checks; no vault.
The vectors whose one op is refused alone (and the one at the limit of the
clock check) are also imported into a real HQ vault holding the kit's keys and
the records they name: the op is refused with its reason, the rest applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from liaison_desk.core.records import Attachment, Contact, ProtocolRef
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle import PeerLookup
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.peers import add_peer
from tests.bundle_vectors import craft, generate, identities, reader
from tests.sync.helpers import make_vault

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
    "clock-ahead",
    f"{reader.OP_REFUSED}not-authorised",
    f"{reader.OP_REFUSED}clock-ahead",
}
IN_A_VAULT = sorted(
    n for n, e in EXPECTED.items() if e.startswith(reader.OP_REFUSED) or "a-day-ahead" in n
)


@pytest.fixture(scope="module")
def hq() -> tuple[Identity, PeerLookup]:
    ids = identities.load()
    return ids[identities.RECIPIENT], identities.lookup(ids)


def outcome(path: Path, hq: tuple[Identity, PeerLookup]) -> str:
    me, lookup = hq
    return reader.outcome(path, me, lookup)


def without_a_vault(expected: str) -> str:
    """What the reader alone sees: a bundle whose op is refused alone is a good bundle."""
    return reader.ACCEPTED if expected.startswith(reader.OP_REFUSED) else expected


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_vector(name: str, hq: tuple[Identity, PeerLookup]) -> None:
    assert outcome(KIT / name, hq) == without_a_vault(EXPECTED[name])


@pytest.fixture
def kit_hq(tmp_path: Path) -> Iterator[Vault]:
    """A real HQ vault with the kit's keys, `station` enrolled, and the records the
    vectors name: HQ's protocol reference and a contact HQ shares with `station` only."""
    ids = identities.load()
    vault = make_vault(tmp_path, "hq", "hq", start_ms=craft.CREATED_MS)
    keys = ids[identities.RECIPIENT].secrets
    station = ids["station"].public
    with vault.store.transaction():
        vault.conn.execute(
            "UPDATE identity SET mldsa87_seed = ?, ecdsa_p384 = ?, mlkem1024_seed = ?, "
            "kem_p384 = ?, fingerprint = ?",
            (
                keys.mldsa87_seed,
                keys.ecdsa_p384,
                keys.mlkem1024_seed,
                keys.kem_p384,
                ids[identities.RECIPIENT].fingerprint,
            ),
        )
        add_peer(vault.conn, vault.clock, station)
    vault.store.add(ProtocolRef(id=generate.LIBRARY, title="Gifts", body="Nothing over 50 EUR."))
    vault.store.add(
        Contact(
            id=generate.SHARED_WITH_STATION,
            full_name="Adm. Tanaka",
            distribution=f"stations:{station.fingerprint}",
        )
    )
    vault.store.add(
        Attachment(
            id=generate.SHARED_FILE,
            owner_id=generate.SHARED_WITH_STATION,
            name="dossier.txt",
            mime="text/plain",
            data=b"Adm. Tanaka's file",
        )
    )
    yield vault
    vault.lock()


@pytest.mark.parametrize("name", IN_A_VAULT)
def test_vector_in_a_vault(name: str, kit_hq: Vault) -> None:
    result = import_bundle(kit_hq, KIT / name)
    assert result.status == "applied" and result.ops == 2
    reasons = [(op.seq, op.reason) for op in result.refused]
    expected = EXPECTED[name].removeprefix(reader.OP_REFUSED)
    assert reasons == ([] if expected == reader.ACCEPTED else [(2, expected)])
    assert kit_hq.store.get(Contact, generate.record_id(1)).full_name == "Contact 1"
    assert kit_hq.store.get(ProtocolRef, generate.LIBRARY).body == "Nothing over 50 EUR."
    shared = kit_hq.store.get(Contact, generate.SHARED_WITH_STATION)
    assert shared.distribution.startswith("stations:")
    assert kit_hq.store.get(Attachment, generate.SHARED_FILE).owner_id == shared.id
    assert kit_hq.store.now().ms < craft.CREATED_MS + 2 * generate.DAY_MS  # never adopted


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
    assert {name: outcome(tmp_path / name, hq) for name in expected} == {
        name: without_a_vault(e) for name, e in expected.items()
    }


# The rules of docs/bundle-format.md §6 that the reader checks as it applies ops: each of
# these vectors gets the same outcome, and the same sentence, from a real import.
PAYLOAD_RULES = [
    "accepted-nulls-where-allowed",
    "accepted-deletion-op",
    "accepted-attachment-empty",
    "accepted-contact-details",
    "accepted-legacy-contact-fields",
    "op-snapshot-clocks-null",
    "op-unknown-key",
    "op-null-required-field",
    "op-null-list-field",
    "op-int-field-too-big",
    "op-base-unknown-field",
    "op-outside-coverage",
    "op-at-coverage-start",
    "op-origin-not-covered",
    "end-count-wrong",
    "attachment-bytes-short",
    "attachment-bytes-other-checksum",
    "blob-after-other-op",
    "start-yours-not-a-list",
    "start-yours-not-origins",
    "accepted-start-yours",
    "start-revocation-not-signed-by-hq",
]


def _refusal(read: Callable[[], object]) -> BundleRefused | None:
    try:
        read()
    except BundleRefused as refused:
        return refused
    return None


@pytest.mark.parametrize("name", PAYLOAD_RULES)
def test_the_reader_and_an_import_agree(
    name: str, kit_hq: Vault, hq: tuple[Identity, PeerLookup]
) -> None:
    path = KIT / f"{name}{generate.SUFFIX}"
    oplog = "SELECT count(*) FROM oplog"
    before = kit_hq.conn.execute(oplog).fetchone()[0]
    by_reader = _refusal(lambda: reader.read_bundle(path, *hq))
    by_import = _refusal(lambda: import_bundle(kit_hq, path))
    after = kit_hq.conn.execute(oplog).fetchone()[0]
    if EXPECTED[path.name] == reader.ACCEPTED:
        assert by_reader is None and by_import is None
        assert after > before
    else:
        assert by_reader is not None and by_import is not None
        assert (by_import.reason, by_import.message) == (by_reader.reason, by_reader.message)
        assert by_import.reason == EXPECTED[path.name]
        assert after == before
