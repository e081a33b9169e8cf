"""A meeting's seating plan in the vault: made, read, changed by hand, and checked.

A dinner, lunch or reception holds one plan, a child record of the meeting
(`records.SeatingPlan`): it syncs, is trashed and restored with it. Should two vaults each
make a plan for the same dinner before they sync, both records arrive everywhere and the
one created first (then the lower id) is the meeting's plan in every vault. The people are
the meeting's participants in precedence order (`core.precedence`); their role says their
side (host, interpreter, else guest).
Someone added to the meeting after the plan was made is reported without a seat until the
plan is made again or they are moved to a seat; someone who left it loses their seat.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from liaison_desk.core import relations
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.markings import highest
from liaison_desk.core.precedence import meeting_precedence
from liaison_desk.core.records import SEATED_KINDS, Contact, Meeting, SeatingPlan
from liaison_desk.core.seating import arrange
from liaison_desk.core.seating_layout import Layout, SeatRef, convention_of, parse_tables
from liaison_desk.core.seating_rules import (
    GUEST,
    HOST,
    INTERPRETER,
    Broken,
    Diner,
    Party,
    Plan,
    broken_rules,
    moved,
    new_breaks,
    spoken,
)
from liaison_desk.core.store import ListQuery, Store

_SIDES = {"host": HOST, "interpreter": INTERPRETER}
_SEAT = re.compile(r"^\d{1,3}\.\d{1,3}$")
_PLANS = 100  # plans of one meeting read to choose from: more than vaults ever make at once
_RULE_FIELDS = ("tables", "convention", "host_id", "cohost_id", "apart", "interpreters")


@dataclass(frozen=True)
class Chart:
    """A plan as shown: its meeting, tables, people (with their reasons for their place in
    precedence), who sits where, and the rules it breaks."""

    meeting: Meeting
    plan: SeatingPlan
    layout: Layout
    party: Party
    seats: Plan
    reasons: dict[str, str]
    broken: tuple[Broken, ...]
    marking: str  # the highest of the meeting's, the plan's and its people's

    def name(self, contact_id: str) -> str:
        return self.party.name(contact_id)

    def who(self, seat: SeatRef) -> str | None:
        return self.seats.get(seat)

    def seat_of(self, contact_id: str) -> SeatRef | None:
        return next((s for s, w in self.seats.items() if w == contact_id), None)


def display_name(contact: Contact) -> str:
    """The name on a place card: rank and name."""
    return " ".join(part for part in (contact.rank, contact.full_name) if part)


def _meeting(store: Store, meeting_id: str) -> Meeting:
    meeting = store.get(Meeting, meeting_id)
    if meeting.kind not in SEATED_KINDS:
        raise ValidationError(
            f"Only a {', a '.join(SEATED_KINDS[:-1])} or a {SEATED_KINDS[-1]} has a seating "
            f"plan; this meeting is a {(meeting.kind or 'meeting').replace('-', ' ')}."
        )
    return meeting


def _pairs(entries: Sequence[str]) -> list[tuple[str, str]]:
    """Entries of two ids a space apart (anything else, which only a damaged peer could
    send, is passed over)."""
    return [(p[0], p[1]) for p in (e.split() for e in entries) if len(p) == 2]


def _joined(pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
    return tuple(f"{a} {b}" for a, b in pairs)


def _party(
    store: Store, meeting_id: str, plan: SeatingPlan
) -> tuple[Party, dict[str, str], list[str]]:
    """The meeting's people as diners in precedence order, the rules the plan names, each
    one's reason for their place, and the markings of the people."""
    placed = meeting_precedence(store, meeting_id)
    roles = {a.contact.id: a for a in relations.participants(store, meeting_id)}
    diners = []
    for p in placed:
        attendance = roles[p.contact_id]
        side = _SIDES.get(attendance.participant.role or "", GUEST)
        contact = attendance.contact
        diners.append(Diner(contact.id, display_name(contact), spoken(contact.languages), side))
    hosts = [d.id for d in diners if d.side == HOST]
    host = plan.host_id or (hosts[0] if hosts else None)
    cohost = plan.cohost_id or next((h for h in hosts if h != host), None)
    interprets = dict(_pairs(plan.interpreters))
    countries = {cid: a.contact.country for cid, a in roles.items()}
    for d in diners:
        if d.side == INTERPRETER and d.id not in interprets:
            principal = _principal(d, diners, countries, host)
            if principal:
                interprets[d.id] = principal
    party = Party(
        tuple(diners),
        host=host,
        cohost=cohost,
        apart=frozenset(frozenset(pair) for pair in _pairs(plan.apart)),
        interprets=interprets,
    )
    markings = [a.contact.marking for a in roles.values()]
    return party, {p.contact_id: p.reason for p in placed}, markings


