"""Who dines and the rules of the table: which rules a seating plan breaks, in sentences.

The rules:

- neighbours share a language (by its code, spoken at B1 or better or with no level given;
  someone whose languages are not recorded as codes is not judged), unless one of them has
  their interpreter beside them;
- two people named as apart never sit side by side;
- an interpreter sits beside their principal;
- everyone has a seat;
- precedence: no guest sits above (in a seat of more honour, `core.seating_layout`) a guest
  who precedes them. The host's side and the interpreters are not judged by it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from liaison_desk.core.seating_layout import Layout, SeatRef
from liaison_desk.core.wording import plural

HOST, GUEST, INTERPRETER = "host", "guest", "interpreter"
PRECEDENCE, LANGUAGE, APART, INTERPRETING, UNSEATED = (
    "precedence",
    "language",
    "apart",
    "interpreter",
    "unseated",
)
_TOO_WEAK = frozenset({"A1", "A2"})
_CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")

Plan = dict[SeatRef, str]


def spoken(languages: Iterable[str]) -> frozenset[str]:
    """The languages someone can hold a dinner conversation in, by code: "fr:C1" -> "fr"; a
    level of A1 or A2 does not count. Free text kept from before the codes ("French") is not
    read: it cannot be matched with a code, so it is left out rather than guessed at (someone
    with nothing but free text is not judged)."""
    out = set()
    for value in languages:
        code, _, level = value.partition(":")
        code = code.strip().lower()
        if _CODE.match(code) and level.strip().upper() not in _TOO_WEAK:
            out.add(code.split("-")[0])
    return frozenset(out)


@dataclass(frozen=True)
class Diner:
    id: str
    name: str
    languages: frozenset[str] = frozenset()
    side: str = GUEST  # HOST, GUEST or INTERPRETER


@dataclass(frozen=True)
class Party:
    """Who dines, in precedence order (best first), and the rules they are seated by."""

    diners: tuple[Diner, ...]
    host: str | None = None
    cohost: str | None = None
    apart: frozenset[frozenset[str]] = frozenset()
    interprets: Mapping[str, str] = field(default_factory=dict)  # interpreter -> principal

    @cached_property
    def by_id(self) -> dict[str, Diner]:
        return {d.id: d for d in self.diners}

    @cached_property
    def place(self) -> dict[str, int]:
        """Each diner's place in precedence, from 1."""
        return {d.id: n for n, d in enumerate(self.diners, 1)}

    @cached_property
    def interpreter_of(self) -> dict[str, str]:
        """principal -> interpreter, for the pairs where both dine."""
        return {p: i for i, p in self.interprets.items() if i in self.by_id and p in self.by_id}

    @cached_property
    def partners(self) -> frozenset[str]:
        """Everyone in an interpreter's pair, either side."""
        return frozenset(self.interpreter_of) | frozenset(self.interpreter_of.values())

    @cached_property
    def table_hosts(self) -> tuple[str, ...]:
        """The host's side beyond host and co-host, in precedence order."""
        anchors = {self.host, self.cohost}
        return tuple(d.id for d in self.diners if d.side == HOST and d.id not in anchors)

    @cached_property
    def guests(self) -> tuple[str, ...]:
        """The guests in precedence order: the people precedence is judged for."""
        anchors = {self.host, self.cohost}
        return tuple(d.id for d in self.diners if d.side == GUEST and d.id not in anchors)

    def name(self, who: str) -> str:
        diner = self.by_id.get(who)
        return diner.name if diner else who


@dataclass(frozen=True)
class Broken:
    """A rule a plan breaks: which, who (the one it is about first), and a sentence."""

    rule: str
    people: tuple[str, ...]
    text: str

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        """What makes two reports the same break, however the sentence's counts change."""
        return (self.rule, self.people[:1] if self.rule == PRECEDENCE else self.people)


def anchored(layout: Layout, party: Party) -> Plan:
    """The host at the head of table 1, the co-host facing, the other hosts heading tables."""
    plan: Plan = {}
    head, facing = layout.anchors(1)
    if party.host:
        plan[head] = party.host
    if party.cohost:
        plan[facing if party.host else head] = party.cohost
    for table, who in zip(range(2, len(layout.tables) + 1), party.table_hosts, strict=False):
        plan[layout.anchors(table)[0]] = who
    return plan


def honour_order(layout: Layout, party: Party) -> tuple[SeatRef, ...]:
    """Every seat, best first: table 1's, then table 2's..."""
    paired = bool(party.host and party.cohost)
    return tuple(
        s for t in range(1, len(layout.tables) + 1) for s in layout.honour(t, paired and t == 1)
    )


def talk(party: Party, a: str, b: str) -> bool:
    """Whether two people can talk: a shared language, or one of them is not known."""
    if party.interprets.get(a) == b or party.interprets.get(b) == a:
        return True
    first, second = party.by_id[a].languages, party.by_id[b].languages
    return not first or not second or bool(first & second)


