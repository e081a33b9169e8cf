"""What `sync online` says of a transfer: bytes of the whole, the rate of late, and resumption."""

from __future__ import annotations

import io

from liaison_desk.cli.progress import ProgressLine
from liaison_desk.sync.transfer_meter import Meter, amount
from tests.relay.in_process import ManualClock

MIB = 1024 * 1024


def test_amounts_read_as_a_person_would_say_them() -> None:
    assert [amount(n) for n in (312, 640 * 1024, 12 * MIB, 3 * 1024 * MIB)] == [
        "312 bytes",
        "640.0 KiB",
        "12.0 MiB",
        "3.0 GiB",
    ]


def test_the_words_follow_the_rate_of_the_last_seconds_and_say_where_it_resumed() -> None:
    clock = ManualClock()
    said: list[tuple[str, int, int]] = []
    meter = Meter(lambda *a: said.append(a), "Sending bundle 1 of 2", 50 * MIB, clock)
    meter.resuming(8 * MIB)
    assert said[-1] == (
        "Sending bundle 1 of 2: 8.0 of 50.0 MiB (resumed at 8.0 MiB)",
        8 * MIB,
        50 * MIB,
    )
    for second in range(1, 11):  # 2 MiB a second for ten seconds
        clock.advance(1.0)
        meter(8 * MIB + second * 2 * MIB)
    assert said[-1][0] == "Sending bundle 1 of 2: 28.0 of 50.0 MiB, 2.0 MiB/s (resumed at 8.0 MiB)"
    clock.advance(5.0)  # the link slows to a trickle: the rate says so within seconds
    meter(28 * MIB + 256 * 1024)
    clock.advance(5.0)
    meter(28 * MIB + 512 * 1024)
    assert ", 51.2 KiB/s" in said[-1][0]


def test_the_cli_line_redraws_a_transfer_in_place_with_its_percentage() -> None:
    stream = io.StringIO()
    stream.isatty = lambda: True  # type: ignore[method-assign]
    line = ProgressLine("Sending bundle 1 of 1: 40.0 of 50.0 MiB, 1.2 MiB/s", stream, terse=True)
    line(40, 50)
    line.label = "Sending bundle 1 of 1: 50.0 of 50.0 MiB"
    line(50, 50)
    first, second = stream.getvalue().split("\r")[1:]
    assert first == "Sending bundle 1 of 1: 40.0 of 50.0 MiB, 1.2 MiB/s  80%"
    assert second.rstrip() == "Sending bundle 1 of 1: 50.0 of 50.0 MiB  100%"
    assert len(second) == len(first)  # the longer line before is overwritten, not left behind
