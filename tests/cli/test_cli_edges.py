"""The CLI's edges: missing folders, pages of lists, limits, long text, the audit log."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from liaison_desk.core.unlock_failures import FAILURES_FILE
from tests.cli.runner import PASSPHRASE, Desk, init_vault, one_sentence


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A vault with three contacts, one organization and one meeting."""
    desk = init_vault(tmp_path_factory.mktemp("edges") / "vault")[0]
    org = desk.new_id("org", "add", "--name", "Navy Staff", "--country", "FR")
    for name in ("Anne Aubert", "Bruno Bastide", "Chloé Carré"):
        desk.new_id("contact", "add", "--name", name, "--org", org)
    desk.new_id("meeting", "add", "--title", "Staff talks", "--when", "2026-03-14T10:30")
    return desk


@pytest.mark.parametrize(
    "command",
    [
        ("backup", "create", "/missing/dir/b.ldbackup"),
        ("contact", "export", "/missing/dir/people.vcf"),
        ("meeting", "export", "/missing/dir/meetings.ics"),
        ("identity", "export", "--out", "/missing/dir/identity.json"),
        ("enrol", "request", "--out", "/missing/dir/request.json"),
    ],
    ids=lambda words: " ".join(words[:2]),
)
def test_writing_into_a_missing_folder_is_a_sentence(filled: Desk, command: tuple[str]) -> None:
    result = filled(*command)

    assert result.code == 1
    assert "Traceback" not in result.err
    assert one_sentence(result.err) == (
        "Error: The folder /missing/dir does not exist; create it or choose another."
    )
    assert result.out == ""


def test_a_list_cut_by_its_limit_says_how_much_it_shows(filled: Desk) -> None:
    cut = filled("contact", "list", "--limit", "2")
    assert cut.code == 0, cut
    assert cut.err.strip() == "2 of 3 shown (--limit)"
    assert "Anne Aubert" in cut.out and "Chloé Carré" not in cut.out

    rest = filled("contact", "list", "--limit", "2", "--offset", "2")
    assert rest.err.strip() == "3 to 3 of 3 shown (--limit, --offset)"
    assert "Chloé Carré" in rest.out

    whole = filled("contact", "list", "--limit", "3")
    assert whole.err == ""

    scripted = filled("contact", "list", "--limit", "1", "--json")
    assert [c["full_name"] for c in scripted.json()] == ["Anne Aubert"]
    assert scripted.err.strip() == "1 of 3 shown (--limit)"


@pytest.mark.parametrize("limit", ["0", "-5"])
@pytest.mark.parametrize(
    "command",
    [("contact", "list"), ("org", "list"), ("meeting", "list"), ("search", "Navy"), ("audit",)],
    ids=" ".join,
)
def test_a_limit_below_1_is_refused(filled: Desk, command: tuple[str], limit: str) -> None:
    result = filled(*command, "--limit", limit)

    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    last = result.err.strip().splitlines()[-1]
    assert last == (
        f"Error: Invalid value for '--limit': {limit} is below 1; give how many to show, 1 or more."
    )


def test_long_text_from_a_file(filled: Desk, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("## Background\n\nMet at the staff college.\nSpeaks Portuguese.\n", "utf-8")

    contact = filled.new_id("contact", "add", "--name", "Dora Dufour", "--notes-file", notes)
    filled.ok("contact", "edit", contact, "--trust-notes-file", notes)

    shown = filled.json("contact", "show", contact)
    expected = "## Background\n\nMet at the staff college.\nSpeaks Portuguese."
    assert shown["notes"] == expected
    assert shown["trust_notes"] == expected


def test_long_text_from_standard_input(filled: Desk) -> None:
    summary = "Agreed the dates of the port visit.\nThe navy sends the programme."

    meeting = filled.new_id(
        "meeting",
        "add",
        "--title",
        "Port visit",
        "--when",
        "2026-04-02T09:00",
        "--summary-file",
        "-",
        stdin=summary + "\n",
    )
    body = filled.new_id(
        "protocol",
        "add",
        "--title",
        "Gifts",
        "--category",
        "gifts-hospitality",
        "--body-file",
        "-",
        stdin="Nothing above 50 EUR.\n",
    )
    org = filled.ids("org", "list")[0]
    filled.ok("org", "edit", org, "--notes-file", "-", stdin="Moved to the new campus.")

    assert filled.json("meeting", "show", meeting)["summary"] == summary
    assert filled.json("protocol", "show", body)["body"] == "Nothing above 50 EUR."
    assert filled.json("org", "show", org)["notes"] == "Moved to the new campus."


def test_text_and_its_file_together_are_refused(filled: Desk, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("From the file.", "utf-8")

    result = filled("followup", "add", "--action", "Call", "--notes", "x", "--notes-file", notes)

    assert result.code == 1
    assert one_sentence(result.err) == "Error: Give --notes or --notes-file, not both."


def test_failed_unlocks_are_audited_at_the_next_unlock(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    typed = "my-wrong-guess-NEVER-KEPT"

    for _ in range(2):
        assert desk("unlock-check", passphrase=typed).code == 2

    counter = desk.vault / FAILURES_FILE
    waiting = json.loads(counter.read_text("utf-8"))
    assert waiting["count"] == 2
    assert sorted(waiting) == ["count", "first", "last"]
    assert typed not in counter.read_text("utf-8")

    entries = desk.json("audit")
    assert [e["event"] for e in entries] == ["unlock", "unlock-failed", "vault-created"]
    failed = entries[1]["detail"]
    assert failed["attempts"] == 2
    assert entries[2]["at"] < failed["first"] <= failed["last"] <= entries[1]["at"]
    assert not counter.exists()

    shown = desk.ok("audit").out
    assert "2 failed unlock attempts since " in shown
    assert [e["event"] for e in desk.json("audit")].count("unlock-failed") == 1


def test_a_wrong_recovery_code_is_a_failed_unlock_too(tmp_path: Path) -> None:
    desk, code = init_vault(tmp_path / "vault")
    wrong = ("1" if code[0] != "1" else "2") + code[1:]

    refused = desk(
        "recover",
        passphrase=None,
        LIAISON_DESK_RECOVERY_CODE=wrong,
        LIAISON_DESK_NEW_PASSPHRASE="a brand new passphrase here",
    )

    assert refused.code == 2
    assert desk("unlock-check", passphrase=PASSPHRASE).code == 0
    failed = [e for e in desk.json("audit") if e["event"] == "unlock-failed"]
    assert [e["detail"]["attempts"] for e in failed] == [1]


def test_audit_details_read_as_text(filled: Desk) -> None:
    filled.ok("backup", "create", filled.vault.parent / "b.ldbackup")

    shown = filled.ok("audit").out

    assert "{" not in shown and "'" not in shown
    assert "role: station" in shown
    assert "backup-created" in shown and "bytes: " in shown
