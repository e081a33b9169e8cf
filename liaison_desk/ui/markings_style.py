"""Colours of sensitivity markings, as officers know them from banners on paper."""

from __future__ import annotations

from collections.abc import Sequence

# Conventional banner colours; a vault's own markings that are not listed here get
# a colour by rank, from calm to alarming.
_KNOWN = {
    "UNCLASSIFIED": "#007a33",
    "OFFICIAL": "#007a33",
    "RESTRICTED": "#6b4e16",
    "OFFICIAL-SENSITIVE": "#6b4e16",
    "CONFIDENTIAL": "#0033a0",
    "SECRET": "#c8102e",
    "TOP SECRET": "#ff8c00",
}
_BY_RANK = ("#007a33", "#6b4e16", "#0033a0", "#c8102e", "#ff8c00")


def colour(marking: str, markings: Sequence[str]) -> str:
    """Background colour for a marking's banner (text on it is white)."""
    if marking in _KNOWN:
        return _KNOWN[marking]
    rank = markings.index(marking) if marking in markings else 0
    return _BY_RANK[min(rank, len(_BY_RANK) - 1)]


def banner_css(marking: str, markings: Sequence[str]) -> str:
    return (
        f"background: {colour(marking, markings)}; color: white; font-weight: bold;"
        " padding: 3px; qproperty-alignment: AlignCenter;"
    )
