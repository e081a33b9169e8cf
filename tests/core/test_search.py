"""Search finds records by any word, ranks them, and never chokes on what is typed."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization, ProtocolRef
from liaison_desk.core.search import Snippet, build_match, grouped, search
from liaison_desk.core.text_fold import fold
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.people import add_person


def fill(vault: Vault) -> Vault:
    s = vault.store
    org = s.add(Organization(name="Ministère des Armées", country="FR", notes="Balard campus"))
    add_person(
        s,
        "Hélène Girard",
        rank="Colonel",
        org_id=org.id,
        notes="Former naval attaché in Tokyo",
        emails=("h.girard@example.fr",),
    )
    s.add(
        Contact(
            full_name="Ambrose Kamau", notes="Met at the ambassador's reception", marking="SECRET"
        )
    )
    s.add(
        Meeting(
            title="Staff talks",
            starts_at="2026-03-14T10:00Z",
            notes="Discussed the order of precedence for the national day",
        )
    )
    s.add(FollowUp(action="Send amphibious exercise dates", due_date="2026-04-01"))
    s.add(
        ProtocolRef(
            title="Order of precedence",
            body="Ambassadors precede attachés.",
            category="order-of-precedence",
        )
    )
    return vault


@pytest.fixture
def filled(vault: Vault) -> Vault:
    """Filled for a test that edits it."""
    return fill(vault)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """Filled once, for the tests that only search (most of them)."""
    folder = tmp_path_factory.mktemp("search") / "vault"
    vault, _ = Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF, clock=StepClock())
    yield fill(vault)
    vault.lock()


def kinds(hits: list) -> list[str]:  # type: ignore[type-arg]
    return [h.kind for h in hits]


def test_words_in_any_field_of_any_kind(library: Vault) -> None:
    assert kinds(search(library.store, "Balard")) == ["organization"]
    assert kinds(search(library.store, "tokyo")) == ["contact"]
    assert kinds(search(library.store, "h.girard@example.fr")) == ["contact"]
    assert kinds(search(library.store, "amphibious")) == ["followup"]


def test_accents_do_not_matter(library: Vault) -> None:
    assert kinds(search(library.store, "helene")) == ["contact"]
    assert kinds(search(library.store, "ministere armees")) == ["organization"]


def test_the_word_being_typed_is_a_prefix(library: Vault) -> None:
    assert kinds(search(library.store, "Hel")) == ["contact"]
    assert kinds(search(library.store, "hél")) == ["contact"]
    assert kinds(search(library.store, "HELE")) == ["contact"]
    assert kinds(search(library.store, "Minist")) == ["organization"]
    assert kinds(search(library.store, "naval att")) == ["contact"]  # attaché, from "att"
    assert kinds(search(library.store, "amph")) == ["followup"]
    assert kinds(search(library.store, "hel ")) == []  # a space: "hel" is a finished word
    assert kinds(search(library.store, "att naval")) == []  # only the last word is a prefix


def test_accents_and_case_fold_both_ways(vault: Vault) -> None:
    plain = vault.store.add(Contact(full_name="Helene Martin"))
    accented = vault.store.add(Contact(full_name="Hélène Girard"))
    both = {plain.id, accented.id}
    for typed in ("hel", "HÉL", "helene", "Hélène", "HÉLÈNE", "hèlene"):
        assert {h.id for h in search(vault.store, typed)} == both, typed


def test_fold_agrees_with_the_index(vault: Vault) -> None:
    """A word folded in Python is the word the index holds, so list filters and search agree."""
    words = "Hélène Øresund Łódź Straße İstanbul Dvořák Nguyễn Ελένη ÇAĞRI Йошкар Ångström"
    vault.store.add(Contact(full_name=words))
    for word in words.split():
        assert kinds(search(vault.store, fold(word) + " ")) == ["contact"], word
    assert fold("Hélène ÇAĞRI") == "helene cagri"
    assert fold("Ελένη") == "ελένη"  # the tokenizer keeps Greek accents, so does fold
    decomposed = unicodedata.normalize("NFD", "Hélène")
    assert fold(decomposed) == "helene"  # accents apart from their letters go too
    vault.store.add(Contact(full_name=decomposed + " Martin"))
    assert len(search(vault.store, "helene mar")) == 1


def test_prefix_and_phrase(library: Vault) -> None:
    assert set(kinds(search(library.store, "amb*"))) == {"contact", "protocol"}
    assert kinds(search(library.store, "amph*")) == ["followup"]
    hits = search(library.store, '"order of precedence"')
    assert set(kinds(hits)) == {"meeting", "protocol"}
    assert kinds(search(library.store, '"precedence order"')) == []


def test_title_match_ranks_first_and_snippet_highlights(library: Vault) -> None:
    hits = search(library.store, "precedence")
    assert hits[0].kind == "protocol"  # in the title, not only in the notes
    assert "[precedence]" in hits[0].snippet.marked("[", "]").lower()
    assert hits[0].title == "Order of precedence"


def test_hits_carry_a_date_and_marked_spans(library: Vault) -> None:
    [meeting] = search(library.store, "staff talks")
    assert meeting.date == "2026-03-14T10:00:00Z"  # a meeting's start
    [followup] = search(library.store, "amphibious")
    assert followup.date == "2026-04-01"  # a follow-up's due date
    [contact] = search(library.store, "tokyo")
    assert contact.date is not None and contact.date.startswith("20")  # last changed
    text, marks = contact.snippet.text, contact.snippet.marks
    assert [text[a:b] for a, b in marks] == ["Tokyo"]
    assert "\x02" not in text and "\x03" not in text
    [hit] = search(library.store, "hél")
    assert [hit.title[a:b] for a, b in hit.title_marks] == ["Hélène"]
    assert hit.snippet.text.startswith("Colonel")  # the rest of the record, not the title again
    [hit] = search(library.store, "hélène tokyo")
    assert [hit.title[a:b] for a, b in hit.title_marks] == ["Hélène"]
    assert [hit.snippet.text[a:b] for a, b in hit.snippet.marks] == ["Tokyo"]


def test_snippet_spans_are_not_markup() -> None:
    snippet = Snippet.parse("a <b>\x02Tok\x03yo \x02x\x03")
    assert snippet.text == "a <b>Tokyo x"
    assert snippet.marks == ((5, 8), (11, 12))
    assert snippet.marked("[", "]") == "a <b>[Tok]yo [x]"
    assert Snippet.parse("\x03stray\x02").marks == ()
    spaced = Snippet.parse("   \x02Naval\x03 \n\n attaché  ")
    assert spaced.text == "Naval attaché"
    assert spaced.marks == ((0, 5),)


def test_ranked_best_first_and_grouped_by_kind(vault: Vault) -> None:
    s = vault.store
    s.add(Meeting(title="Coastal brief", starts_at="2026-03-14T10:00Z", notes="the patrol"))
    s.add(Contact(full_name="Tom Harbour", notes="once spoke about a patrol, at length"))
    s.add(Contact(full_name="Ines Patrol"))
    s.add(FollowUp(action="Send the rota", notes="for the patrol"))
    hits = search(s, "patrol")
    ranks = [h.rank for h in hits]
    assert ranks == sorted(ranks)  # bm25: lower is better
    assert hits[0].title == "Ines Patrol"  # the word in the title weighs most
    groups = grouped(hits)
    assert groups[0].kind == "contact"  # the kind of the best hit comes first
    assert [h.title for h in groups[0].hits] == ["Ines Patrol", "Tom Harbour"]
    assert sorted(g.kind for g in groups) == ["contact", "followup", "meeting"]
    firsts = [hits.index(g.hits[0]) for g in groups]
    assert firsts == sorted(firsts)  # groups in the order of their best hits


def test_filters_by_marking_and_kind(library: Vault) -> None:
    assert kinds(search(library.store, "ambassador*", markings=("UNCLASSIFIED",))) == ["protocol"]
    assert kinds(search(library.store, "amb*", kinds=("protocol",))) == ["protocol"]


def test_index_follows_edits_and_deletes(filled: Vault) -> None:
    [hit] = search(filled.store, "tokyo")
    filled.store.update(Contact, hit.id, {"notes": "Now posted to Nairobi"})
    assert search(filled.store, "tokyo") == []
    assert [h.id for h in search(filled.store, "nairobi")] == [hit.id]
    filled.store.delete(Contact, hit.id)
    assert search(filled.store, "nairobi") == []


@pytest.mark.parametrize(
    ("junk", "found"),
    [
        ('"unbalanced', []),
        ('"tokyo', ["contact"]),  # a stray quote is dropped, the word stays
        ("a(b", []),
        ("tokyo(", ["contact"]),
        ("***", []),
        ("tokyo ***", ["contact"]),
        ("AND OR NOT", []),
        ("tokyo OR balard", []),  # OR is a word to find, not an operator (which would find both)
        ("tokyo NOT balard", []),  # NOT too (which would find the contact)
        ("NEAR(", []),
        ("NEAR(tokyo balard)", []),
        ("-", []),
        ("-balard", ["organization"]),  # not "without balard"
        ("col:value", []),
        ("summary:tokyo", []),  # not a column filter: the words "summary tokyo" in a row
        ("^start", []),
        ("^tokyo", ["contact"]),
        ("'", []),
        ("tokyo '", ["contact"]),
        ('""', []),
        ('tokyo ""', ["contact"]),
        ("", []),
        ("hel*)", ["contact"]),
        ('"hel', ["contact"]),
        ('hel"', ["contact"]),
        ("hel NEAR", []),
        ("NEAR(hel", []),
        ("-hel", ["contact"]),  # not "without hel"
        ("tokyo -", ["contact"]),
        ("   ", []),
        ("O'Brien", []),
        ("attaché in Tokyo", ["contact"]),
        ("al-Sabah", []),
        ("Ambassadors-precede", ["protocol"]),  # a hyphen joins words into a phrase
        ("100%", []),
        ("{x}", []),
        ("{tokyo}", ["contact"]),
        ("a + b", []),
        ("naval + tokyo", ["contact"]),
    ],
)
def test_invalid_fts_syntax_is_plain_words(library: Vault, junk: str, found: list[str]) -> None:
    assert kinds(search(library.store, junk)) == found


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=30))
def test_any_input_is_safe(library: Vault, text: str) -> None:
    hits = search(library.store, text)
    match = build_match(text)
    assert match is None or match.strip()
    if match is None:
        assert hits == []  # nothing searchable finds nothing
    assert len({h.id for h in hits}) == len(hits) <= 20
    # What was typed only narrows: the same words after a word that is found find no more.
    with_tokyo = search(library.store, f"tokyo {text}")
    assert {h.id for h in with_tokyo} <= {h.id for h in search(library.store, "tokyo")}


def test_rows_written_outside_the_store_are_indexed_by_triggers(vault: Vault) -> None:
    """Writers other than add_many (a future sync merge, say) rely on the triggers alone."""
    vault.conn.execute(
        "INSERT INTO contacts (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "full_name, notes, tags) VALUES ('c-1', 'x', 'x', 'h', 'o', '{}', 'UNCLASSIFIED', "
        "'Written Directly', 'quartermaster', '[\"logistics\"]')"
    )
    [hit] = search(vault.store, "quartermaster")
    assert (hit.id, hit.title) == ("c-1", "Written Directly")
    assert kinds(search(vault.store, "logistics")) == ["contact"]
    assert "[" not in search(vault.store, "quartermaster")[0].snippet.text  # no JSON brackets


def test_nested_bulk_writes_index_every_row_once(vault: Vault) -> None:
    with vault.store.transaction():
        vault.store.add_many([Contact(full_name=f"Sailor {i}") for i in range(3)])
        vault.store.add(Meeting(title="Sailors' lunch", starts_at="2026-03-14T12:00Z"))
        vault.store.add_many([Contact(full_name=f"Sailor {i}") for i in range(3, 5)])
    assert len(search(vault.store, "sailor*", limit=50)) == 6
    rows = vault.conn.execute("SELECT count(*) FROM search").fetchone()[0]
    assert rows == 6


def test_over_budget_ranking_falls_back_to_newest_matches(vault: Vault) -> None:
    vault.store.add_many(Contact(full_name=f"Officer {i}", notes="logistics") for i in range(300))
    ranked = search(vault.store, "logistics", limit=5)
    assert len(ranked) == 5
    hurried = search(vault.store, "logistics", limit=5, budget_ms=0)
    assert [h.title for h in hurried] == [f"Officer {i}" for i in range(299, 294, -1)]
    assert search(vault.store, "logistics", limit=5, budget_ms=10_000) == ranked
    assert all(h.snippet.marks for h in hurried)
