"""Counts in words: "1 contact", "2 contacts", "1,204 follow-ups", in every sentence we print.

One helper for the GUI and the CLI, so no message says "1 contacts" again.
"""

from __future__ import annotations


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and the noun that goes with it; `nouns` when adding an "s" is wrong."""
    many = nouns if nouns is not None else f"{noun}s"
    return f"{count:,} {noun if count == 1 else many}"
