"""The officer's morning page: who is due for contact, what is due, who is met today and this week.

One read answers it all (`today_at`), from indexed queries, so the page opens
as fast on a station of 10,000 contacts as on an empty one. The rules:

- A contact is due for contact when they have a stay-in-touch cadence and it
  has run out since the last meeting they took part in (a meeting planned for
  later is not contact made, and an edit of the contact is not either); never
  met counts as overdue. The same rule as the contact list's (`relations`).
- A follow-up is on the page while open and due today or earlier; done ones
  never count. "What I owe" are those with no owner or owned by this vault
  (its station name, in any case); "owed to me" are those whose owner names
  someone else: a follow-up records one owner, and anyone named other than
  this station is someone this station waits for.
- "Today" is the station's day in its zone; "this week" the six days after it,
  so Friday's page still shows Monday's meetings. A series shows each of its
  occurrences on its day; an all-day meeting is on its own day in every zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from liaison_desk.core.occurrences import SERIES_IDS, is_series, meetings_between
from liaison_desk.core.relations import is_overdue, now_stamp, with_series
from liaison_desk.core.store import Store

T = TypeVar("T")

# Lines of each list on the page, so that every list shows near the top; the rest are counted.
SHOWN = 10
WEEK_DAYS = 7  # today and the six days after it
_SLACK_DAYS = 2  # wider than any zone's offset: the SQL bound never drops a due contact


@dataclass(frozen=True)
class Listing(Generic[T]):
    """The first `SHOWN` of a list and how many there are in all."""

    items: tuple[T, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass(frozen=True)
class ContactDue:
    id: str
    full_name: str
    cadence_days: int
    last_met: str | None  # the start of their latest meeting (or occurrence) until now, UTC
    due: date | None  # None: never met
    marking: str

    def overdue_on(self, today: date) -> bool:
        return is_overdue(self.last_met, self.cadence_days, today)


@dataclass(frozen=True)
class FollowUpDue:
    id: str
    action: str
    owner: str | None
    due: date
    meeting_id: str | None
    marking: str


@dataclass(frozen=True)
class MeetingSoon:
    id: str
    title: str
    starts_at: str  # ISO UTC, as stored (of this occurrence, for a series)
    local: datetime  # when it starts on the station's clock
    marking: str
    all_day: bool = False
    recurring: bool = False  # one occurrence of a series


@dataclass(frozen=True)
class Today:
    """What the page shows, as of `day` at the station (zone `zone`)."""

    day: date
    zone: str
    get_in_touch: Listing[ContactDue]
    i_owe: Listing[FollowUpDue]
    owed_to_me: Listing[FollowUpDue]
    meetings_today: Listing[MeetingSoon]
    meetings_this_week: Listing[MeetingSoon]
    contacts_overdue: int  # of get_in_touch: the rest are due today
    followups_overdue: int  # of i_owe and owed_to_me together: the rest are due today

    @property
    def overdue(self) -> int:
        return self.contacts_overdue + self.followups_overdue

    @property
    def due_today(self) -> int:
        due = self.get_in_touch.total + self.i_owe.total + self.owed_to_me.total
        return due - self.overdue


def today_at(store: Store, now_ms: int, zone: str, me: str) -> Today:
    """The page as of `now_ms` at a station in `zone` whose own name (as an owner) is `me`."""
    tz = ZoneInfo(zone)
    day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).astimezone(tz).date()
    contacts, contacts_overdue = _get_in_touch(store, now_ms, day)
    i_owe, owed_to_me, followups_overdue = _followups(store, day, me)
    return Today(
        day=day,
        zone=zone,
        get_in_touch=contacts,
        i_owe=i_owe,
        owed_to_me=owed_to_me,
        meetings_today=_meetings(store, tz, day, day + timedelta(days=1)),
        meetings_this_week=_meetings(
            store, tz, day + timedelta(days=1), day + timedelta(days=WEEK_DAYS)
        ),
        contacts_overdue=contacts_overdue,
        followups_overdue=followups_overdue,
    )


def _get_in_touch(store: Store, now_ms: int, day: date) -> tuple[Listing[ContactDue], int]:
    """Contacts due or overdue, most overdue first and the never met last; and how many overdue.

    SQL keeps only contacts with a cadence whose last single meeting is old enough give
    or take a zone's offset (through the participants' and meetings' indexes): a series
    can only make them met later, so none due is left out. Their last meeting, a series
    counted at its latest occurrence (`with_series`), and the exact day are checked on
    those few.
    """
    rows = store.conn.execute(
        "SELECT id, full_name, cadence_days, last, marking FROM ("
        " SELECT c.id, c.full_name, c.cadence_days, c.marking, ("
        "  SELECT max(m.starts_at) FROM participants p"
        "  JOIN meetings m ON m.id = p.meeting_id AND m.deleted = 0 AND m.starts_at <= :now"
        f"  AND m.id NOT IN ({SERIES_IDS}) WHERE p.contact_id = c.id AND p.deleted = 0"
        " ) AS last"
        " FROM contacts c WHERE c.deleted = 0 AND c.cadence_days IS NOT NULL"
        ") WHERE last IS NULL OR julianday(last) + cadence_days <= julianday(:now) + :slack",
        {"now": now_stamp(now_ms), "slack": _SLACK_DAYS},
    ).fetchall()
    lasts = with_series(store, {contact_id: last for contact_id, _, _, last, _ in rows}, now_ms)
    found = []
    for contact_id, name, cadence, _, marking in rows:
        last = lasts.get(contact_id)
        due = None if last is None else date.fromisoformat(last[:10]) + timedelta(days=cadence)
        if due is None or due <= day:
            found.append(ContactDue(contact_id, name, cadence, last, due, marking))
    found.sort(key=lambda c: (c.due is None, c.due or day, c.full_name.casefold(), c.id))
    overdue = sum(1 for c in found if c.overdue_on(day))
    return Listing(tuple(found[:SHOWN]), len(found)), overdue


_MINE = "(owner IS NULL OR trim(owner) = '' OR trim(owner) = :me COLLATE NOCASE)"
_DUE = "deleted = 0 AND status = 'open' AND due_date <= :day"


def _followups(
    store: Store, day: date, me: str
) -> tuple[Listing[FollowUpDue], Listing[FollowUpDue], int]:
    """Open follow-ups due by `day`, split by who owes them (`followups_by_due` index)."""
    params = {"day": day.isoformat(), "me": me.strip()}
    counts = {
        (bool(mine), bool(late)): int(n)
        for mine, late, n in store.conn.execute(
            f"SELECT {_MINE}, due_date < :day, count(*) FROM followups WHERE {_DUE} GROUP BY 1, 2",
            params,
        )
    }

    def listing(mine: bool) -> Listing[FollowUpDue]:
        rows = store.conn.execute(
            "SELECT id, action, owner, due_date, meeting_id, marking FROM followups "
            f"WHERE {_DUE} AND {'' if mine else 'NOT '}{_MINE} "
            "ORDER BY due_date, action COLLATE NOCASE, id LIMIT :shown",
            {**params, "shown": SHOWN},
        )
        items = tuple(
            FollowUpDue(i, action, owner, date.fromisoformat(due), meeting, marking)
            for i, action, owner, due, meeting, marking in rows
        )
        return Listing(items, counts.get((mine, True), 0) + counts.get((mine, False), 0))

    late = counts.get((True, True), 0) + counts.get((False, True), 0)
    return listing(True), listing(False), late


def _meetings(store: Store, tz: ZoneInfo, first: date, end: date) -> Listing[MeetingSoon]:
    """Meetings on days `first` up to (not including) `end` at the station, each
    occurrence of a series on its own day."""
    found = meetings_between(store.conn, first, end, tz)
    items = tuple(
        MeetingSoon(
            o.meeting.id,
            o.meeting.title,
            o.starts_at,
            o.local(tz),
            o.meeting.marking,
            o.meeting.all_day,
            is_series(o.meeting),
        )
        for o in found[:SHOWN]
    )
    return Listing(items, len(found))