def _principal(
    interpreter: Diner, diners: Sequence[Diner], countries: dict[str, str | None], host: str | None
) -> str | None:
    """Whom an interpreter serves when the plan does not say: the first guest of their
    country who shares no language with the host, else the first guest of their country."""
    own = [
        d
        for d in diners
        if d.side == GUEST and d.id != host and countries.get(d.id) == countries[interpreter.id]
    ]
    host_speaks = next((d.languages for d in diners if d.id == host), frozenset())
    unheard = [d for d in own if d.languages and not d.languages & host_speaks]
    first = (unheard or own)[:1]
    return first[0].id if first else None


def _chart(store: Store, meeting: Meeting, plan: SeatingPlan) -> Chart:
    layout = Layout(parse_tables(plan.tables), plan.convention)
    party, reasons, markings = _party(store, meeting.id, plan)
    seats: Plan = {}
    places = set(layout.seats)
    for seat_text, who in _pairs(plan.seats):
        if not _SEAT.match(seat_text):
            continue
        seat = SeatRef(*map(int, seat_text.split(".")))
        if who in party.by_id and seat in places and who not in seats.values():
            seats[seat] = who
    broken = tuple(broken_rules(layout, party, seats))
    shown = [meeting.marking, plan.marking, *markings]
    marking = highest(store.markings(), shown) or meeting.marking
    return Chart(meeting, plan, layout, party, seats, reasons, broken, marking)


def _entries(seats: Plan) -> tuple[str, ...]:
    return tuple(f"{seat} {who}" for seat, who in sorted(seats.items()))


def _stored(store: Store, meeting_id: str) -> SeatingPlan | None:
    found = store.list(SeatingPlan, ListQuery(where={"meeting_id": meeting_id}, limit=_PLANS))
    return min(found, key=lambda p: (p.created_at, p.id)) if found else None


def chart_of(store: Store, meeting_id: str) -> Chart | None:
    """The meeting's plan as it stands, or None when it has none yet."""
    meeting = _meeting(store, meeting_id)
    plan = _stored(store, meeting_id)
    return _chart(store, meeting, plan) if plan else None


def make_plan(
    store: Store,
    meeting_id: str,
    tables: str,
    *,
    shape: str = "round",
    convention: str = "centre",
    host_id: str | None = None,
    cohost_id: str | None = None,
    apart: Sequence[tuple[str, str]] | None = None,
    interpreters: Sequence[tuple[str, str]] | None = None,
) -> Chart:
    """Seat the meeting's people afresh at `tables` ("3x10", or "long:14,round:8"), keeping
    the rules named (pairs kept apart, interpreter and principal); replaces seats by hand.

    Host, co-host, pairs apart and interpreters not given are those the plan named before.
    """
    meeting = _meeting(store, meeting_id)
    specs = parse_tables(tables, shape)
    before = _stored(store, meeting_id)
    draft = SeatingPlan(
        meeting_id=meeting_id,
        tables=",".join(str(t) for t in specs),
        convention=convention_of(convention),
        host_id=host_id or (before.host_id if before else None),
        cohost_id=cohost_id or (before.cohost_id if before else None),
        apart=_joined(apart) if apart is not None else (before.apart if before else ()),
        interpreters=(
            _joined(interpreters)
            if interpreters is not None
            else (before.interpreters if before else ())
        ),
        marking=meeting.marking,
    )
    with store.transaction():
        party, _, _ = _party(store, meeting_id, draft)
        named = [draft.host_id, draft.cohost_id]
        named += [who for entry in (*draft.apart, *draft.interpreters) for who in entry.split()]
        for who in named:
            if who is not None and who not in party.by_id:
                raise ValidationError(f"{who} is not among the meeting's participants.")
        seats = _entries(arrange(Layout(specs, draft.convention), party))
        if before is None:
            plan = store.add(replace(draft, seats=seats))
        else:
            changes = {f: getattr(draft, f) for f in _RULE_FIELDS} | {"seats": seats}
            plan = store.update(SeatingPlan, before.id, changes)
    return _chart(store, meeting, plan)


def move_guest(
    store: Store, meeting_id: str, contact_id: str, seat: SeatRef
) -> tuple[Chart, list[Broken]]:
    """Seat someone by hand (whoever sat there takes their seat); returns the plan and the
    rules the move broke that the plan kept before."""
    with store.transaction():
        chart = chart_of(store, meeting_id)
        if chart is None:
            raise ValidationError("This meeting has no seating plan yet: make one first.")
        if contact_id not in chart.party.by_id:
            raise ValidationError(f"{contact_id} is not among the meeting's participants.")
        if seat not in set(chart.layout.seats):
            raise ValidationError(f"The seat {seat} is not at the plan's tables.")
        seats = moved(chart.seats, contact_id, seat)
        plan = store.update(SeatingPlan, chart.plan.id, {"seats": _entries(seats)})
    after = _chart(store, chart.meeting, plan)
    return after, new_breaks(chart.broken, after.broken)
