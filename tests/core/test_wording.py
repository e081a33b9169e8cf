"""Counts read as English: one contact, two contacts."""

from __future__ import annotations

from liaison_desk.core.wording import plural


def test_one_is_singular_and_every_other_count_plural() -> None:
    assert plural(1, "contact") == "1 contact"
    assert plural(0, "contact") == "0 contacts"
    assert plural(1204, "follow-up") == "1,204 follow-ups"
    assert plural(1, "new organization") == "1 new organization"
    assert plural(2, "reference", "references") == "2 references"
    assert plural(3, "library", "libraries") == "3 libraries"
