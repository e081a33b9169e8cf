"""Who goes first: the participants of a meeting, or any set of contacts, in order of precedence.

The order follows the rule HQ published for the host country (`core.precedence_rules`,
chosen by `rule_for`), and each place carries its reason in words an officer checks
at a glance ("OF-7, accredited 2025-03-01 (general and flag officers)"). The host
country of a meeting is the country its hosts share; without one, HQ's general rule
(or the default shipped with the application) applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from liaison_desk.core import relations
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.precedence_rules import (
    CATEGORY,
    Office,
    PrecedenceRule,
    RuleClass,
    parse_rule,
)
from liaison_desk.core.protocol_import import parse_markdown
from liaison_desk.core.ranks import nato_code_of, seniority
from liaison_desk.core.records import DIPLOMATIC_RANKS, Contact, Meeting, ProtocolRef
from liaison_desk.core.relations import Attendance
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.store import ListQuery, Store
from liaison_desk.core.structured_refs import rules_of
from liaison_desk.core.text_fold import fold

DEFAULT_FILE = "general-order-of-precedence.md"
DIPLOMATIC_TITLES = {
    "ambassador": "Ambassador",
    "envoy": "Envoy",
    "charge-d-affaires": "Chargé d'affaires",
    "charge-d-affaires-ai": "Chargé d'affaires a.i.",
    "minister": "Minister",
    "minister-counsellor": "Minister-Counsellor",
    "counsellor": "Counsellor",
    "first-secretary": "First Secretary",
    "second-secretary": "Second Secretary",
    "third-secretary": "Third Secretary",
    "attache": "Attaché",
}
OTHERS = "no class of the rule"


@dataclass(frozen=True)
class Placed:
    """One person's place (1 is first) and why they hold it."""

    contact_id: str
    place: int
    reason: str


@dataclass(frozen=True)
class _Standing:
    """What the rule reads of one contact, worked out once."""

    contact: Contact
    office: int | None  # index in the rule's offices of the first one held
    code: str | None
    accredited: str | None  # only a date on or before the day ordered
    host: bool

    def fits(self, rule: PrecedenceRule, cls: RuleClass) -> bool:
        if cls.offices is not None and not self._holds(rule.offices, cls.offices):
            return False
        if cls.diplomatic is not None and self.contact.diplomatic_rank not in cls.diplomatic:
            return False
        if cls.nato is not None and (
            self.code is None or not cls.nato[0] <= seniority(self.code) <= cls.nato[1]
        ):
            return False
        return cls.side is None or (cls.side == "host") == self.host

    def _holds(self, offices: tuple[Office, ...], names: frozenset[str]) -> bool:
        position = self.contact.position
        return any(o.name in names and o.held_by(position) for o in offices)

    def key(self, criterion: str, rule: PrecedenceRule) -> Any:
        if criterion == "office":
            return len(rule.offices) if self.office is None else self.office
        if criterion == "diplomatic":
            rank = self.contact.diplomatic_rank
            return DIPLOMATIC_RANKS.index(rank) if rank in DIPLOMATIC_RANKS else 99
        if criterion == "nato":
            return -seniority(self.code) if self.code else 0
        if criterion == "accredited":
            return (0, self.accredited) if self.accredited else (1, "")
        if criterion == "host-first":
            return 0 if self.host else 1
        return 1 if self.host else 0  # guests-first


def _standing(rule: PrecedenceRule, contact: Contact, host: str | None, on: date) -> _Standing:
    office = next((i for i, o in enumerate(rule.offices) if o.held_by(contact.position)), None)
    accredited = contact.accredited_on
    if accredited is not None and accredited > on.isoformat():
        accredited = None  # not yet accredited on the day
    is_host = host is not None and contact.country == host
    return _Standing(contact, office, nato_code_of(contact), accredited, is_host)


def _reason(rule: PrecedenceRule, s: _Standing, label: str) -> str:
    facts = []
    if s.office is not None:
        facts.append(rule.offices[s.office].name)
    if s.contact.diplomatic_rank:
        facts.append(DIPLOMATIC_TITLES.get(s.contact.diplomatic_rank, s.contact.diplomatic_rank))
    if s.code:
        facts.append(s.code)
    if s.accredited:
        facts.append(f"accredited {s.accredited}")
    if s.host and {"host-first", "guests-first"} & set(rule.within):
        facts.append("host nation")
    return f"{', '.join(facts)} ({label})" if facts else label


