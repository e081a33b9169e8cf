"""Seating by precedence under the table's rules, with orders built by hand."""

from __future__ import annotations

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.seating import arrange
from liaison_desk.core.seating_layout import Layout, SeatRef, parse_tables
from liaison_desk.core.seating_rules import (
    APART,
    HOST,
    INTERPRETER,
    LANGUAGE,
    PRECEDENCE,
    Diner,
    Party,
    broken_rules,
    moved,
    new_breaks,
    spoken,
)

# 24 guests in precedence order, with what they speak.
GUESTS = (
    ("Gen. Okafor", "en:C2"),
    ("Adm. Ivanov", "ru:native"),  # speaks only Russian: his interpreter sits beside him
    ("Gen. Schmidt", "de:native en:C1"),
    ("Amb. Tanaka", "ja:native"),  # only Japanese: his interpreter too
    ("Gen. Dubois", "fr:native en:B2"),
    ("Col. Rossi", "it:native fr:C1 en:B1"),
    ("Col. García", "es:native"),
    ("Col. Nowak", "pl:native en:C1 de:B2"),
    ("Cdr. Silva", "pt:native es:C1 en:B2"),
    ("Col. Jensen", "da:native en:C2"),
    ("Cdr. Müller", "de:native fr:B2"),
    ("Col. Smith", "en:native"),
    ("Col. Kaya", "tr:native en:B2"),
    ("Lt Col. Popescu", "ro:native fr:C1"),
    ("Lt Col. Horvat", "hr:native en:B2 de:A2"),
    ("Capt. López", "es:native en:B1"),
    ("Maj. Novák", "cs:native de:B2 en:B1"),
    ("Maj. Papadopoulos", "el:native en:C1"),
    ("Maj. Berg", "sv:native en:C1"),
    ("Maj. Virtanen", "fi:native en:C1"),
    ("Maj. Dimitrov", "bg:native ru:C1 en:B1"),
    ("Capt. Moreau", "fr:native en:B1"),
    ("Capt. O'Brien", "en:native fr:A1"),
    ("Capt. Weber", "de:native en:B2"),
)


def party(apart: tuple[tuple[str, str], ...] = (("g3", "g11"),)) -> Party:
    diners = [
        Diner("host", "Amb. Laurent", spoken(["fr:native", "en:C1", "de:B1"]), HOST),
        Diner("cohost", "Col. Marchand", spoken(["fr:native", "en:C2", "es:B2"]), HOST),
    ]
    for n, (name, languages) in enumerate(GUESTS, 1):
        diners.append(Diner(f"g{n}", name, spoken(languages.split())))
    diners.append(Diner("i-ru", "Ms Orlova", spoken(["ru:native", "en:C2", "fr:C1"]), INTERPRETER))
    diners.append(Diner("i-ja", "Mr Sato", spoken(["ja:native", "en:C2"]), INTERPRETER))
    return Party(
        tuple(diners),
        host="host",
        cohost="cohost",
        apart=frozenset(frozenset(p) for p in apart),
        interprets={"i-ru": "g2", "i-ja": "g4"},
    )


def test_tables_are_read_as_typed() -> None:
    assert [str(t) for t in parse_tables("3x8")] == ["round:8"] * 3
    assert [str(t) for t in parse_tables("long:14, round:8")] == ["long:14", "round:8"]
    with pytest.raises(ValidationError, match="round:8"):
        parse_tables("oval:8")


def test_spoken_counts_conversation_levels_only() -> None:
    assert spoken(["fr:C1", "en:A2", "de", "ru:native", "pt-BR:B2"]) == {"fr", "de", "ru", "pt"}
    assert spoken(["French", "English: fluent"]) == frozenset()  # free text: not judged


def test_24_guests_at_three_round_tables_keep_every_rule() -> None:
    layout = Layout(parse_tables("3x10"), "centre")
    guests = party()

    plan = arrange(layout, guests)

    seat_of = {who: seat for seat, who in plan.items()}
    assert len(plan) == len(guests.diners) == 28
    assert seat_of["host"] == SeatRef(1, 1) and seat_of["cohost"] == SeatRef(1, 6)
    assert seat_of["g1"] == SeatRef(1, 2)  # the principal guest on the host's right
    assert seat_of["g2"] == SeatRef(1, 7)  # the second on the co-host's right
    kept = [b for b in broken_rules(layout, guests, plan) if b.rule != PRECEDENCE]
    assert kept == []
    for interpreter, principal in guests.interprets.items():
        assert seat_of[interpreter] in layout.neighbours(seat_of[principal])
    assert all(seat.table == 1 for who, seat in seat_of.items() if who in ("g1", "g2", "g3"))


def test_the_hosts_ends_of_a_long_table() -> None:
    layout = Layout(parse_tables("long:16,round:8,round:8"), "ends")
    plan = arrange(layout, party(apart=()))
    seat_of = {who: seat for seat, who in plan.items()}
    assert seat_of["host"] == SeatRef(1, 1)  # the head
    assert seat_of["cohost"] == SeatRef(1, 9)  # the foot
    assert seat_of["g1"] == SeatRef(1, 2)


def test_a_move_that_breaks_precedence_is_reported() -> None:
    layout = Layout(parse_tables("3x10"), "centre")
    guests = party()
    plan = arrange(layout, guests)
    before = broken_rules(layout, guests, plan)
    last = guests.guests[-1]
    seat_of_last = next(s for s, w in plan.items() if w == last)

    after = moved(plan, "g1", seat_of_last)

    found = new_breaks(before, broken_rules(layout, guests, after))
    assert [b.rule for b in found] == [PRECEDENCE, PRECEDENCE]
    assert {b.people[0] for b in found} == {"g1", last}
    texts = " ".join(b.text for b in found)
    assert "Gen. Okafor (precedence 3) sits below Capt. Weber (precedence 26)" in texts


def test_a_move_that_breaks_a_rule_is_reported() -> None:
    layout = Layout(parse_tables("3x10"), "centre")
    guests = party()
    plan = arrange(layout, guests)
    before = broken_rules(layout, guests, plan)
    seat_of = {who: seat for seat, who in plan.items()}
    beside_g3 = next(s for s in layout.neighbours(seat_of["g3"]) if plan[s] != "host")

    found = new_breaks(before, broken_rules(layout, guests, moved(plan, "g11", beside_g3)))

    rules = {b.rule for b in found}
    assert APART in rules
    apart = next(b for b in found if b.rule == APART)
    assert apart.text == "Gen. Schmidt and Cdr. Müller must not sit together."


def test_neighbours_without_a_language_are_reported() -> None:
    layout = Layout(parse_tables("1x4"), "centre")
    guests = Party(
        (
            Diner("a", "A", frozenset({"fr"}), HOST),
            Diner("b", "B", frozenset({"ja"})),
            Diner("c", "C", frozenset({"ja"})),
        ),
        host="a",
    )
    plan = {SeatRef(1, 1): "a", SeatRef(1, 2): "b", SeatRef(1, 3): "c"}
    assert [b.rule for b in broken_rules(layout, guests, plan)] == [LANGUAGE]


def test_too_many_people_for_the_tables_is_refused() -> None:
    with pytest.raises(ValidationError, match="hold 16 seats for 28 people"):
        arrange(Layout(parse_tables("2x8")), party())
