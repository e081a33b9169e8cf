"""The protocol library (add, list, show, import) and search over everything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.cli.runner import PROTOCOL_DIR, Desk, init_vault, one_sentence

SAMPLE_FILES = 9


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A vault holding the sample protocol library."""
    desk = init_vault(tmp_path_factory.mktemp("library") / "vault")[0]
    desk.ok("protocol", "import", PROTOCOL_DIR)
    return desk


@pytest.fixture(scope="module")
def ambassador(library: Desk) -> str:
    return library.new_id(
        "contact",
        "add",
        "--name",
        "Hélène Girard",
        "--rank",
        "Ambassador",
        "--notes",
        "quokka zebra parade",
    )


# -- protocol ----------------------------------------------------------------------------------


def test_import_of_the_sample_library(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]

    first = desk.ok("protocol", "import", PROTOCOL_DIR)

    assert len(list(PROTOCOL_DIR.glob("*.md"))) == SAMPLE_FILES
    assert first.out.strip() == f"{SAMPLE_FILES} added, 0 updated, 0 unchanged."
    refs = desk.json("protocol", "list")
    assert len(refs) == SAMPLE_FILES
    assert {r["country"] for r in refs} == {None, "BR", "FR", "JP"}

    second = desk.ok("protocol", "import", PROTOCOL_DIR)

    assert second.out.strip() == f"0 added, 0 updated, {SAMPLE_FILES} unchanged."
    assert len(desk.json("protocol", "list")) == SAMPLE_FILES
    imports = [e for e in desk.json("audit") if e["event"] == "import"]
    assert [e["detail"]["added"] for e in imports] == [0, SAMPLE_FILES]


def test_import_with_a_malformed_front_matter_adds_nothing(library: Desk, tmp_path: Path) -> None:
    before = library.ok("protocol", "list", "--json", "--limit", "1000").out
    folder = tmp_path / "library"
    shutil.copytree(PROTOCOL_DIR, folder)
    (folder / "aa-new.md").write_text("# A new entry\n\nWould be added.\n", encoding="utf-8")
    (folder / "zz-broken.md").write_text(
        "---\ntitle: Broken entry\nthis line has no colon\n---\n\n# Broken entry\n\nText.\n",
        encoding="utf-8",
    )

    result = library("protocol", "import", folder)

    assert result.code == 1
    sentence = one_sentence(result.err)
    assert "zz-broken.md" in sentence
    assert "line 3" in sentence
    assert library.ok("protocol", "list", "--json", "--limit", "1000").out == before


