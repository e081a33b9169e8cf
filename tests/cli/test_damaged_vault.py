"""A vault damaged in its middle pages: every command that meets the damage says so in one
sentence and exits 1; one that does not still works."""

from __future__ import annotations

import pytest

from tests.cli.runner import Desk, one_sentence
from tests.damaged_vault import SENTENCE, make_damaged_vault


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    folder = tmp_path_factory.mktemp("damaged") / "vault"
    make_damaged_vault(folder)
    return Desk(folder)


@pytest.mark.parametrize(
    "command",
    [("contact", "list"), ("contact", "list", "--json"), ("search", "reception")],
)
def test_reading_damaged_pages_is_one_sentence_and_exit_1(
    damaged: Desk, command: tuple[str, ...]
) -> None:
    result = damaged(*command)
    assert result.code == 1, result
    assert one_sentence(result.err) == f"Error: {SENTENCE}"
    assert result.out == ""


def test_records_away_from_the_damage_still_read(damaged: Desk) -> None:
    (org,) = damaged.json("org", "list")
    assert org["name"] == "Ministry of Defence"
