"""`contact add/edit/show` with a contact's structured name, points, postings and relations."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return init_vault(tmp_path_factory.mktemp("details") / "vault")[0]


def test_every_detail_is_given_shown_and_replaced_by_kind(desk: Desk, tmp_path: Path) -> None:
    org = desk.new_id("org", "add", "--name", "Ministère des Armées", "--country", "FR")
    spouse = desk.new_id("contact", "add", "--name", "Marc Girard")
    contact = desk.new_id(
        "contact", "add", "--name", "Col. Hélène Girard",
        "--prefix", "Col.", "--given-name", "Hélène", "--family-name", "Girard",
        "--nickname", "Léna", "--alias", "Hélène Dubois", "--country", "FR",
        "--birthday", "--03-14", "--anniversary", "2001-06-30", "--language", "fr:native",
        "--phone", "mobile:+33 6 12 34 56 78 x12", "--phone", "work:01 44 42 30 11",
        "--phone", "fax:+1-800-MYFAX",
        "--email", "work:helene.girard@defense.gouv.example",
        "--address", "home:12 rue des Écoles;Paris;;75005;France",
        "--web", "https://example.org/girard", "--im", "signal:+33 6 12 34 56 78",
        "--posting", f"Head of cooperation|{org}|2022-09",
        "--posting", "Defence attaché|Embassy in Tokyo|2019-09|2022-07",
        "--relation", f"spouse:{spouse}", "--relation", "deputy-of:Jean Martin",
    )  # fmt: skip

    shown = desk.json("contact", "show", contact)
    assert (shown["given_name"], shown["nicknames"], shown["birthday"]) == (
        "Hélène",
        ["Léna"],
        "--03-14",
    )
    phones = [p for p in shown["points"] if p["channel"] == "phone"]
    assert [(p["label"], p["value"], p["extension"], p["e164"]) for p in phones] == [
        ("mobile", "+33 6 12 34 56 78", "12", "+33612345678"),
        ("work", "01 44 42 30 11", None, "+33144423011"),
        ("fax", "+1-800-MYFAX", None, None),
    ]
    (address,) = [p for p in shown["points"] if p["channel"] == "address"]
    assert (address["street"], address["locality"], address["region"], address["postcode"]) == (
        "12 rue des Écoles",
        "Paris",
        None,
        "75005",
    )
    assert [p["title"] for p in shown["postings"]] == ["Defence attaché", "Head of cooperation"]
    assert [(r["relation"], r["other_id"], r["name"]) for r in shown["relations"]] == [
        ("spouse", spouse, None),
        ("deputy-of", None, "Jean Martin"),
    ]

    text = desk.ok("contact", "show", contact).out
    assert "mobile: +33 6 12 34 56 78 x12" in text
    assert "home: 12 rue des Écoles, 75005 Paris, France" in text
    assert "2019-09 to 2022-07  Defence attaché, Embassy in Tokyo" in text
    assert "since 2022-09  Head of cooperation, Ministère des Armées" in text
    assert "spouse: Marc Girard" in text

    kept = {p["id"] for p in phones[:2]}
    desk.ok(
        "contact", "edit", contact,
        "--phone", "direct:+33 6 12 34 56 78", "--phone", "work:01 44 42 30 11",
        "--email", "", "--relation", "partner:Marc Girard",
    )  # fmt: skip
    again = desk.json("contact", "show", contact)
    phones = [p for p in again["points"] if p["channel"] == "phone"]
    assert [(p["label"], p["value"]) for p in phones] == [
        ("direct", "+33 6 12 34 56 78"),
        ("work", "01 44 42 30 11"),
    ]
    assert {p["id"] for p in phones} == kept  # the same points, relabelled: no churn
    assert not [p for p in again["points"] if p["channel"] == "email"]
    assert [p["channel"] for p in again["points"]][-3:] == ["address", "web", "im"]  # kept
    assert len(again["postings"]) == 2
    assert [(r["relation"], r["name"]) for r in again["relations"]] == [("partner", "Marc Girard")]

    refused = desk("contact", "edit", contact, "--posting", "Attaché|x|Sept 2019")
    assert refused.code != 0 and "not a year" in refused.err
    found = desk.json("search", "Dubois")
    assert [h["id"] for h in found] == [contact]
