"""`liaison-desk brief`: the brief as text, as a PDF marked on every page, and its refusals."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.cli.runner import PROTOCOL_DIR, Desk, init_vault, one_sentence


@pytest.fixture(scope="module")
def paris(tmp_path_factory: pytest.TempPathFactory) -> tuple[Desk, dict[str, str]]:
    """A station that met a French colonel twice, with follow-ups both ways."""
    desk = init_vault(tmp_path_factory.mktemp("brief") / "vault")[0]
    desk.ok("protocol", "import", PROTOCOL_DIR)
    org = desk.new_id("org", "add", "--name", "Army Staff", "--country", "FR")
    colonel = desk.new_id(
        "contact",
        "add",
        "--name",
        "Hélène Girard",
        "--rank",
        "Colonel",
        "--org",
        org,
        "--country",
        "FR",
        "--relation",
        "spouse:Marc Girard",
    )
    for when, title in (("2026-01-10T10:00", "First call"), ("2026-02-10T10:00", "Staff talks")):
        desk.new_id(
            "meeting",
            "add",
            "--title",
            title,
            "--when",
            when,
            "--participant",
            colonel,
            "--summary",
            f"{title}: dates agreed.",
            "--marking",
            "RESTRICTED",
        )
    desk.new_id("followup", "add", "--action", "Send the programme", "--contact", colonel)
    desk.new_id(
        "followup", "add", "--action", "Her attendance list", "--owner", "Hélène Girard",
        "--contact", colonel,
    )  # fmt: skip
    desk.new_id(
        "gift", "add", "--direction", "received", "--what", "Porcelain vase",
        "--value", "900", "--currency", "EUR", "--date", "2026-03-15", "--contact", colonel,
    )  # fmt: skip
    return desk, {"colonel": colonel, "org": org}


def test_the_text_brief_of_a_contact(paris: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = paris

    out = desk.ok("brief", "--contact", ids["colonel"]).out

    assert out.startswith("RESTRICTED\n\nColonel Hélène Girard\n")
    assert "Rank:            Colonel (OF-5)" in out
    assert "received: Porcelain vase, 900 EUR (declared to HQ)" in out
    assert "Organization:    Army Staff" in out and "Spouse:          Marc Girard" in out
    assert out.index("Staff talks") < out.index("First call")  # the latest first
    assert "Staff talks: dates agreed." in out
    assert "Send the programme" in out and "Her attendance list (Hélène Girard)" in out
    assert "Cultural Notes — France (FR, cultural-notes)" in out
    assert "Forms of Address for Military Ranks and Diplomats (general" in out
    assert out.rstrip().endswith("RESTRICTED")


def test_the_pdf_brief_is_marked_on_every_page_and_audited(
    paris: tuple[Desk, dict[str, str]], tmp_path: Path
) -> None:
    desk, ids = paris
    pdf = tmp_path / "girard.pdf"

    result = desk.ok("brief", "--contact", ids["colonel"], "--pdf", pdf)

    assert "Wrote a" in result.out and "brief marked RESTRICTED" in result.out
    assert "NOT encrypted" in result.err
    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    pages = ["".join((p.extract_text() or "").split()) for p in reader.pages]
    assert all(page.count("RESTRICTED") >= 2 for page in pages)
    text = "".join(pages)
    assert "ColonelHélèneGirard" in text and "Stafftalks:datesagreed." in text
    exports = [e["detail"] for e in desk.json("audit") if e["event"] == "export"]
    assert exports[0]["kind"] == "brief" and exports[0]["format"] == "pdf"


def test_an_organizations_brief_lists_its_people(paris: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = paris

    out = desk.ok("brief", "--org", ids["org"]).out

    assert "Army Staff" in out and "- Hélène Girard, Colonel (OF-5)" in out


def test_one_subject_is_asked_for(paris: tuple[Desk, dict[str, str]]) -> None:
    desk, ids = paris

    neither = desk("brief")
    both = desk("brief", "--contact", ids["colonel"], "--org", ids["org"])
    unknown = desk("brief", "--meeting", "no-such-meeting")

    assert neither.code == both.code == 2
    assert "Give one of --contact, --org or --meeting." in neither.err
    assert unknown.code != 0 and one_sentence(unknown.err)


def test_a_meeting_brief_lists_its_people_in_order_of_precedence(
    paris: tuple[Desk, dict[str, str]],
) -> None:
    desk, ids = paris
    general = desk.new_id(
        "contact", "add", "--name", "Paul Blanc", "--rank", "Général de division",
        "--country", "FR",
    )  # fmt: skip
    talks = desk.new_id(
        "meeting", "add", "--title", "Chiefs' lunch", "--when", "2026-06-02T12:30",
        "--participant", ids["colonel"], "--participant", general,
    )  # fmt: skip

    out = desk.ok("brief", "--meeting", talks).out

    assert "PARTICIPANTS, IN ORDER OF PRECEDENCE" in out
    assert out.index("- Paul Blanc, Général de division (OF-7)") < out.index(
        "- Hélène Girard, Colonel (OF-5)"
    )
    assert "    1. " in out and "    2. " in out  # each place with its reason
