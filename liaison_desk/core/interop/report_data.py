"""What goes into a written report: one meeting, or every engagement with a country or an
organization over a period. Plain data; `liaison_desk.ui.reports` lays it out as a PDF.

A report is marked with the highest marking of anything it shows (meetings,
the people in them, follow-ups): the document is as sensitive as its most
sensitive line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from liaison_desk.core import markings as markings_mod
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, MEETING
from liaison_desk.core.occurrences import occurrences
from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization
from liaison_desk.core.validation import country_code, iso_date
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural

_CHUNK = 500
_UTC = ZoneInfo("UTC")  # a period's days are UTC days


@dataclass(frozen=True)
class Person:
    contact_id: str
    name: str
    rank: str | None
    position: str | None
    organization: str | None
    country: str | None
    marking: str
    role: str | None = None
    meetings: int = 0  # in a period report: how many of its meetings they attended


@dataclass(frozen=True)
class ReportMeeting:
    meeting: Meeting
    when: str  # local time at the post, e.g. "Sat 14 Mar 2026, 10:30 (Europe/Paris)"
    people: tuple[Person, ...]
    followups: tuple[FollowUp, ...]


@dataclass(frozen=True)
class Report:
    kind: str  # "meeting" or "period"
    title: str
    scope: str  # what the report covers, in one line
    marking: str
    vault_name: str
    generated_at: str
    meetings: tuple[ReportMeeting, ...]
    people: tuple[Person, ...]  # a period report's list of everyone met

    @property
    def records(self) -> int:
        """How many records the report shows (for the audit log)."""
        people = {p.contact_id for m in self.meetings for p in m.people}
        followups = sum(len(m.followups) for m in self.meetings)
        return len(self.meetings) + len(people) + followups

    def followups_by_due_date(self) -> tuple[tuple[ReportMeeting, FollowUp], ...]:
        """Every follow-up with its meeting, the soonest due first and the undated last: the
        table is read as a to-do list, whichever meeting an action came from. Ties keep the
        meetings' order, then each meeting's own."""
        pairs = [(section, f) for section in self.meetings for f in section.followups]
        pairs.sort(key=lambda pair: (pair[1].due_date is None, pair[1].due_date or ""))
        return tuple(pairs)


def local_when(meeting: Meeting) -> str:
    moment = datetime.fromisoformat(meeting.starts_at.replace("Z", "+00:00"))
    if meeting.all_day:
        return f"{moment.strftime('%a %d %b %Y')} (all day)"
    zone = meeting.timezone or "UTC"
    if meeting.timezone:
        moment = moment.astimezone(ZoneInfo(meeting.timezone))
    return f"{moment.strftime('%a %d %b %Y, %H:%M')} ({zone})"


def _people(vault: Vault, meeting_ids: Sequence[str]) -> dict[str, list[Person]]:
    conn = vault.conn
    org_names = dict(
        conn.execute("SELECT id, name FROM organizations WHERE deleted = 0").fetchall()
    )
    out: dict[str, list[Person]] = {}
    for start in range(0, len(meeting_ids), _CHUNK):
        chunk = list(meeting_ids[start : start + _CHUNK])
        rows = conn.execute(
            f"SELECT p.meeting_id, p.role, {CONTACT.columns('c')} FROM participants p "
            "JOIN contacts c ON c.id = p.contact_id AND c.deleted = 0 "
            f"WHERE p.deleted = 0 AND p.meeting_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY c.full_name COLLATE NOCASE",
            chunk,
        ).fetchall()
        for meeting_id, role, *contact_row in rows:
            c: Contact = CONTACT.from_row(contact_row)
            out.setdefault(meeting_id, []).append(
                Person(
                    c.id,
                    c.full_name,
                    c.rank,
                    c.position,
                    org_names.get(c.org_id or ""),
                    c.country,
                    c.marking,
                    role,
                )
            )
    return out


def _followups(vault: Vault, meeting_ids: Sequence[str]) -> dict[str, list[FollowUp]]:
    out: dict[str, list[FollowUp]] = {}
    for start in range(0, len(meeting_ids), _CHUNK):
        chunk = list(meeting_ids[start : start + _CHUNK])
        rows = vault.conn.execute(
            f"SELECT {FOLLOWUP.columns()} FROM followups WHERE deleted = 0 "
            f"AND meeting_id IN ({', '.join('?' * len(chunk))}) "
            "ORDER BY due_date IS NULL, due_date, n",
            chunk,
        ).fetchall()
        for row in rows:
            followup: FollowUp = FOLLOWUP.from_row(row)
            out.setdefault(str(followup.meeting_id), []).append(followup)
    return out


def _sections(vault: Vault, meetings: Sequence[Meeting]) -> tuple[ReportMeeting, ...]:
    ids = [m.id for m in meetings]
    people = _people(vault, ids)
    followups = _followups(vault, ids)
    return tuple(
        ReportMeeting(m, local_when(m), tuple(people.get(m.id, ())), tuple(followups.get(m.id, ())))
        for m in meetings
    )


def _marking(vault: Vault, sections: Sequence[ReportMeeting]) -> str:
    markings = vault.store.markings()
    shown = [
        marking
        for s in sections
        for marking in (
            s.meeting.marking,
            *(p.marking for p in s.people),
            *(f.marking for f in s.followups),
        )
    ]
    return markings_mod.highest(markings, shown) or markings[0]


def _now(vault: Vault) -> str:
    return iso_from_ms(vault.clock.now_ms())[:16].replace("T", " ") + " UTC"


def meeting_report(vault: Vault, meeting_id: str) -> Report:
    """One meeting: when and where, who was there, what was said, what follows."""
    meeting = vault.store.get(Meeting, meeting_id)
    sections = _sections(vault, [meeting])
    return Report(
        kind="meeting",
        title=meeting.title,
        scope=f"Meeting report · {sections[0].when}",
        marking=_marking(vault, sections),
        vault_name=vault.info.name,
        generated_at=_now(vault),
        meetings=sections,
        people=(),
    )


def _period_bounds(start: str, end: str) -> tuple[date, date]:
    first = iso_date("start date", start)
    last = iso_date("end date", end)
    assert first is not None and last is not None
    begin, finish = date.fromisoformat(first), date.fromisoformat(last)
    if finish < begin:
        raise ValidationError(f"The period ends ({last}) before it starts ({first}).")
    return begin, finish


def period_report(
    vault: Vault,
    *,
    start: str,
    end: str,
    country: str | None = None,
    org_id: str | None = None,
) -> Report:
    """Every meeting between two dates (inclusive, UTC) with someone from a country or an
    organization (its units included): the visit or quarterly report HQ asks for."""
    if (country is None) == (org_id is None):
        raise ValidationError("Give either a country or an organization for the report.")
    begin, finish = _period_bounds(start, end)
    bounds = (
        datetime(begin.year, begin.month, begin.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        (datetime(finish.year, finish.month, finish.day, tzinfo=UTC) + timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
    )
    # The organizations that count, with every unit under them: a unit often has no country
    # of its own, its ministry does.
    roots = "SELECT id FROM organizations WHERE deleted = 0 AND "
    if country is not None:
        code = str(country_code(country))
        roots += "country = ?"
        who = "c.country = ? OR c.org_id IN (SELECT id FROM tree)"
        params: tuple[str, ...] = (code, *bounds, code)
        subject = code
    else:
        subject = vault.store.get(Organization, str(org_id)).name
        roots += "id = ?"
        who = "c.org_id IN (SELECT id FROM tree)"
        params = (str(org_id), *bounds)
    rows = vault.conn.execute(
        f"WITH RECURSIVE tree(id) AS ({roots} UNION SELECT o.id FROM organizations o "
        "JOIN tree t ON o.parent_id = t.id WHERE o.deleted = 0) "
        f"SELECT DISTINCT {MEETING.columns('m')} FROM meetings m "
        "JOIN participants p ON p.meeting_id = m.id AND p.deleted = 0 "
        "JOIN contacts c ON c.id = p.contact_id AND c.deleted = 0 "
        "WHERE m.deleted = 0 AND (m.starts_at >= ? OR m.recurrence IS NOT NULL "
        f"OR m.rdates != '[]') AND m.starts_at < ? AND ({who}) "
        "ORDER BY m.starts_at, m.id",
        params,
    ).fetchall()
    # Each occurrence of a series in the period is a meeting of the report.
    span = occurrences(
        (MEETING.from_row(row) for row in rows), begin, finish + timedelta(days=1), _UTC
    )
    meetings = [replace(o.meeting, starts_at=o.starts_at, ends_at=o.ends_at) for o in span]
    sections = _sections(vault, meetings)
    met: dict[str, Person] = {}
    for section in sections:
        for person in section.people:
            seen = met.get(person.contact_id)
            times = seen.meetings + 1 if seen else 1
            met[person.contact_id] = replace(person, role=None, meetings=times)
    people = tuple(sorted(met.values(), key=lambda p: (-p.meetings, p.name.casefold())))
    period = f"{begin.isoformat()} to {finish.isoformat()}"
    return Report(
        kind="period",
        title=f"Engagements with {subject}",
        scope=(
            f"Period report · {period} · {plural(len(sections), 'meeting')}, "
            f"{plural(len(people), 'person', 'people')}"
        ),
        marking=_marking(vault, sections),
        vault_name=vault.info.name,
        generated_at=_now(vault),
        meetings=sections,
        people=people,
    )
