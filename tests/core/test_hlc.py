"""Hybrid logical clock stamps and UUIDv7 ids."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from liaison_desk.core.hlc import HybridClock, Stamp
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


def test_observed_stamps_are_never_reissued() -> None:
    hlc = HybridClock(FixedClock(1_000), "b" * 16)
    hlc.observe(Stamp(5_000, 7, "a" * 16))
    assert hlc.now() > Stamp(5_000, 7, "f" * 16)


@given(st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 99_999)), min_size=2))
def test_text_order_matches_stamp_order(pairs: list[tuple[int, int]]) -> None:
    stamps = [Stamp(ms, c, "0" * 16) for ms, c in pairs]
    assert sorted(stamps) == sorted(stamps, key=str)


def test_uuid7_is_version_7_and_time_ordered() -> None:
    ids = [uuid7(ms) for ms in (1_000, 1_001, 2_000_000)]
    assert all(uuid.UUID(i).version == 7 for i in ids)
    assert ids == sorted(ids)
