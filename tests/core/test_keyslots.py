"""Key slot encoding and the recovery code people write on paper."""

from __future__ import annotations

import re

import pytest

from liaison_desk.core.errors import KeySlotsDamaged, WrongPassphrase
from liaison_desk.core.keyslots import (
    KdfParams,
    KeyFile,
    KeySlot,
    new_recovery_code,
    normalize_passphrase,
    normalize_recovery_code,
)

KEY = bytes(range(32))


def test_recovery_code_shape_and_entropy() -> None:
    codes = {new_recovery_code() for _ in range(50)}
    assert len(codes) == 50
    for code in codes:
        assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}", code)


def test_recovery_code_normalisation_forgives_misreadings() -> None:
    assert normalize_recovery_code("abcd-ef01 ") == normalize_recovery_code("ABCDEF01")
    assert normalize_recovery_code("O0Il") == b"0011"


def test_passphrase_normalised_to_nfc() -> None:
    assert normalize_passphrase("e\u0301te\u0301") == normalize_passphrase("\u00e9t\u00e9")


def test_keyfile_round_trip_and_wrong_secret() -> None:
    slot = KeySlot.seal("passphrase", b"secret", KEY, "vault-1", KdfParams.floor())
    keyfile = KeyFile.from_bytes(KeyFile("vault-1", (slot,)).to_bytes())
    assert keyfile.slot("passphrase").open(b"secret", "vault-1") == KEY
    with pytest.raises(WrongPassphrase):
        keyfile.slot("passphrase").open(b"other", "vault-1")


def test_slot_is_bound_to_its_vault() -> None:
    slot = KeySlot.seal("passphrase", b"secret", KEY, "vault-1", KdfParams.floor())
    with pytest.raises(WrongPassphrase):
        slot.open(b"secret", "vault-2")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json",
        b"[]",
        b'{"format": "something-else"}',
        b'{"format": "liaison-desk-keyslots", "version": 99}',
        b'{"format": "liaison-desk-keyslots", "version": 1, "vault_id": "v", "slots": []}',
        b'{"format": "liaison-desk-keyslots", "version": 1, "vault_id": "v", "slots": [{}]}',
    ],
)
def test_damaged_keyfiles_are_refused_with_a_sentence(data: bytes) -> None:
    with pytest.raises(KeySlotsDamaged) as refused:
        KeyFile.from_bytes(data)
    sentence = refused.value.message  # names the file, says what is wrong with it
    assert re.fullmatch(r"keys\.json (is damaged|was written by a newer)[^\n]*\.", sentence)


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (KdfParams(32 * 1024, 1, 4), "64 MiB"),
        (KdfParams(64 * 1024, 0, 4), "passes"),
        (KdfParams(64 * 1024, 1, 0), "lanes"),
        (KdfParams(8 * 1024 * 1024, 1, 4), "4 GiB"),
    ],
)
def test_kdf_bounds(params: KdfParams, problem: str) -> None:
    assert problem in (params.problem() or "")
    assert KdfParams.default().problem() is None
    assert KdfParams.default().memory_kib >= 256 * 1024
