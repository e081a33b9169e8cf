"""The rank table: every nation named with its sources, every code valid, ranks that compare."""

from __future__ import annotations

import json

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.ranks import (
    NOT_MAPPED,
    SERVICES,
    check_code,
    describe,
    nato_code_of,
    rank_fields,
    rank_table,
    seniority,
)
from liaison_desk.core.records import Contact
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.vault import Vault

NATO_LARGEST = {"US", "TR", "FR", "DE", "IT", "GB", "PL", "GR", "ES", "CA", "RO", "NL", "NO"}
DEMO_NATIONS = {"FR", "DE", "JP", "BR", "KE", "IN", "PL", "CA"}


def test_the_table_covers_nato_s_largest_forces_and_the_demo_s_nations() -> None:
    table = rank_table()
    assert len(table.nations) >= 15
    assert set(table.nations) >= NATO_LARGEST | DEMO_NATIONS
    for nation in table.nations.values():
        services = {r.service for r in nation.ranks}
        assert {"army", "navy", "air-force"} <= services <= set(SERVICES), nation.nation
        assert nation.sources and all(len(s) > 20 for s in nation.sources), nation.nation
        officers = {r.code for r in nation.ranks if r.code.startswith("OF-")}
        assert {f"OF-{n}" for n in (1, 2, 3, 4, 5, 7, 8, 9)} <= officers, nation.nation


def test_every_code_is_a_nato_code_and_every_file_names_its_sources() -> None:
    for path in sorted((resource_dir() / "ranks").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["sources"], path.name
        if data["nation"] in NATO_LARGEST:
            assert any("STANAG 2116" in s for s in data["sources"]), path.name
        for rows in data["services"].values():
            for code, native, english in rows:
                assert check_code(code) == code and native and english, (path.name, native)
    assert {r.code[:2] for r in rank_table()} == {"OF", "OR", "WO"}


@pytest.mark.parametrize("code", ["OF-0", "OF-11", "OR-10", "WO-6", "of-5", "OF5", "General"])
def test_what_is_not_a_nato_code_is_refused(code: str) -> None:
    with pytest.raises(ValidationError):
        check_code(code)


def test_the_three_named_ranks_sort_where_they_belong() -> None:
    table = rank_table()
    capitaine = table.find("Capitaine de vaisseau", "FR")
    fregatten = table.find("Fregattenkapitän", "DE")
    colonel = table.find("Colonel", "US")
    assert capitaine and fregatten and colonel
    assert (capitaine.code, fregatten.code, colonel.code) == ("OF-5", "OF-4", "OF-5")
    in_order = sorted([fregatten, colonel, capitaine], key=lambda r: r.sort_key)
    assert in_order[-1] == fregatten
    assert capitaine.seniority == colonel.seniority > fregatten.seniority
    assert seniority("OF-1") > seniority("WO-5") > seniority("OR-9") > seniority("OR-1")


def test_lookup_forgives_case_accents_and_english_and_says_when_it_cannot_tell() -> None:
    table = rank_table()
    assert table.find("fregattenkapitan").code == "OF-4"  # type: ignore[union-attr]
    assert table.find("CAPITAINE DE FREGATE", "FR").code == "OF-4"  # type: ignore[union-attr]
    assert table.find("Commander", "DE").native == "Fregattenkapitän"  # type: ignore[union-attr]
    assert table.find("ταξιαρχος", "GR").code == "OF-6"  # type: ignore[union-attr]
    assert table.find("１等陸佐", "JP").code == "OF-5"  # type: ignore[union-attr]
    assert table.find("Captain (N)", "CA").code == "OF-5"  # type: ignore[union-attr]
    assert table.find("Captain", "US") is None  # OF-2 in the army, OF-5 in the navy
    assert table.find("Captain (Navy)", "US").code == "OF-5"  # type: ignore[union-attr]
    assert table.find("Major", "FR") is None  # an NCO in France, an officer in English
    assert table.find("Air Commodore", "JP").code == "OF-6"  # type: ignore[union-attr]
    assert table.find("Grand Poobah") is None and table.find("  ") is None


def test_a_contact_keeps_the_code_picked_and_free_text_reads_as_not_mapped(vault: Vault) -> None:
    picked = rank_fields("Captain", "US", code="OF-5")
    typed = rank_fields("Kapitän zur See", "DE")
    free = rank_fields("Grand Poobah", "DE")
    assert picked == {"rank": "Captain", "rank_code": "OF-5"}
    assert typed == {"rank": "Kapitän zur See", "rank_code": "OF-5"}
    assert free == {"rank": "Grand Poobah", "rank_code": None}
    navy = vault.store.add(Contact(full_name="J. Doe", country="US", **picked))
    odd = vault.store.add(Contact(full_name="K. Roe", country="DE", **free))
    assert nato_code_of(vault.store.get(Contact, navy.id)) == "OF-5"
    assert describe(odd) == f"Grand Poobah ({NOT_MAPPED})"
    with pytest.raises(ValidationError, match="NATO rank code"):
        vault.store.add(Contact(full_name="X", rank="Colonel", rank_code="OF-12"))
    with pytest.raises(ValidationError, match="needs the rank"):
        vault.store.add(Contact(full_name="X", rank_code="OF-5"))
