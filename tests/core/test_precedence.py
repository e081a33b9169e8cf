"""Precedence: a meeting's participants in the order HQ's published rule gives, with reasons."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.precedence import (
    default_rule,
    meeting_host_country,
    meeting_precedence,
    precedence_order,
    rule_for,
)
from liaison_desk.core.ranks import rank_fields
from liaison_desk.core.records import Contact, Meeting, Participant, ProtocolRef
from liaison_desk.core.store import Store
from liaison_desk.core.vault import Vault

BRAZIL_RULE = {
    "offices": [
        {"office": "Minister of Defence", "match": ["ministro da defesa", "minister of defence"]},
        {"office": "Commander of the Navy", "match": ["comandante da marinha"]},
    ],
    "classes": [
        {"label": "host ministers", "side": "host", "offices": ["Minister of Defence"]},
        {"label": "heads of mission", "diplomatic": ["ambassador"]},
        {"label": "host service commanders", "side": "host", "offices": ["Commander of the Navy"]},
        {"label": "general and flag officers", "nato": ["OF-6", "OF-10"]},
        {"label": "senior officers", "nato": ["OF-3", "OF-5"]},
    ],
    "within": ["nato", "host-first", "accredited"],
}


def _rule_ref(rule: dict[str, object], country: str | None, title: str) -> ProtocolRef:
    body = f"# {title}\n\nHow guests are ordered.\n\n```rules\n{json.dumps(rule)}\n```\n"
    return ProtocolRef(title=title, body=body, country=country, category="order-of-precedence")


def _person(store: Store, name: str, country: str, rank: str | None = None, **more: str) -> str:
    fields = rank_fields(rank, country) if rank else {}
    return store.add(Contact(full_name=name, country=country, **fields, **more)).id  # type: ignore[arg-type]


def test_a_mixed_meeting_follows_the_host_country_s_published_rule(vault: Vault) -> None:
    store = vault.store
    store.add(_rule_ref(BRAZIL_RULE, "BR", "Brazil: order of precedence"))
    store.add(_rule_ref({"classes": [{"label": "all", "nato": ["OR-1", "OF-10"]}]}, None, "HQ"))
    people = {
        "A": _person(store, "Abreu", "BR", position="Ministro da Defesa"),
        "B": _person(
            store, "Bernard", "FR", diplomatic_rank="ambassador", accredited_on="2024-05-10"
        ),
        "C": _person(
            store, "Claassen", "DE", diplomatic_rank="ambassador", accredited_on="2023-01-15"
        ),
        "D": _person(
            store, "Dias", "BR", "Almirante de Esquadra", position="Comandante da Marinha"
        ),
        "E": _person(store, "Estienne", "FR", "Général de brigade", accredited_on="2025-03-01"),
        "F": _person(store, "Fuchs", "DE", "Konteradmiral", accredited_on="2025-06-01"),
        "G": _person(store, "Gomes", "BR", "General de Brigada"),
        "H": _person(store, "Hébert", "FR", "Capitaine de vaisseau", accredited_on="2024-09-01"),
        "I": _person(store, "Ilse Krämer", "DE", "Oberst", accredited_on="2024-02-01"),
        "J": _person(store, "Jourdan", "FR", "Lieutenant-colonel"),
        "K": _person(store, "Kessler", "FR", diplomatic_rank="first-secretary"),
    }
    meeting = store.add(Meeting(title="Navy day lunch", starts_at="2025-09-15T12:00:00Z"))
    for letter in "KJIHGFEDCBA":
        role = "host" if letter == "A" else "guest"
        store.add(Participant(meeting_id=meeting.id, contact_id=people[letter], role=role))

    assert meeting_host_country(store, meeting.id) == "BR"
    placed = meeting_precedence(store, meeting.id)
    by_id = {v: k for k, v in people.items()}
    # Worked out by hand from BRAZIL_RULE: the host minister; the ambassadors by date of
    # accreditation; the host navy commander; flag officers by grade (Gomes' Brazilian
    # General de Brigada is OF-7 and a host national, so before Fuchs, OF-7, then
    # Estienne, OF-6); senior officers by grade, then accreditation (Krämer before
    # Hébert, both OF-5); the first secretary, whom no class takes, last.
    assert "".join(by_id[p.contact_id] for p in placed) == "ACBDGFEIHJK"
    assert [p.place for p in placed] == list(range(1, 12))
    reasons = {by_id[p.contact_id]: p.reason for p in placed}
    assert reasons["E"] == "OF-6, accredited 2025-03-01 (general and flag officers)"
    assert reasons["A"] == "Minister of Defence, host nation (host ministers)"
    assert reasons["C"] == "Ambassador, accredited 2023-01-15 (heads of mission)"
    assert reasons["K"] == "First Secretary (no class of the rule)"


def test_an_accreditation_after_the_day_does_not_count(vault: Vault) -> None:
    store = vault.store
    store.add(_rule_ref(BRAZIL_RULE, "BR", "Brazil"))
    accredited = _person(store, "Zimmer", "DE", "Oberst", accredited_on="2025-06-01")
    not_yet = _person(store, "Arnaud", "FR", "Colonel", accredited_on="2025-08-01")
    placed = precedence_order(store, [not_yet, accredited], "BR", date(2025, 7, 1))
    assert [p.contact_id for p in placed] == [accredited, not_yet]
    assert placed[1].reason == "OF-5 (senior officers)"


def test_without_a_rule_for_the_host_country_the_default_applies(vault: Vault) -> None:
    store = vault.store
    store.add(_rule_ref(BRAZIL_RULE, "BR", "Brazil"))
    people = [
        _person(store, "Oberst Vogel", "DE", "Oberst", accredited_on="2024-01-10"),
        _person(store, "Counsellor Roux", "FR", diplomatic_rank="counsellor"),
        _person(store, "Air Cdre Hale", "GB", "Air Commodore", accredited_on="2025-03-01"),
        _person(store, "Amb. Miller", "US", diplomatic_rank="ambassador"),
        _person(store, "Minister Sato", "JP", position="Minister of Defense"),
    ]
    rule = rule_for(store, "JP", date(2026, 3, 1))
    assert rule.ref_id is None and rule.country is None and rule == default_rule()
    placed = precedence_order(store, people, "JP", date(2026, 3, 1))
    # By the default shipped in resources/protocol: host-nation office holders, heads of
    # mission, general and flag officers, diplomats, senior officers.
    assert [p.contact_id for p in placed] == people[::-1]
    assert placed[2].reason == "OF-6, accredited 2025-03-01 (general and flag officers)"


def test_hq_s_general_rule_replaces_the_shipped_default(vault: Vault) -> None:
    store = vault.store
    general = store.add(
        _rule_ref({"classes": [{"label": "any", "nato": ["OR-1", "OF-10"]}]}, None, "HQ")
    )
    assert rule_for(store, "JP", date(2026, 1, 1)).ref_id == general.id
    later = replace(_rule_ref(BRAZIL_RULE, None, "HQ v2"), effective_date="2030-01-01")
    store.add(later)
    assert rule_for(store, "JP", date(2026, 1, 1)).ref_id == general.id  # not yet in force
    assert rule_for(store, "JP", date(2030, 1, 1)).title == "HQ v2"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"classes": []}, "classes"),
        ({"classes": [{"label": "x"}]}, "selects no one"),
        ({"classes": [{"label": "x", "nato": ["OF-5"]}]}, "two codes"),
        ({"classes": [{"label": "x", "nato": ["OF-5", "XX-1"]}]}, "NATO rank code"),
        ({"classes": [{"label": "x", "diplomatic": ["pope"]}]}, "does not know"),
        ({"classes": [{"label": "x", "offices": ["Mayor"]}]}, "does not know"),
        ({"classes": [{"label": "x", "side": "left"}]}, "side"),
        ({"classes": [{"label": "x", "side": "host"}], "within": ["height"]}, "within"),
    ],
)
def test_a_rule_that_does_not_read_is_refused_when_saved(
    vault: Vault, rule: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        vault.store.add(_rule_ref(rule, "BR", "Broken"))
