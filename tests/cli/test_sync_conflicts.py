"""Conflicts from the command line: concurrent edits listed, shown side by side, resolved.

One story, in the order written: a station and HQ edit the same four fields of
one contact without seeing each other's edits, exchange bundles, and HQ settles
each field a different way (keep mine, keep theirs, merged text, merged file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence
from tests.cli.sync_desks import carry, enrol

FIELDS = ("rank", "position", "notes", "how_met")


class Story:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.usb = root / "usb"
        self.usb.mkdir()
        self.hq = init_vault(root / "hq", name="HQ Paris", role="hq")[0]
        self.rome = init_vault(root / "rome", name="Rome DAO")[0]
        self.rome_id, self.hq_id = enrol(self.hq, self.rome, root)
        self.contact = self.rome.new_id("contact", "add", "--name", "Giulia Conti")
        carry(self.rome, self.hq, self.hq_id, self.usb)
        self.rome.ok(
            "contact", "edit", self.contact,
            "--rank", "Colonnello",
            "--position", "Defence attaché",
            "--notes", "Met at the embassy.\nPrefers Italian.",
            "--how-met", "Via XX Settembre 8",
        )  # fmt: skip
        self.hq.ok(
            "contact", "edit", self.contact,
            "--rank", "Colonel",
            "--position", "Military attaché",
            "--notes", "Met in Paris.",
            "--how-met", "Palazzo Esercito",
        )  # fmt: skip
        self.at_hq = carry(self.rome, self.hq, self.hq_id, self.usb)
        self.at_rome = carry(self.hq, self.rome, self.rome_id, self.usb)

    def conflicts(self, desk: Desk, *options: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = desk.json("conflicts", "list", *options)
        return rows

    def numbers(self) -> dict[str, int]:
        return {c["field"]: c["n"] for c in self.conflicts(self.hq)}


def cells(line: str) -> list[str]:
    return [part.strip() for part in line.split("|")]


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    return Story(tmp_path_factory.mktemp("conflicts"))


def test_concurrent_edits_are_listed_on_both_sides(story: Story) -> None:
    at_hq = story.conflicts(story.hq)
    at_rome = story.conflicts(story.rome)
    table = story.hq.ok("conflicts", "list").out

    assert story.at_hq["conflicts"] == story.at_rome["conflicts"] == len(FIELDS)
    assert sorted(c["field"] for c in at_hq) == sorted(FIELDS)
    assert sorted(c["field"] for c in at_rome) == sorted(FIELDS)
    for c in at_hq:
        assert (c["kind"], c["record_id"], c["title"]) == ("contact", story.contact, "Giulia Conti")
        assert (c["mine"]["changed_by"], c["theirs"]["changed_by"]) == ("this vault", "Rome DAO")
        assert c["kept_now"] == "mine"  # HQ's edits came later
        assert c["status"] == "open"
    assert {c["theirs"]["changed_by"] for c in at_rome} == {"HQ Paris"}
    assert table.splitlines()[0].split()[:4] == ["N", "KIND", "TITLE", "FIELD"]
    assert "Giulia Conti" in table and "Rome DAO" in table


def test_show_puts_both_values_side_by_side(story: Story) -> None:
    n = story.numbers()["notes"]

    shown = story.hq.json("conflicts", "show", str(n))
    text = story.hq.ok("conflicts", "show", str(n), COLUMNS="100").out.splitlines()
    missing = story.hq("conflicts", "show", "999")

    assert shown["mine"]["value"] == "Met in Paris."
    assert shown["theirs"]["value"] == "Met at the embassy.\nPrefers Italian."
    assert shown["theirs"]["changed_by"] == "Rome DAO"
    header = next(line for line in text if line.startswith("MINE"))
    assert header.split() == ["MINE", "|", "THEIRS"]
    by = next(line for line in text if line.startswith("by "))
    assert cells(by) == ["by this vault", "by Rome DAO"]
    at = next(line for line in text if line.startswith("at "))
    assert cells(at) == [
        f"at {shown['mine']['changed_at']}",
        f"at {shown['theirs']['changed_at']}",
    ]
    values = [line for line in text if "|" in line][3:]
    assert [part.strip() for part in values[0].split("|")] == [
        "Met in Paris.",
        "Met at the embassy.",
    ]
    assert [part.strip() for part in values[1].split("|")] == ["", "Prefers Italian."]
    assert missing.code == 1
    assert "no conflict number 999" in one_sentence(missing.err)


def test_resolve_with_each_choice_and_the_choice_reaches_the_station(story: Story) -> None:
    n = story.numbers()
    merged_file = story.root / "how_met.txt"
    merged_file.write_text("Palazzo Esercito,\nVia XX Settembre 123\n", encoding="utf-8")

    neither = story.hq("conflicts", "resolve", str(n["rank"]))
    both = story.hq("conflicts", "resolve", str(n["rank"]), "--keep", "mine", "--merged-text", "x")
    story.hq.ok("conflicts", "resolve", str(n["rank"]), "--keep", "mine")
    story.hq.ok("conflicts", "resolve", str(n["position"]), "--keep", "theirs")
    story.hq.ok(
        "conflicts", "resolve", str(n["notes"]), "--merged-text", "Met in Rome, then Paris."
    )
    said = story.hq.ok("conflicts", "resolve", str(n["how_met"]), "--merged-file", merged_file)
    again = story.hq("conflicts", "resolve", str(n["rank"]), "--keep", "theirs")
    open_now = story.conflicts(story.hq)
    settled = story.conflicts(story.hq, "--all")
    carry(story.hq, story.rome, story.rome_id, story.usb)
    at_rome = story.conflicts(story.rome)
    rome_contact = story.rome.json("contact", "show", story.contact)
    hq_contact = story.hq.json("contact", "show", story.contact)

    for refused in (neither, both):
        assert refused.code == 1
        assert "exactly one of --keep" in one_sentence(refused.err)
    assert "resolved: kept the merged text" in said.out
    assert again.code == 1
    assert "already resolved" in one_sentence(again.err)
    assert open_now == []
    assert {c["field"]: c["resolution"] for c in settled} == {
        "rank": "mine",
        "position": "theirs",
        "notes": "merged",
        "how_met": "merged",
    }
    assert at_rome == []  # HQ's later choice settled the station's copies of the conflicts
    expected = {
        "rank": "Colonel",
        "position": "Defence attaché",
        "notes": "Met in Rome, then Paris.",
        "how_met": "Palazzo Esercito,\nVia XX Settembre 123",
    }
    assert {f: hq_contact[f] for f in FIELDS} == expected
    assert {f: rome_contact[f] for f in FIELDS} == expected


def rome_and_hq_sharing_a_contact(root: Path) -> tuple[Desk, Desk, str, str, str, Path]:
    """HQ and Rome, both holding a contact Rome wrote: the desks, their ids, the contact's
    id and the usb folder."""
    usb = root / "usb"
    usb.mkdir()
    hq = init_vault(root / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(root / "rome", name="Rome DAO")[0]
    rome_id, hq_id = enrol(hq, rome, root)
    contact = rome.new_id("contact", "add", "--name", "Giulia Conti")
    carry(rome, hq, hq_id, usb)
    return hq, rome, rome_id, hq_id, contact, usb


def test_a_deletion_stands_and_the_edited_record_is_restored_from_the_conflict(
    tmp_path: Path,
) -> None:
    """Rome deletes its contact; HQ, not knowing, adds a note later. Both say the deletion
    stands; HQ restores the record from the conflict, and Rome gets it back."""
    hq, rome, rome_id, hq_id, contact, usb = rome_and_hq_sharing_a_contact(tmp_path)
    rome.ok("contact", "delete", contact)
    hq.ok("contact", "edit", contact, "--notes", "Called back after the reception.")
    carry(rome, hq, hq_id, usb)
    carry(hq, rome, rome_id, usb)

    for desk in (hq, rome):
        (conflict,) = desk.json("conflicts", "list")
        kept = conflict[conflict["kept_now"]]
        assert kept["text"] == "deleted the record"
        edited = conflict["theirs" if conflict["kept_now"] == "mine" else "mine"]
        assert edited["text"] == "edited the record, unaware of its deletion"
        shown = desk.ok("conflicts", "show", str(conflict["n"])).out
        assert "The deletion stands on every vault" in shown
        assert f"conflicts restore {conflict['n']}" in shown
        assert "Giulia Conti" not in desk.ok("contact", "list").out

    (at_rome,) = rome.json("conflicts", "list")
    (at_hq,) = hq.json("conflicts", "list")
    missing = rome("conflicts", "restore", "999")
    assert missing.code != 0 and "no conflict number 999" in one_sentence(missing.err)
    said = hq.ok("conflicts", "restore", str(at_hq["n"])).out
    assert "'Giulia Conti' is restored" in said
    carry(hq, rome, rome_id, usb)
    assert "Called back after the reception." in rome.ok("contact", "show", contact).out
    assert rome.json("conflicts", "list") == [] == hq.json("conflicts", "list")
    assert rome.json("conflicts", "list", "--all")[0]["n"] == at_rome["n"]


def test_a_field_conflict_on_a_deleted_record_closes_with_the_deletion(tmp_path: Path) -> None:
    """Rome and HQ dispute the notes; Rome then deletes the contact. Resolving Rome's
    conflict closes it with the deletion; HQ's closes as the deletion arrives."""
    hq, rome, rome_id, hq_id, contact, usb = rome_and_hq_sharing_a_contact(tmp_path)
    rome.ok("contact", "edit", contact, "--notes", "Prefers Italian.")
    hq.ok("contact", "edit", contact, "--notes", "Speaks French.")
    carry(rome, hq, hq_id, usb)
    carry(hq, rome, rome_id, usb)
    (at_rome,) = rome.json("conflicts", "list")
    restore = rome("conflicts", "restore", str(at_rome["n"]))
    assert restore.code != 0 and "about a field, not a deletion" in one_sentence(restore.err)

    rome.ok("contact", "delete", contact)
    said = rome.ok("conflicts", "resolve", str(at_rome["n"]), "--keep", "mine").out
    assert said == (
        f"Conflict {at_rome['n']} closed: the contact was deleted since, and the deletion stands.\n"
    )
    carry(rome, hq, hq_id, usb)
    assert hq.json("conflicts", "list") == []
    (closed,) = hq.json("conflicts", "list", "--all")
    assert closed["resolution"] == "deleted"
    assert {closed["mine"]["value"], closed["theirs"]["value"]} == {
        "Prefers Italian.",
        "Speaks French.",
    }
