"""Ages from birthdays, with and without their year."""

from __future__ import annotations

from datetime import date

import pytest

from liaison_desk.core.ages import age_on


@pytest.mark.parametrize(
    ("birthday", "today", "age"),
    [
        ("1974-03-14", date(2026, 3, 13), 51),  # the day before
        ("1974-03-14", date(2026, 3, 14), 52),  # on the day
        ("2000-02-29", date(2025, 2, 28), 24),  # no 29 February this year: not yet
        ("2000-02-29", date(2025, 3, 1), 25),
        ("2000-02-29", date(2028, 2, 29), 28),
        ("--03-14", date(2026, 3, 14), None),  # the year is not known
        (None, date(2026, 3, 14), None),
    ],
)
def test_age_on(birthday: str | None, today: date, age: int | None) -> None:
    assert age_on(birthday, today) == age