def order_by_rule(
    rule: PrecedenceRule, contacts: Sequence[Contact], host_country: str | None, on: date
) -> list[Placed]:
    """`contacts` in the order `rule` gives them, each with its reason.

    Ties the rule leaves are broken by name, then id, so an order never changes
    from one reading to the next.
    """
    host = host_country.upper() if host_country else None
    ranked = []
    for contact in contacts:
        s = _standing(rule, contact, host, on)
        index = next((i for i, c in enumerate(rule.classes) if s.fits(rule, c)), None)
        label = OTHERS if index is None else rule.classes[index].label
        criteria = tuple(s.key(c, rule) for c in rule.within)
        sort_key = (len(rule.classes) if index is None else index, criteria)
        ranked.append((sort_key, fold(contact.full_name), contact.id, _reason(rule, s, label)))
    ranked.sort()
    return [Placed(cid, n, reason) for n, (_, _, cid, reason) in enumerate(ranked, start=1)]


def precedence_order(
    store: Store, contact_ids: Sequence[str], host_country: str | None, on: date
) -> list[Placed]:
    """The contacts in order of precedence in `host_country` on `on`, by HQ's rule."""
    rule = rule_for(store, host_country, on)
    contacts = [store.get(Contact, cid) for cid in dict.fromkeys(contact_ids)]
    return order_by_rule(rule, contacts, host_country, on)


def meeting_host_country(store: Store, meeting_id: str) -> str | None:
    """The country a meeting's hosts share (participants in the role "host"), if one."""
    return _hosts_country(relations.participants(store, meeting_id))


def _hosts_country(people: Sequence[Attendance]) -> str | None:
    countries = {a.contact.country for a in people if a.participant.role == "host"}
    return countries.pop() if len(countries) == 1 else None


def meeting_day(store: Store, meeting_id: str) -> date:
    """The day a meeting's order is worked out for: the day it starts (UTC)."""
    return date.fromisoformat(store.get(Meeting, meeting_id).starts_at[:10])


def meeting_precedence(
    store: Store, meeting_id: str, host_country: str | None = None
) -> list[Placed]:
    """A meeting's participants in order of precedence, by the rule of `host_country`
    (by default the country its hosts share; HQ's general rule when they share none)."""
    people = relations.participants(store, meeting_id)
    host = host_country or _hosts_country(people)
    day = meeting_day(store, meeting_id)
    return order_by_rule(rule_for(store, host, day), [a.contact for a in people], host, day)


def _in_force(ref: ProtocolRef, on: date) -> bool:
    return ref.effective_date is None or ref.effective_date <= on.isoformat()


def rule_for(store: Store, host_country: str | None, on: date) -> PrecedenceRule:
    """The rule that orders people in `host_country` on `on`.

    The host country's own rule, else HQ's general one (a reference without a country),
    else the default shipped with the application; among several in force, the one
    that took effect last.
    """
    query = ListQuery(where={"category": CATEGORY}, limit=10_000)
    refs = [r for r in store.list(ProtocolRef, query) if _in_force(r, on)]
    wanted = host_country.upper() if host_country else None
    for country in dict.fromkeys((wanted, None)) if wanted else (None,):
        held = [r for r in refs if r.country == country]
        held.sort(key=lambda r: (r.effective_date or "", r.version or "", r.id), reverse=True)
        for ref in held:
            rules = rules_of(ref.body)
            if rules is not None:
                return parse_rule(rules, ref.title, ref.country, ref.id)
    return default_rule()


def default_rule() -> PrecedenceRule:
    """The general rule shipped in resources/protocol, for a vault HQ has not given one."""
    path = resource_dir() / "protocol" / DEFAULT_FILE
    ref = parse_markdown(path.name, path.read_text(encoding="utf-8"))
    rules = rules_of(ref.body)
    if rules is None:
        raise ValidationError(f"resources/protocol/{DEFAULT_FILE} lost its ```rules block.")
    return parse_rule(rules, ref.title, None, None)
