"""Bundle file names: what they say, which names are taken from outside, which supersede."""

from __future__ import annotations

import pytest

from liaison_desk.sync.bundle_names import (
    SUFFIX,
    bundle_name,
    is_bundle_name,
    sender_prefix,
    superseded,
)

SENDER, RECIPIENT = "a" * 96, "b" * 96
ORIGIN = "0123456789abcdef"


def test_a_name_says_sender_recipient_incarnation_and_number() -> None:
    name = bundle_name(SENDER, RECIPIENT, ORIGIN, 42)
    assert name == f"{'a' * 16}-to-{'b' * 16}-{ORIGIN}-00000042{SUFFIX}"
    assert is_bundle_name(name)
    assert name.startswith(sender_prefix(SENDER, RECIPIENT))
    assert name.startswith(sender_prefix(SENDER))
    assert not name.startswith(sender_prefix(RECIPIENT))


def test_numbers_past_eight_digits_still_make_names() -> None:
    assert is_bundle_name(bundle_name(SENDER, RECIPIENT, ORIGIN, 123_456_789_012))


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        f"../{bundle_name(SENDER, RECIPIENT, ORIGIN, 1)}",
        f"{bundle_name(SENDER, RECIPIENT, ORIGIN, 1)}/x",
        bundle_name(SENDER, RECIPIENT, ORIGIN, 1).upper(),
        bundle_name(SENDER, RECIPIENT, ORIGIN, 1).removesuffix(SUFFIX),
        f".{bundle_name(SENDER, RECIPIENT, ORIGIN, 1)}.part",
        f"{'a' * 16}-to-{'b' * 16}-{ORIGIN}-1{SUFFIX}",  # fewer than eight digits
    ],
)
def test_only_names_of_that_form_are_taken_from_a_drive_or_the_relay(name: str) -> None:
    assert not is_bundle_name(name)


def test_superseding_is_by_number_within_one_incarnation() -> None:
    def name(origin: str, seq: int) -> str:
        return f"{'a' * 16}-to-{'b' * 16}-{origin * 16}-{seq:08d}.ldbundle"

    assert superseded(name("1", 2), name("1", 3))
    assert superseded(f".{name('1', 2)}.part", name("1", 3))  # a write cut short
    assert not superseded(name("1", 3), name("1", 3))
    assert not superseded(name("1", 4), name("1", 3))  # a late, older one replaces nothing
    assert not superseded(name("2", 1), name("1", 3))  # another incarnation: maybe not held
    assert not superseded("notes.txt", name("1", 3))
