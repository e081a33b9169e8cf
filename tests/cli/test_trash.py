"""`trash list` and `trash restore`: what was deleted, and bringing it back with its links."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import init_vault, one_sentence


def test_a_deleted_contact_is_listed_and_restored_with_its_meeting(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    helene = desk.new_id("contact", "add", "--name", "Hélène Girard")
    desk.new_id("contact", "add", "--name", "Ana Silva")
    talks = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Staff talks",
        "--when",
        "2026-03-02 10:00",
        "--participant",
        helene,
    )
    assert desk("contact", "delete", helene).code == 0

    listed = desk.json("trash", "list")
    assert [(r["kind"], r["record_id"], r["title"]) for r in listed] == [
        ("contact", helene, "Hélène Girard")
    ]
    assert "Hélène Girard" in desk("trash", "list").out

    restored = desk("trash", "restore", helene)
    assert restored.code == 0 and restored.out.strip() == "Restored contact “Hélène Girard”."
    assert desk.json("trash", "list") == []
    assert desk.json("contact", "show", helene)["full_name"] == "Hélène Girard"
    assert "Hélène Girard" in desk("meeting", "show", talks).out


def test_the_list_says_when_it_stops_and_refuses_a_limit_below_one(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    for name in ("Ana Silva", "Marc Roux", "Lena Vogel"):
        desk("contact", "delete", desk.new_id("contact", "add", "--name", name))

    shown = desk("trash", "list", "--limit", "2")
    assert shown.code == 0 and "2 of 3 shown (--limit)." in shown.err
    assert desk("trash", "list", "--limit", "0").code != 0


def test_restoring_a_live_record_is_one_sentence(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    alive = desk.new_id("contact", "add", "--name", "Ana Silva")

    refused = desk("trash", "restore", alive)

    assert refused.code != 0
    assert one_sentence(refused.err) == (
        f"Error: There is no deleted record with id {alive} in the trash."
    )
