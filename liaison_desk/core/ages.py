"""A person's age on a given day, from a birthday that may lack its year.

Birthdays are stored as 1974-03-14, or --03-14 when the year is not known
(vCard's form); only the first gives an age. Someone born on 29 February
turns a year older on 1 March in years without one.
"""

from __future__ import annotations

from datetime import date


def age_on(birthday: str | None, today: date) -> int | None:
    """Whole years from `birthday` to `today`; None when the year is not known."""
    if not birthday or birthday.startswith("--"):
        return None
    born = date.fromisoformat(birthday)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
