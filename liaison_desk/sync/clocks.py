"""Clocks that ran ahead: a peer's, seen in what it sends, and this vault's own.

A stamp more than `MAX_AHEAD_MS` (a day) ahead of this computer's clock is
never taken: a bundle written that far ahead is refused whole (one of the two
clocks is wrong now, and nothing is lost by waiting until it is corrected), and
an op stamped that far ahead in a bundle written in time is refused alone (its
author's clock was wrong when it made it). A vault whose own last change is
stamped that far ahead of its clock is told so: its new changes are stamped
after that one, and its peers refuse them until real time catches up.
"""

from __future__ import annotations

from liaison_desk.core.hlc import MAX_AHEAD_MS, ahead_limit, stamp_ms
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.refusals import CLOCK_AHEAD
from liaison_desk.sync.vectors import own_origins

_HOUR_MS = 3600 * 1000


def span_text(ms: int) -> str:
    """A length of time, roughly, as people say it: "3 hours", "2 days", "40 years"."""
    hours = max(round(ms / _HOUR_MS), 1)
    if hours < 48:
        return plural(hours, "hour")
    days = round(hours / 24)
    if days < 730:
        return f"{days} days"
    return f"{days // 365} years"


def check_bundle_time(created_ms: int, now_ms: int, sender_name: str) -> None:
    """Refuse a bundle written more than a day ahead of this computer's clock."""
    ahead = created_ms - now_ms
    if ahead > MAX_AHEAD_MS:
        raise BundleRefused(
            CLOCK_AHEAD,
            f"{sender_name} wrote this bundle {span_text(ahead)} ahead of this computer's "
            "clock, so one of the two clocks is wrong. Nothing was applied: correct the "
            "wrong clock, then sync again.",
        )


def stamp_limit(now_ms: int, created_ms: int, from_hq: bool) -> str:
    """The latest stamp an op in this bundle may carry (see `ahead_limit`).

    HQ judges every stamp against its own clock. A station judges what HQ sends
    against the later of its clock and the bundle's time: HQ took those stamps
    at most a day ahead of its clock, and a bundle more than a day ahead was
    refused whole before this. Judged against the station's clock alone, a
    stamp HQ accepted could be refused at a station whose clock is behind
    HQ's, for good, and the two would never hold the same records.
    """
    return ahead_limit(max(now_ms, created_ms) if from_hq else now_ms)


def own_clock_ahead(vault: Vault) -> int:
    """How far this vault's last change is stamped ahead of its clock, if more than a day
    (0 otherwise)."""
    newest = 0
    for origin in own_origins(vault.conn):
        row = vault.conn.execute(
            "SELECT hlc FROM oplog WHERE origin = ? ORDER BY seq DESC LIMIT 1", (origin,)
        ).fetchone()
        if row is not None:
            newest = max(newest, stamp_ms(row[0]))
    ahead = newest - vault.clock.now_ms()
    return ahead if ahead > MAX_AHEAD_MS else 0


def clock_warning(ahead_ms: int) -> str:
    """What to tell the officer of a vault whose last change is `ahead_ms` in the future."""
    return (
        f"This vault's last change is stamped {span_text(ahead_ms)} ahead of this computer's "
        "clock: the clock was wrong then, or is wrong now. Check the date and time. Changes "
        "made here are stamped after that one, and peers refuse changes stamped more than "
        "24 hours ahead of their own clock (clock-ahead) until the real time catches up."
    )
