"""Hybrid logical clock stamps and UUIDv7 ids."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liaison_desk.core.errors import ClockRanOut
from liaison_desk.core.hlc import (
    HybridClock,
    Stamp,
    is_origin,
    is_stamp,
    stamp_ms,
    stamp_origin,
)
from liaison_desk.core.ids import uuid7


class FixedClock:
    def __init__(self, ms: int) -> None:
        self.ms = ms

    def now_ms(self) -> int:
        return self.ms


def test_stamps_increase_when_the_wall_clock_stands_still_or_goes_back() -> None:
    clock = FixedClock(1_000)
    hlc = HybridClock(clock, "a" * 16)
    first, second = hlc.now(), hlc.now()
    clock.ms = 500  # the laptop's clock was set back
    third = hlc.now()
    assert first < second < third
    assert str(first) < str(second) < str(third)
    assert Stamp.parse(str(third)) == third


def test_a_clock_at_the_formats_end_says_so_instead_of_issuing_a_stamp_too_wide() -> None:
    """A vault that adopted 9999999999999.99999 from a peer (before stamps that far ahead were
    refused) cannot stamp another change; it says why instead of writing a stamp no peer reads."""
    hlc = HybridClock(FixedClock(1_780_000_000_000), "c" * 16, Stamp(10**13 - 1, 99_998, "a" * 16))
    assert str(hlc.now()) == "9999999999999.99999." + "c" * 16
    with pytest.raises(ClockRanOut, match="restore the vault from a backup"):
        hlc.now()
    with pytest.raises(ClockRanOut):
        HybridClock(FixedClock(10**13), "d" * 16).now()


def test_observed_stamps_are_never_reissued() -> None:
    hlc = HybridClock(FixedClock(1_000), "b" * 16)
    hlc.observe(Stamp(5_000, 7, "a" * 16))
    assert hlc.now() > Stamp(5_000, 7, "f" * 16)


@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 99_999)), min_size=2))
def test_text_order_matches_stamp_order(pairs: list[tuple[int, int]]) -> None:
    stamps = [Stamp(ms, c, "0" * 16) for ms, c in pairs]
    assert sorted(stamps) == sorted(stamps, key=str)


_origins = st.text("0123456789abcdef", min_size=16, max_size=16)


@given(st.integers(0, 10**13 - 1), st.integers(0, 99_999), _origins)
def test_a_stamp_s_text_reads_back_whole_and_by_its_parts(
    ms: int, counter: int, origin: str
) -> None:
    stamp = Stamp(ms, counter, origin)
    text = str(stamp)
    assert Stamp.parse(text) == stamp
    assert (stamp_ms(text), stamp_origin(text)) == (ms, origin)
    assert is_stamp(text) and is_origin(origin)


def test_text_that_is_not_a_stamp_is_told_apart() -> None:
    good = str(Stamp(1_780_000_000_000, 3, "0123456789abcdef"))
    assert is_stamp(good)
    for bad in (
        good + "0",  # an origin one digit long
        good.upper(),  # origins are lower-case hex
        good.replace(".", "-"),
        good[1:],  # twelve digits of milliseconds
        f" {good}",
        f"{good}\n",
        1_780_000_000_000,
        None,
    ):
        assert not is_stamp(bad), bad
    assert not is_origin("0123456789ABCDEF") and not is_origin("0123")


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7(ms) for ms in (1_000, 1_001, 2_000_000)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)