def test_import_of_a_folder_without_markdown(library: Desk, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not markdown", encoding="utf-8")

    result = library("protocol", "import", tmp_path)

    assert result.code == 1
    assert "no .md files" in one_sentence(result.err)


def test_protocol_add_show_and_list(library: Desk, tmp_path: Path) -> None:
    inline = library.new_id(
        "protocol",
        "add",
        "--title",
        "Gifts at the Élysée",
        "--country",
        "fr",
        "--category",
        "gifts-hospitality",
        "--body",
        "Nothing above 50 EUR.",
    )
    body_file = tmp_path / "toasts.md"
    body_file.write_text("# Toasts\n\nThe host proposes the first toast.\n", encoding="utf-8")
    from_file = library.new_id(
        "protocol",
        "add",
        "--title",
        "Toasts in Tokyo",
        "--country",
        "JP",
        "--category",
        "ceremonies",
        "--body-file",
        body_file,
    )

    shown = library.json("protocol", "show", inline)
    assert shown["title"] == "Gifts at the Élysée"
    assert shown["country"] == "FR"
    assert shown["category"] == "gifts-hospitality"
    assert shown["body"] == "Nothing above 50 EUR."
    assert "The host proposes the first toast." in library.ok("protocol", "show", from_file).out

    japanese = library.ids("protocol", "list", "--country", "jp")
    assert from_file in japanese
    assert inline not in japanese
    table = library.ok("protocol", "list", "--category", "gifts-hospitality").out
    assert "Gifts at the Élysée" in table
    assert "Toasts in Tokyo" not in table


@pytest.mark.parametrize("give", ["both", "neither"])
def test_protocol_add_needs_exactly_one_body(library: Desk, tmp_path: Path, give: str) -> None:
    body_file = tmp_path / "body.md"
    body_file.write_text("Text from a file.", encoding="utf-8")
    body = ["--body", "Inline text.", "--body-file", str(body_file)] if give == "both" else []

    result = library(
        "protocol", "add", "--title", f"Rejected ({give})", "--category", "ceremonies", *body
    )

    assert result.code == 1
    assert result.out == ""
    sentence = one_sentence(result.err)
    assert "--body" in sentence
    assert "--body-file" in sentence


def test_protocol_add_refuses_an_unknown_category(library: Desk) -> None:
    result = library("protocol", "add", "--title", "X", "--category", "etiquette", "--body", "Y")

    assert result.code == 1
    assert "forms-of-address" in one_sentence(result.err)


# -- search ------------------------------------------------------------------------------------


def test_search_json_shape_and_prefix(library: Desk, ambassador: str) -> None:
    hits = library.json("search", "amb*")

    assert hits
    for hit in hits:
        assert {"type", "id", "title", "snippet"} <= set(hit)
        assert hit["type"] in {"contact", "organization", "meeting", "followup", "protocol"}
    assert ambassador in [h["id"] for h in hits]
    assert {h["type"] for h in hits} >= {"contact", "protocol"}
    assert all("[amb" in h["snippet"].lower() for h in hits if h["type"] == "protocol")


def test_search_finds_the_protocol_reference_by_phrase(library: Desk) -> None:
    hits = library.json("search", 'amb* "order of precedence"')

    assert hits[0]["type"] == "protocol"
    assert hits[0]["title"] == "Order of Precedence at an Embassy National Day Reception"


def test_search_quoted_phrase_keeps_word_order(library: Desk, ambassador: str) -> None:
    assert [h["id"] for h in library.json("search", '"quokka zebra"')] == [ambassador]
    assert [h["id"] for h in library.json("search", "zebra quokka")] == [ambassador]
    assert library.json("search", '"zebra quokka"') == []


def test_search_ignores_accents_and_filters_by_type(library: Desk, ambassador: str) -> None:
    hits = library.json("search", "helene", "--type", "contact")

    assert [h["id"] for h in hits] == [ambassador]
    assert hits[0]["title"] == "Hélène Girard"
    assert library.json("search", "helene", "--type", "protocol") == []


def test_search_plain_output_is_a_table(library: Desk, ambassador: str) -> None:
    lines = library.ok("search", "quokka").out.splitlines()

    assert lines[0].split() == ["TYPE", "ID", "TITLE", "DATE", "SNIPPET"]
    assert lines[1].startswith("contact")
    assert ambassador in lines[1]
    assert "[quokka]" in lines[1]


def test_search_the_last_word_is_a_prefix_accents_and_case_aside(
    library: Desk, ambassador: str
) -> None:
    for typed in ("quok", "HÉL", "hel", "zebra quo"):
        hits = library.json("search", typed, "--type", "contact")
        assert [h["id"] for h in hits] == [ambassador], typed
    [hit] = library.json("search", "quokka hél", "--type", "contact")
    start, end = hit["title_marks"][0]
    assert hit["title"][start:end] == "Hélène"
    start, end = hit["marks"][0]
    assert hit["snippet_text"][start:end] == "quokka"
    assert "[quokka]" in hit["snippet"]
    assert hit["date"]


def test_search_results_come_grouped_by_type_best_first(library: Desk, ambassador: str) -> None:
    hits = library.json("search", "amb")
    types = [h["type"] for h in hits]
    assert types == sorted(types, key=types.index)  # each type's hits together
    assert len(set(types)) >= 2


@pytest.mark.parametrize(
    ("query", "finds"),
    [
        ('"unbalanced (', "nothing"),
        ('"quokka (', "the ambassador"),
        ("***", "nothing"),
        ("AND OR", "sample entries"),  # two plain words, in the text of every sample entry
        ("quokka AND zebra", "nothing"),  # AND is a word the notes lack, not an operator
        ("quokka NOT zebra", "nothing"),
        ("NEAR(a b", "nothing"),
        ('"', "nothing"),
        ('quokka "', "the ambassador"),
        ("col:umn ^ + - ( )", "nothing"),
        ("^quokka + - ( )", "the ambassador"),
    ],
)
def test_search_never_fails_on_junk(library: Desk, ambassador: str, query: str, finds: str) -> None:
    result = library("search", query, "--json")

    assert result.code == 0, result
    assert result.err == ""
    hits = result.json()
    if finds == "nothing":
        assert hits == []
    elif finds == "the ambassador":
        assert [h["id"] for h in hits] == [ambassador]
    else:
        assert len(hits) >= SAMPLE_FILES
        assert {h["type"] for h in hits} == {"protocol"}
