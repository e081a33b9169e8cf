"""Seating a party by precedence while keeping the table's rules (`core.seating_rules`).

The diners come in precedence order, best first (`core.precedence` works it out for a
meeting). The host takes the head of table 1 and the co-host the seat facing; the other
members of the host's side head the other tables, one each, and any left over sit after the
guests (the host's side yields to its guests). The guests then fill the seats in order of
honour (`core.seating_layout`): the principal guest on the host's right, the second on the
co-host's right, and so on; an interpreter takes the humbler free seat beside their
principal.

A guest who would break a rule in their seat yields it to the next guest in precedence who
keeps them all; when no one can take a seat without breaking a rule and the tables have
seats to spare, it stays empty. What this first pass could not keep (the last seat of a
table closes a ring with two neighbours already seated), swaps then mend: first the swap
that leaves fewest rules broken, then, among moves that break no more, those that bring
guests nearer their place in precedence or fill a seat left empty from further down.
"""

from __future__ import annotations

from collections.abc import Sequence

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.seating_layout import Layout, SeatRef
from liaison_desk.core.seating_rules import (
    Party,
    Plan,
    anchored,
    fault_pairs,
    honour_order,
    moved,
    talk,
)
from liaison_desk.core.wording import plural

_ROUNDS = 60  # rounds of each mending pass, at most: a bound on the time taken


def arrange(layout: Layout, party: Party) -> Plan:
    """Seat the whole party: by precedence, keeping the rules wherever some order can."""
    seats = len(layout.seats)
    if len(party.diners) > seats:
        raise ValidationError(
            f"The tables hold {plural(seats, 'seat')} for "
            f"{plural(len(party.diners), 'person', 'people')}: add a table or seats."
        )
    plan = anchored(layout, party)
    order = [s for s in honour_order(layout, party) if s not in plan]
    for principal, interpreter in party.interpreter_of.items():
        if principal in plan.values() and interpreter not in plan.values():
            _seat_interpreter(layout, party, plan, order, principal, interpreter)
    placed = set(plan.values())
    with_principal = set(party.interpreter_of.values())
    queue = [*party.guests, *(h for h in party.table_hosts if h not in placed)]
    queue += [
        d.id
        for d in party.diners
        if d.id not in placed and d.id not in queue and d.id not in with_principal
    ]
    spare = len(layout.seats) - len(party.diners)
    for seat in order:
        if seat in plan or not queue:
            continue
        fitting = next((c for c in queue if _fits(layout, party, plan, c, seat)), None)
        if fitting is None and spare:  # a seat no one takes without breaking a rule stays empty
            spare -= 1
            continue
        who = fitting or queue[0]
        queue.remove(who)
        plan[seat] = who
        aide = party.interpreter_of.get(who)
        if (
            aide
            and aide not in plan.values()
            and not _seat_interpreter(layout, party, plan, order, who, aide)
        ):
            queue.append(aide)
    for who in queue:  # interpreters who found no seat free beside their principal
        plan[next(s for s in order if s not in plan)] = who
    return _mended(layout, party, plan)


def _seat_interpreter(
    layout: Layout,
    party: Party,
    plan: Plan,
    order: Sequence[SeatRef],
    principal: str,
    interpreter: str,
) -> bool:
    """Put the interpreter beside their principal, in the humbler free seat that suits."""
    where = next(s for s, w in plan.items() if w == principal)
    free = [s for s in layout.neighbours(where) if s not in plan]
    if not free:
        return False
    rank = {s: n for n, s in enumerate(order)}
    free.sort(key=lambda s: (not _fits(layout, party, plan, interpreter, s), -rank.get(s, 0)))
    plan[free[0]] = interpreter
    return True


def _fits(layout: Layout, party: Party, plan: Plan, who: str, seat: SeatRef) -> bool:
    """Whether `who` breaks no rule with the people already seated beside `seat` (someone
    whose interpreter will sit beside them talks with anyone)."""
    for near in layout.neighbours(seat):
        other = plan.get(near)
        if other is None:
            continue
        if frozenset((who, other)) in party.apart:
            return False
        helped = who in party.interpreter_of or other in party.interpreter_of
        if not helped and not talk(party, who, other):
            return False
    return True


