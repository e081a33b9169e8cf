"""Precedence rules as HQ publishes them: the ```rules block of an order-of-precedence reference.

A rule sorts people into classes, in order (the first class a person fits is theirs),
and orders each class by criteria (`within`). The format, documented in
docs/precedence.md:

    {
      "offices": [{"office": "Minister of Defence", "match": ["minister of defence"]}],
      "classes": [
        {"label": "host-nation office holders", "side": "host", "offices": "*"},
        {"label": "heads of mission", "diplomatic": ["ambassador", "envoy"]},
        {"label": "general and flag officers", "nato": ["OF-6", "OF-10"]}
      ],
      "within": ["office", "diplomatic", "nato", "accredited", "host-first"]
    }

A class may select by `offices` (names from `offices`, or "*" for any), `diplomatic`
(ranks, or "*"), `nato` (the lowest and highest code, both included) and `side`
("host": nationals of the host country, or "guest"); it needs at least one. People
no class takes come last. A rule that does not read is refused when HQ saves the
reference (`check_rule`), so a station never meets one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.ranks import check_code, seniority
from liaison_desk.core.records import DIPLOMATIC_RANKS
from liaison_desk.core.structured_refs import rules_of
from liaison_desk.core.text_fold import fold

CATEGORY = "order-of-precedence"
CRITERIA = ("office", "diplomatic", "nato", "accredited", "host-first", "guests-first")
SIDES = ("host", "guest")
_SELECTORS = ("offices", "diplomatic", "nato", "side")


@dataclass(frozen=True)
class Office:
    """An office a rule names, found in a contact's position by any of its phrases."""

    name: str
    patterns: tuple[re.Pattern[str], ...]

    def held_by(self, position: str | None) -> bool:
        text = fold(position) if position else ""
        return any(p.search(text) for p in self.patterns)


@dataclass(frozen=True)
class RuleClass:
    """One class of a rule: who it takes (None: any) and how it is named in a reason."""

    label: str
    offices: frozenset[str] | None = None  # "*" is every office the rule names
    diplomatic: frozenset[str] | None = None
    nato: tuple[int, int] | None = None  # seniority range, both ends included
    side: str | None = None


@dataclass(frozen=True)
class PrecedenceRule:
    """A rule and where it came from: a reference in the vault or the built-in default."""

    title: str
    country: str | None  # None: the default for countries without their own
    ref_id: str | None  # None: the copy shipped in resources/protocol
    offices: tuple[Office, ...]
    classes: tuple[RuleClass, ...]
    within: tuple[str, ...]


def _names(value: Any, allowed: tuple[str, ...] | None, what: str) -> frozenset[str]:
    if value == "*":
        return frozenset(allowed or ("*",))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(f'A precedence class\'s {what} must be a list of names or "*".')
    unknown = [v for v in value if allowed is not None and v not in allowed]
    if unknown:
        raise ValidationError(
            f"A precedence class names {what} {', '.join(map(repr, unknown))}, which the rule "
            f"does not know (it knows: {', '.join(allowed or ())})."
        )
    return frozenset(value)


def _office(item: Any) -> Office:
    if not isinstance(item, dict) or not isinstance(item.get("office"), str):
        raise ValidationError('Each office of a precedence rule needs its "office" name.')
    phrases = item.get("match", [item["office"]])
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
        raise ValidationError(f'The office {item["office"]!r} needs a list of phrases to "match".')
    patterns = tuple(re.compile(rf"\b{re.escape(fold(p))}\b") for p in phrases)
    return Office(item["office"], patterns)


def _class(item: Any, offices: tuple[str, ...]) -> RuleClass:
    if not isinstance(item, dict) or not isinstance(item.get("label"), str):
        raise ValidationError('Each class of a precedence rule needs a "label".')
    if not any(key in item for key in _SELECTORS):
        raise ValidationError(
            f"The precedence class {item['label']!r} selects no one: give it "
            f"{', '.join(_SELECTORS)} (at least one)."
        )
    nato = None
    if "nato" in item:
        ends = item["nato"]
        if (
            not isinstance(ends, list)
            or len(ends) != 2
            or not all(isinstance(e, str) for e in ends)
        ):
            raise ValidationError('A precedence class\'s "nato" is two codes: ["OF-6", "OF-10"].')
        low, high = sorted(seniority(check_code(e)) for e in ends)
        nato = (low, high)
    side = item.get("side")
    if side is not None and side not in SIDES:
        raise ValidationError(f'A precedence class\'s "side" is "host" or "guest", not {side!r}.')
    return RuleClass(
        label=item["label"],
        offices=_names(item["offices"], offices, "offices") if "offices" in item else None,
        diplomatic=(
            _names(item["diplomatic"], DIPLOMATIC_RANKS, "diplomatic ranks")
            if "diplomatic" in item
            else None
        ),
        nato=nato,
        side=side,
    )


def parse_rule(
    rules: dict[str, Any], title: str, country: str | None, ref_id: str | None
) -> PrecedenceRule:
    """A rule from a reference's ```rules object; a ValidationError says what is wrong."""
    office_items = rules.get("offices", [])
    if not isinstance(office_items, list):
        raise ValidationError('A precedence rule\'s "offices" must be a list.')
    offices = tuple(_office(item) for item in office_items)
    class_items = rules.get("classes")
    if not isinstance(class_items, list) or not class_items:
        raise ValidationError('A precedence rule needs its "classes", in order.')
    names = tuple(o.name for o in offices)
    classes = tuple(_class(item, names) for item in class_items)
    within = rules.get("within", ["nato", "accredited"])
    if not isinstance(within, list) or any(c not in CRITERIA for c in within):
        raise ValidationError(
            f'A precedence rule\'s "within" lists criteria among: {", ".join(CRITERIA)}.'
        )
    return PrecedenceRule(title, country, ref_id, offices, classes, tuple(within))


def check_rule(ref_body: str, category: str | None) -> None:
    """Refuse an order-of-precedence reference whose rule does not read (at save)."""
    if category != CATEGORY:
        return
    rules = rules_of(ref_body)
    if rules is not None:
        parse_rule(rules, "", None, None)