def fault_pairs(
    layout: Layout, party: Party, plan: Plan, near: frozenset[SeatRef] | None = None
) -> Iterator[tuple[str, str, str]]:
    """(rule, who, whom) for each break of a rule other than precedence; with `near`, only
    the breaks that involve someone in those seats (what a swap between them can change),
    cheap enough to be counted for every swap the arrangement tries."""
    partners = party.partners
    where = {who: seat for seat, who in plan.items() if who in partners}

    def helped(who: str) -> bool:
        interpreter = party.interpreter_of.get(who)
        return interpreter in where and where[interpreter] in layout.neighbours(where[who])

    seats = sorted(near if near is not None else plan)
    for seat in seats:
        a = plan.get(seat)
        if a is None:
            continue
        for beside in layout.neighbours(seat):
            b = plan.get(beside)
            if b is None or (beside < seat and (near is None or beside in near)):
                continue  # counted from the other seat
            if frozenset((a, b)) in party.apart:
                yield APART, a, b
            if not talk(party, a, b) and not helped(a) and not helped(b):
                yield LANGUAGE, a, b
    for interpreter, principal in party.interpreter_of.items():
        placed = where.get(interpreter), where.get(principal)
        if near is not None and not (placed[0] in near or placed[1] in near):
            continue
        if placed[0] and placed[1] and placed[0] not in layout.neighbours(placed[1]):
            yield INTERPRETING, interpreter, principal
    if near is None and len(plan) < len(party.diners):
        seated = set(plan.values())
        for diner in party.diners:
            if diner.id not in seated:
                yield UNSEATED, diner.id, diner.id


def _sentence(party: Party, rule: str, a: str, b: str) -> Broken:
    if rule == INTERPRETING:
        return Broken(
            rule,
            (a, b),
            f"{party.name(a)} interprets for {party.name(b)} but does not sit beside them.",
        )
    if rule == UNSEATED:
        return Broken(rule, (a,), f"{party.name(a)} has no seat.")
    pair = (a, b) if party.place[a] <= party.place[b] else (b, a)
    names = f"{party.name(pair[0])} and {party.name(pair[1])}"
    if rule == APART:
        return Broken(rule, pair, f"{names} must not sit together.")
    return Broken(rule, pair, f"{names} sit side by side with no language in common.")


def _precedence(layout: Layout, party: Party, plan: Plan) -> list[Broken]:
    """The guests out of their place in precedence: whoever is in most of the inversions
    (a guest seated above someone who precedes them) first, until every one is told."""
    rank = {s: n for n, s in enumerate(honour_order(layout, party))}
    where = {who: seat for seat, who in plan.items()}
    guests = [g for g in party.guests if g in where]
    pairs = {
        (a, b)  # a precedes b, b sits above a
        for n, a in enumerate(guests)
        for b in guests[n + 1 :]
        if rank[where[b]] < rank[where[a]]
    }
    out = []
    while pairs:
        count: dict[str, int] = {}
        for a, b in pairs:
            count[a] = count.get(a, 0) + 1
            count[b] = count.get(b, 0) + 1
        subject = max(guests, key=lambda g: (count.get(g, 0), -party.place[g]))
        below = sorted((b for a, b in pairs if a == subject), key=party.place.__getitem__)
        above = sorted((a for a, b in pairs if b == subject), key=party.place.__getitem__)
        if len(above) >= len(below):
            others, word, verb = above, "precede", "above"
        else:
            others, word, verb = below[::-1], "follow", "below"
        first, more = others[0], len(others) - 1
        tail = f" and {plural(more, 'other')} who {word} them" if more else ""
        out.append(
            Broken(
                PRECEDENCE,
                (subject, *others),
                f"{party.name(subject)} (precedence {party.place[subject]}) sits {verb} "
                f"{party.name(first)} (precedence {party.place[first]}){tail}.",
            )
        )
        pairs = {p for p in pairs if subject not in p}
    return out


def broken_rules(layout: Layout, party: Party, plan: Plan) -> list[Broken]:
    """Every rule the plan breaks: the table's rules first, then precedence."""
    faults = [_sentence(party, *f) for f in fault_pairs(layout, party, plan)]
    return [*faults, *_precedence(layout, party, plan)]


def new_breaks(before: Sequence[Broken], after: Sequence[Broken]) -> list[Broken]:
    """The breaks in `after` that `before` did not have (what a move broke)."""
    known = {b.key for b in before}
    return [b for b in after if b.key not in known]


def moved(plan: Plan, who: str, to: SeatRef) -> Plan:
    """The plan with `who` in seat `to`; whoever sat there takes `who`'s seat."""
    out = dict(plan)
    start = next((s for s, w in plan.items() if w == who), None)
    if start == to:
        return out
    there = out.pop(to, None)
    if start is not None:
        del out[start]
        if there is not None:
            out[start] = there
    out[to] = who
    return out
