"""vCard, iCalendar, CSV and PDF from the command line, end to end as a user runs them."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from liaison_desk.cli.progress import ProgressLine
from tests.cli.runner import Desk, init_vault, one_sentence

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "interop"
CARDS = ("apple-contacts-3.0.vcf", "google-contacts-3.0.vcf", "outlook-2.1.vcf", "vcard-4.0.vcf")


@pytest.fixture(scope="module")
def paris(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    """A vault holding the fixtures' contacts and the Outlook calendar's meetings."""
    desk = init_vault(tmp_path_factory.mktemp("paris") / "vault")[0]
    for name in CARDS:
        desk.ok("contact", "import", FIXTURES / name)
    desk.ok("meeting", "import", FIXTURES / "outlook.ics")
    return desk


def pages_text(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def test_import_reports_what_it_did_and_duplicates_are_skipped_by_default(paris: Desk) -> None:
    names = {c["full_name"] for c in paris.json("contact", "list")}
    assert "Hélène Girard" in names and "渡辺 結衣" in names and len(names) == 6

    again = paris.ok("contact", "import", FIXTURES / "apple-contacts-3.0.vcf")

    assert again.out.splitlines() == [
        "0 contacts added, 0 merged, 2 skipped.",
        "Not kept (no place in the vault): X-ABShowAs in 1 card, X-SOCIALPROFILE in 1 card.",
    ]
    assert again.err == ""  # no progress line without a terminal


def test_dry_run_shows_the_duplicates_and_imports_nothing(paris: Desk) -> None:
    result = paris.ok("contact", "import", FIXTURES / "google-contacts-3.0.vcf", "--dry-run")
    found = paris.json(
        "contact",
        "import",
        FIXTURES / "google-contacts-3.0.vcf",
        "--dry-run",
        "--on-duplicate",
        "merge",
    )

    assert (
        "2 cards: 0 to create, 2 duplicates to skip, 0 new organizations; 0 cards left out. "
        "Nothing was imported" in result.out
    )
    assert [(r["name"], r["action"], r["because"]) for r in found["cards"]] == [
        ("Wanjiru Mwangi", "merge", "same email"),
        ("Otieno Odhiambo", "merge", "same email"),
    ]
    assert (found["left_out"], found["not_kept"]) == ([], {})


def test_dry_run_lists_what_is_left_out_and_not_kept(paris: Desk, tmp_path: Path) -> None:
    path = tmp_path / "phone.vcf"
    path.write_text(
        (FIXTURES / "bad-phone.vcf").read_text(encoding="utf-8")
        + (FIXTURES / "bad-photo.vcf").read_text(encoding="utf-8")
        + "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ines Roth\r\nNICKNAME:Ines\r\nGENDER:F\r\n"
        "item1.X-ABLabel:x\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kim Park\r\nX-LIAISON-MARKING:COSMIC\r\n"
        "END:VCARD\r\n",
        encoding="utf-8",
    )

    result = paris.ok("contact", "import", path, "--dry-run")
    found = paris.json("contact", "import", path, "--dry-run")

    assert "Left out (Kim Park): phone.vcf, line 26: Unknown marking COSMIC" in result.out
    assert (
        "Left out of a card (Sabine Krüger): phone.vcf, line 9: 'call the switchboard' is not "
        "a phone number." in result.out
    )
    assert (
        "Left out of a card (Jonas Schäfer): phone.vcf, line 14: the photo is not valid"
        in result.out
    )
    assert "Not kept (no place in the vault): GENDER in 1 card, X-ABLabel in 1 card." in (
        result.out
    )
    assert "4 cards: 4 to create, 0 duplicates to skip, 0 new organizations; 1 card left out" in (
        result.out
    )
    assert [(p["line"], p["name"]) for p in found["left_out"]] == [(26, "Kim Park")]
    assert [p["line"] for p in found["values_left_out"]] == [9, 14]
    assert found["not_kept"] == {"GENDER": 1, "X-ABLabel": 1}


def test_strict_refuses_a_file_with_a_bad_card_in_one_sentence_and_changes_nothing(
    paris: Desk,
) -> None:
    before = paris.ok("contact", "list", "--json").out

    result = paris("contact", "import", FIXTURES / "bad-phone.vcf", "--strict")
    truncated = paris("contact", "import", FIXTURES / "truncated.vcf")

    assert result.code == 1
    assert one_sentence(result.err) == (
        "Error: bad-phone.vcf, line 9: 'call the switchboard' is not a phone number."
    )
    assert "truncated.vcf, line 14: the file ends inside the card" in one_sentence(truncated.err)
    assert paris.ok("contact", "list", "--json").out == before


def test_without_strict_what_the_vault_refuses_is_left_out_and_the_rest_comes_in(
    tmp_path: Path,
) -> None:
    desk = init_vault(tmp_path / "vault")[0]

    result = desk.ok("contact", "import", FIXTURES / "bad-phone.vcf")

    assert result.out.splitlines() == [
        "2 contacts added, 0 merged, 0 skipped; left out: 1 value.",
        "Left out of a card (Sabine Krüger): bad-phone.vcf, line 9: 'call the switchboard' is "
        "not a phone number.",
    ]
    assert sorted(c["full_name"] for c in desk.json("contact", "list")) == [
        "Lukas Vogel",
        "Sabine Krüger",
    ]


def test_vcard_export_imports_into_another_vault_as_the_same_contacts(
    paris: Desk, tmp_path: Path
) -> None:
    out = tmp_path / "contacts.vcf"
    other = init_vault(tmp_path / "other")[0]

    written = paris.ok("contact", "export", out, "--vcard-version", "4.0")
    other.ok("contact", "import", out)

    assert written.out.strip() == f"Wrote 6 contacts to {out} ({out.stat().st_size:,} bytes)."
    assert "is NOT encrypted" in written.err
    fields = ("full_name", "rank", "position", "country", "notes", "birthday", "nicknames")
    kept = ("channel", "label", "value", "extension", "street", "locality", "postcode", "country")

    def listed(desk: Desk) -> list[dict[str, object]]:
        shown = [desk.json("contact", "show", c["id"]) for c in desk.json("contact", "list")]
        return [
            {
                **{f: c[f] for f in fields},
                "points": [{f: p[f] for f in kept} for p in c["points"]],
            }
            for c in shown
        ]

    assert listed(other) == listed(paris)


def test_csv_export_of_a_filtered_list(paris: Desk, tmp_path: Path) -> None:
    out = tmp_path / "kenya.csv"

    paris.ok(
        "contact", "export", out, "--country", "KE", "--columns", "full_name,organization,phones"
    )

    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows == [
        ["full_name", "organization", "phones"],
        ["Wanjiru Mwangi", "Kenya Defence Forces", "+254 712 345678; +254 20 2721100"],
    ]


def test_meetings_in_from_outlook_and_out_as_a_calendar_and_csv(
    paris: Desk, tmp_path: Path
) -> None:
    talks = next(m for m in paris.json("meeting", "list") if m["title"].startswith("Staff talks"))
    shown = paris.json("meeting", "show", talks["id"])
    calendar, table = tmp_path / "meetings.ics", tmp_path / "meetings.csv"

    paris.ok("meeting", "export", calendar)
    paris.ok("meeting", "export", table)
    again = paris.ok("meeting", "import", calendar)

    assert [p.split("  ")[0] for p in shown["participants"]] == [
        "Hélène Girard",
        "Dr. Jürgen Müller (optional)",
    ]
    assert (
        "Attendees not in the contact book: Smith, John <john.smith@mod.example.uk>"
        in shown["notes"]
    )
    text = calendar.read_bytes().decode()
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin" in text
    assert "mailto:helene.girard@defense.gouv.example" in text
    assert again.out.strip().startswith("0 meetings added")
    header = table.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header == "starts_at,timezone,title,kind,place,participants,tags,marking,id"


def test_meeting_and_period_reports_are_marked_on_every_page(paris: Desk, tmp_path: Path) -> None:
    talks = next(m for m in paris.json("meeting", "list") if m["title"].startswith("Staff talks"))
    paris.ok(
        "meeting", "edit", talks["id"], "--marking", "RESTRICTED", "--summary", "Dates agreed."
    )
    meeting_pdf, period_pdf = tmp_path / "talks.pdf", tmp_path / "q1.pdf"

    one = paris.ok("report", "meeting", talks["id"], "--out", meeting_pdf)
    period = paris.ok(
        "report",
        "period",
        "--country",
        "FR",
        "--from",
        "2026-01-01",
        "--to",
        "2026-06-30",
        "--out",
        period_pdf,
    )

    assert "Wrote a 1-page report marked RESTRICTED" in one.out
    [page] = pages_text(meeting_pdf)
    assert page.startswith("RESTRICTED RESTRICTED")  # header and footer
    assert "Staff talks on the joint exercise" in page and "Hélène Girard" in page
    assert "Dates agreed." in page and "Page 1 of 1" in page
    assert "marked RESTRICTED" in period.out
    assert all(text.count("RESTRICTED") >= 2 for text in pages_text(period_pdf))
    exports = [e["detail"] for e in paris.json("audit") if e["event"] == "export"][:2]
    assert [e["kind"] for e in exports] == ["period-report", "meeting-report"]
    bad = paris(
        "report",
        "period",
        "--country",
        "FR",
        "--from",
        "2026-06-30",
        "--to",
        "2026-01-01",
        "--out",
        period_pdf,
    )
    assert (
        one_sentence(bad.err)
        == "Error: The period ends (2026-01-01) before it starts (2026-06-30)."
    )


def test_the_progress_line_draws_on_a_terminal_and_wipes_itself() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    line = ProgressLine("Reading cards", stream)

    line(500, 1_000)
    line(1_000, 1_000)
    line.clear()

    drawn = stream.getvalue()
    assert "\rReading cards  [############            ] 500/1,000  50%" in drawn
    assert "1,000/1,000  100%" in drawn and drawn.endswith("\r")


def test_a_series_is_listed_once_and_by_occurrence_over_a_period(paris: Desk) -> None:
    weekly = next(m for m in paris.json("meeting", "list") if m["title"].startswith("Weekly"))
    april = paris.json("meeting", "list", "--from", "2026-04-01", "--to", "2026-04-30")

    assert weekly["repeats"] == "Weekly on Wednesday, 10 times"
    assert [m["starts_at"] for m in april if m["id"] == weekly["id"]] == [
        "2026-04-01T07:00:00Z",
        "2026-04-08T07:00:00Z",
        "2026-04-22T07:00:00Z",  # the 15th is left out (EXDATE)
        "2026-04-29T07:00:00Z",
    ]


def test_calendar_dry_run_says_what_is_skipped_and_not_kept(paris: Desk, tmp_path: Path) -> None:
    text = (FIXTURES / "google.ics").read_text(encoding="utf-8")
    broken = tmp_path / "broken.ics"
    broken.write_text(text.replace("DTSTART:20260505T070000Z", "DTSTART:soon"), encoding="utf-8")

    shown = paris.ok("meeting", "import", broken, "--dry-run").out
    refused = paris("meeting", "import", broken, "--strict")

    assert "3 events: 2 new, 0 merged, 0 unchanged, 1 skipped." in shown
    assert "Skipped: Call with the Tokyo attaché: broken.ics, line 59: its start" in shown
    assert "Not kept: " in shown and "SEQUENCE in 2 events" in shown
    assert refused.code != 0
    sentence = one_sentence(refused.err)
    assert "broken.ics, line 59: its start (DTSTART) cannot be read" in sentence
    assert sentence.endswith("Nothing was imported (--strict).")