class _Scorer:
    """What a move changes, worked out from the seats it touches alone: the rules broken
    there, and how far from their places the people there sit (an empty seat weighs most,
    and the more the nearer it is to the head of the order)."""

    def __init__(self, layout: Layout, party: Party) -> None:
        self.layout = layout
        self.party = party
        fixed = set(anchored(layout, party))
        self.movable = [s for s in honour_order(layout, party) if s not in fixed]
        self.rank = {s: n for n, s in enumerate(self.movable)}
        self.index = {g: n for n, g in enumerate(party.guests)}
        self.weight = len(self.index) + 1  # a better guest's place counts for more

    def _place(self, seat: SeatRef, who: str | None) -> int:
        if who is None:
            return self.weight * (len(self.movable) - self.rank[seat])
        if who in self.index:
            return abs(self.rank[seat] - self.index[who]) * (self.weight - self.index[who])
        return 0

    def _near(self, plan: Plan, seats: tuple[SeatRef, SeatRef]) -> frozenset[SeatRef]:
        """The two seats, and those of their people's interpreters or principals."""
        party = self.party
        partners = {
            party.interpreter_of.get(w) or party.interprets.get(w)
            for w in (plan.get(s) for s in seats)
            if w in party.partners
        }
        return frozenset((*seats, *(s for s, w in plan.items() if w in partners)))

    def faults(self, plan: Plan, near: frozenset[SeatRef] | None = None) -> int:
        return sum(1 for _ in fault_pairs(self.layout, self.party, plan, near))

    def move(self, plan: Plan, seat: SeatRef, other: SeatRef) -> tuple[Plan, int, int]:
        """The plan with whoever sits at `seat` moved to `other` (a swap), and the change in
        rules broken and in distance from places."""
        who, there = plan[seat], plan.get(other)
        trial = moved(plan, who, other)
        near = self._near(plan, (seat, other))
        faults = self.faults(trial, near) - self.faults(plan, near)
        spread = (
            self._place(other, who)
            + self._place(seat, there)
            - self._place(seat, who)
            - self._place(other, there)
        )
        return trial, faults, spread


def _mended(layout: Layout, party: Party, plan: Plan) -> Plan:
    """Swap people out of broken rules, then nearer their places (anchors stay put)."""
    scorer = _Scorer(layout, party)
    movable, rank = scorer.movable, scorer.rank
    for _ in range(_ROUNDS):  # fewer rules broken
        troubled = {s for f in fault_pairs(layout, party, plan) for s in _seats(plan, f[1:])}
        trials = (
            scorer.move(plan, s, other)
            for s in sorted(troubled & set(rank))
            for other in movable
            if other != s
        )
        best = min(trials, key=lambda t: (t[1], t[2]), default=None)
        if best is None or best[1] >= 0:
            break
        plan = best[0]
    for _ in range(_ROUNDS):  # nearer their places, breaking no more rules
        plan, better = _closer(plan, scorer)
        if not better:
            break
    return plan


def _closer(plan: Plan, scorer: _Scorer) -> tuple[Plan, bool]:
    """One pass of the moves that bring guests nearer their places (or fill a seat left
    empty from further down) breaking no more rules; whether any was made."""
    movable, rank, index = scorer.movable, scorer.rank, scorer.index
    better = False
    for seat in movable:
        who = plan.get(seat)
        if who is None:  # someone from further down comes up
            sources = [s for s in movable[rank[seat] + 1 :] if s in plan]
            moves = ((source, seat) for source in sources)
        elif who in index and rank[seat] != index[who]:
            low, high = sorted((rank[seat], index[who]))
            moves = ((seat, other) for other in movable[low : high + 1] if other != seat)
        else:
            continue
        for start, end in moves:
            trial, faults, spread = scorer.move(plan, start, end)
            if faults < 0 or (faults == 0 and spread < 0):
                plan, better = trial, True
                break
    return plan, better


def _seats(plan: Plan, people: Sequence[str]) -> set[SeatRef]:
    return {s for s, w in plan.items() if w in people}
