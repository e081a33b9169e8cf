"""What an import leaves out, said so nothing is dropped without a word.

Two things are reported beside what comes in: `Problem`s (a card left out
because it cannot be read or the vault refuses it, or a value left out of a
card that came in, such as a damaged photo), each with its line and reason; and
the properties of the file the vault has no place for, counted by the cards
that carry them ("not kept: X-ABLabel in 3 cards").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from liaison_desk.core.wording import plural


@dataclass(frozen=True)
class Problem:
    """Why something at `line` of the file was left out; `name` is the card's, when known."""

    line: int
    reason: str
    name: str = ""

    def sentence(self, source: str) -> str:
        return f"{source}, line {self.line}: {self.reason}"


NotKept = tuple[tuple[str, int], ...]


def tally(per_card: Iterable[Iterable[str]]) -> NotKept:
    """(property, cards carrying it) from each card's set of properties not kept.

    Most common first, then by name, so the preview reads the same every time.
    """
    counts: Counter[str] = Counter()
    for names in per_card:
        counts.update(set(names))
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def not_kept_text(not_kept: NotKept, noun: str = "card") -> str:
    """ "X-ABLabel in 3 cards, GENDER in 1 card", or "" when everything was kept."""
    return ", ".join(f"{name} in {plural(count, noun)}" for name, count in not_kept)
