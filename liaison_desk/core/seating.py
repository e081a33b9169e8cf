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
that leaves fewest rules broken, then, among swaps that break no more, those that bring
guests nearer their place in precedence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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

_ROUNDS = 60  # swaps tried in each mending pass, at most


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


def _mended(layout: Layout, party: Party, plan: Plan) -> Plan:
    """Swap people out of broken rules, then nearer their places (anchors stay put)."""
    fixed = set(anchored(layout, party))
    movable = [s for s in honour_order(layout, party) if s not in fixed]
    rank = {s: n for n, s in enumerate(movable)}
    index = {g: n for n, g in enumerate(party.guests)}

    weight = len(index) + 1  # a better guest's place counts for more; an empty seat most

    def cost(trial: Plan) -> tuple[int, int]:
        faults = sum(1 for _ in fault_pairs(layout, party, trial))
        spread = sum(
            abs(rank[s] - index[w]) * (weight - index[w]) for s, w in trial.items() if w in index
        )
        empty = sum(len(movable) - rank[s] for s in movable if s not in trial)
        return faults, spread + weight * empty

    current = cost(plan)
    for _ in range(_ROUNDS):  # fewer rules broken
        if not current[0]:
            break
        troubled = {s for f in fault_pairs(layout, party, plan) for s in _seats(plan, f[1:])}
        trials = (
            moved(plan, plan[s], other) for s in sorted(troubled - fixed) for other in movable
        )
        best = min(((cost(t), t) for t in trials), key=lambda c: c[0], default=None)
        if best is None or best[0] >= current:
            break
        current, plan = best
    for _ in range(_ROUNDS):  # guests nearer their places, breaking no more rules
        better = _closer(plan, movable, index, rank, current, cost)
        if better is None:
            break
        current, plan = better
    return plan


def _closer(
    plan: Plan,
    movable: Sequence[SeatRef],
    index: dict[str, int],
    rank: dict[SeatRef, int],
    current: tuple[int, int],
    cost: Callable[[Plan], tuple[int, int]],
) -> tuple[tuple[int, int], Plan] | None:
    """The first move that lowers the cost breaking no more rules, if any: a guest seated out
    of place toward their place, or someone from further down into a seat left empty."""
    for seat in movable:
        who = plan.get(seat)
        if who is None:
            people = [plan[s] for s in movable[rank[seat] + 1 :] if s in plan]
            trials = (moved(plan, p, seat) for p in people)
        elif who in index and rank[seat] != index[who]:
            low, high = sorted((rank[seat], index[who]))
            trials = (moved(plan, who, o) for o in movable[low : high + 1] if o != seat)
        else:
            continue
        for trial in trials:
            value = cost(trial)
            if value[0] <= current[0] and value < current:
                return value, trial
    return None


def _seats(plan: Plan, people: Sequence[str]) -> set[SeatRef]:
    return {s for s, w in plan.items() if w in people}
