"""What the Today page says, line by line: read on the vault's worker, written as sentences.

The core's page (`core.today`) joins what sync waits for here, in the UI layer,
since the core never knows sync: open conflicts and, for each enrolled peer,
the last exchange and the changes waiting to go. Each line names what it
opens: a record (kind and id) or a section of the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from liaison_desk.core.station_zone import station_zone
from liaison_desk.core.today import (
    SHOWN,
    ContactDue,
    FollowUpDue,
    Listing,
    MeetingSoon,
    Today,
    today_at,
)
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync.conflicts import Conflict, list_conflicts
from liaison_desk.sync.status import PeerStatus, peer_status
from liaison_desk.ui.sync_models import field_label, when

T = TypeVar("T")

SECTION = "section"  # a line's target kind when it opens a section (a kind's list, Sync…)
TITLE = "Today"


@dataclass(frozen=True)
class Desk:
    """Everything the page shows, read in one go on the worker."""

    today: Today
    conflicts: tuple[Conflict, ...]
    peers: tuple[PeerStatus, ...]  # enrolled ones
    role: str


def load_today(vault: Vault) -> Today:
    """The core's part of the page, as of the vault's clock at the station."""
    store = vault.store
    return today_at(store, vault.clock.now_ms(), station_zone(store), vault.info.name)


def load_desk(vault: Vault) -> Desk:
    return Desk(
        load_today(vault),
        tuple(list_conflicts(vault)),
        tuple(s for s in peer_status(vault) if s.peer.active),
        vault.info.role,
    )


@dataclass(frozen=True)
class Line:
    """One line of the page. A heading or a quiet note opens nothing (`target` None)."""

    text: str
    target: tuple[str, str] | None = None  # (kind, record id) or (SECTION, section name)
    heading: bool = False
    alert: bool = False
    marking: str = ""  # of the record the line names: the status bar's banner counts it


def sidebar_title(overdue: int, due: int) -> str:
    """The sidebar's entry: what waits, at a glance from any section.

    The counts go on a line of their own in short words, so they fit the sidebar's
    width; `sidebar_tip` says it in full.
    """
    parts = [f"{overdue:,} late"] if overdue else []
    parts += [f"{due:,} due"] if due else []
    return f"{TITLE}\n{', '.join(parts)}" if parts else TITLE


def sidebar_tip(overdue: int, due: int) -> str:
    return f"{overdue:,} overdue, {due:,} due today: people to get in touch with, follow-ups."


def _lateness(due: date | None, day: date, never: str = "never met") -> str:
    if due is None:
        return never
    late = (day - due).days
    return "due today" if late <= 0 else f"{plural(late, 'day')} overdue"


def _contact(c: ContactDue, day: date) -> Line:
    last = f"last met {c.last_met[:10]}" if c.last_met else "never met"
    every = f"every {plural(c.cadence_days, 'day')}"
    state = _lateness(c.due, day)
    detail = every if c.last_met is None else f"{every}, {last}"
    return Line(
        f"{c.full_name} — {state} ({detail})",
        ("contact", c.id),
        alert=c.overdue_on(day),
        marking=c.marking,
    )


def _followup(f: FollowUpDue, day: date, with_owner: bool) -> Line:
    who = f"{f.owner}: " if with_owner and f.owner else ""
    return Line(
        f"{who}{f.action} — {_lateness(f.due, day)}",
        ("followup", f.id),
        alert=f.due < day,
        marking=f.marking,
    )


def _meeting(m: MeetingSoon, with_day: bool) -> Line:
    day = m.local.strftime("%a %d %b ") if with_day else ""
    at = f"{day}all day" if m.all_day else m.local.strftime(f"{day}%H:%M")
    repeats = " (repeats)" if m.recurring else ""
    return Line(f"{at}  {m.title}{repeats}", ("meeting", m.id), marking=m.marking)


def _group(
    heading: str, listing: Listing[T], line: Callable[[T], Line], empty: str, section: str
) -> Iterator[Line]:
    """A heading with the count, the first lines, and one that opens `section` for the rest."""
    yield Line(f"{heading} ({listing.total:,})" if listing.total else heading, heading=True)
    if not listing.total:
        yield Line(empty)
    yield from (line(item) for item in listing.items)
    if listing.more:
        yield Line(f"… and {listing.more:,} more", (SECTION, section))


def _sync(peers: Sequence[PeerStatus], role: str) -> Iterator[Line]:
    yield Line("Sync", heading=True)
    if not peers:
        text = "No station enrolled yet." if role == "hq" else "Not enrolled with HQ yet."
        yield Line(f"{text} Set it up in Sync.", (SECTION, "sync"))
        return
    # HQ may have hundreds of stations: those with the most waiting first, the rest counted.
    ranked = sorted(peers, key=lambda s: (-s.pending, s.peer.name.casefold()))
    for s in ranked[:SHOWN]:
        times = [t for t in (s.last_in_at, s.last_out_at) if t]
        last = when(max(times)) if times else "never"
        waiting = f"{plural(s.pending, 'change')} waiting to go" if s.pending else "up to date"
        yield Line(f"{s.peer.name}: last exchange {last}; {waiting}", (SECTION, "sync"))
    if len(ranked) > SHOWN:
        yield Line(f"… and {len(ranked) - SHOWN:,} more in Sync", (SECTION, "sync"))


def desk_lines(desk: Desk) -> list[Line]:
    """The page top to bottom: what is late first, then the days ahead, then sync."""
    page, day = desk.today, desk.today.day
    conflicts = Listing(desk.conflicts[:SHOWN], len(desk.conflicts))
    return [
        Line(f"{day:%A %d %B %Y} ({page.zone})", heading=True),
        *_group(
            "Get in touch",
            page.get_in_touch,
            lambda c: _contact(c, day),
            "Nobody is due for contact.",
            "contact",
        ),
        *_group(
            "Follow-ups I owe",
            page.i_owe,
            lambda f: _followup(f, day, with_owner=False),
            "Nothing due.",
            "followup",
        ),
        *_group(
            "Follow-ups owed to me",
            page.owed_to_me,
            lambda f: _followup(f, day, with_owner=True),
            "Nothing due.",
            "followup",
        ),
        *_group(
            "Meetings today",
            page.meetings_today,
            lambda m: _meeting(m, with_day=False),
            "No meeting today.",
            "meeting",
        ),
        *_group(
            "This week",
            page.meetings_this_week,
            lambda m: _meeting(m, with_day=True),
            "No meeting in the next six days.",
            "meeting",
        ),
        *_group(
            "Conflicts waiting",
            conflicts,
            lambda c: Line(f"{field_label(c)} of {c.title}", (SECTION, "conflicts")),
            "No conflict to settle.",
            "conflicts",
        ),
        *_sync(desk.peers, desk.role),
    ]
