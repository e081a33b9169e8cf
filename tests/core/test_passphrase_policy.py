"""The passphrase policy is zxcvbn's judgement, with our length floor and product words."""

from __future__ import annotations

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.passphrase_policy import ACCEPTED_SCORE, MIN_LENGTH, assess, weakness
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF


def test_a_very_long_passphrase_is_judged_on_its_start_without_error() -> None:
    long = "quiet lantern harbour ninety " * 10  # 290 characters, past zxcvbn's 72
    assert assess(long).problem is None


def test_length_floor_comes_first() -> None:
    rating = assess("Zq8#vT!p")
    assert rating.problem is not None and f"at least {MIN_LENGTH}" in rating.problem


@pytest.mark.parametrize(
    "weak",
    [
        "password1234",
        "qwertyuiop123",
        "liaisondesk2026",
        "correct horse battery staple",  # the example everyone has seen: a first guess
        "CorrectHorseBatteryStaple",
    ],
)
def test_the_vault_refuses_what_the_meter_calls_weak(tmp_path: object, weak: str) -> None:
    assert assess(weak).score < ACCEPTED_SCORE
    problem = weakness(weak)
    assert problem is not None
    with pytest.raises(ValidationError) as refused:
        Vault.create(tmp_path / "v", weak, name="Paris", kdf=FAST_KDF)  # type: ignore[operator]
    assert refused.value.message == problem
