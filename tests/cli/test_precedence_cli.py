"""Ranks in `contact add/edit/show`, `contact ranks` and `meeting precedence`, end to end."""

from __future__ import annotations

import json

from tests.cli.runner import Desk

RULE = {
    "classes": [
        {"label": "heads of mission", "diplomatic": ["ambassador"]},
        {"label": "flag officers", "nato": ["OF-6", "OF-10"]},
        {"label": "officers", "nato": ["OF-1", "OF-5"]},
    ],
    "within": ["nato", "accredited"],
}


def test_a_rank_maps_from_the_table_or_stays_free_text_not_mapped(desk: Desk) -> None:
    mapped = desk.new_id(
        "contact", "add", "--name", "K. Vogel", "--rank", "fregattenkapitan", "--country", "DE"
    )
    assert desk.json("contact", "show", mapped)["rank_code"] == "OF-4"
    assert "rank code  OF-4" in desk.ok("contact", "show", mapped).out

    free = desk("contact", "add", "--name", "J. Doe", "--rank", "Captain", "--country", "US")
    assert free.code == 0 and "OF-5 or OF-2" in free.err
    doe = free.out.strip()
    assert "not mapped" in desk.ok("contact", "show", doe).out
    assert desk.json("contact", "show", doe)["rank_code"] is None

    desk.ok("contact", "edit", doe, "--rank-code", "OF-5")
    assert desk.json("contact", "show", doe)["rank_code"] == "OF-5"
    desk.ok("contact", "edit", doe, "--rank", "Grand Poobah")
    assert desk.json("contact", "show", doe)["rank_code"] is None
    bad = desk("contact", "edit", doe, "--rank-code", "OF-12")
    assert bad.code != 0 and "NATO rank code" in bad.err


def test_contact_ranks_lists_the_table(desk: Desk) -> None:
    rows = desk.json("contact", "ranks", "--country", "de", "--service", "navy")
    assert rows[0]["code"] == "OF-9" and {r["nation"] for r in rows} == {"DE"}
    assert {
        "code": "OF-4",
        "nation": "DE",
        "service": "navy",
        "native": "Fregattenkapitän",
        "english": "Commander",
    } in rows


def test_meeting_precedence_lists_participants_with_reasons(desk: Desk) -> None:
    body = f"# Brazil\n\n```rules\n{json.dumps(RULE)}\n```\n"
    desk.ok(
        "protocol",
        "add",
        "--title",
        "Brazil: precedence",
        "--country",
        "BR",
        "--category",
        "order-of-precedence",
        "--body",
        body,
    )
    colonel = desk.new_id(
        "contact",
        "add",
        "--name",
        "Col. Lima",
        "--rank",
        "Coronel",
        "--country",
        "BR",
        "--accredited-on",
        "2024-01-01",
    )
    admiral = desk.new_id(
        "contact",
        "add",
        "--name",
        "RAdm. Roux",
        "--rank",
        "Contre-amiral",
        "--country",
        "FR",
        "--accredited-on",
        "2025-03-01",
    )
    ambassador = desk.new_id(
        "contact",
        "add",
        "--name",
        "Amb. Weber",
        "--country",
        "DE",
        "--diplomatic-rank",
        "ambassador",
    )
    meeting = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Lunch",
        "--when",
        "2025-09-15 12:00",
        "--participant",
        colonel,
        "--participant",
        admiral,
        "--participant",
        ambassador,
    )
    out = desk.json("meeting", "precedence", meeting, "--host-country", "br")
    assert out["rule"]["title"] == "Brazil: precedence" and out["host_country"] == "BR"
    assert [r["id"] for r in out["order"]] == [ambassador, admiral, colonel]
    assert out["order"][1]["reason"] == "OF-6, accredited 2025-03-01 (flag officers)"
    text = desk.ok("meeting", "precedence", meeting).out
    assert "general rule, shipped default" in text and "RAdm. Roux" in text
