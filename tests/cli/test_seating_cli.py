"""`liaison-desk meeting seating`: a dinner planned, a guest moved by hand, the PDFs written."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from liaison_desk.core.vault import Vault
from tests.cli.runner import Desk
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.dinner import national_day_dinner


def _text(path: Path) -> list[str]:
    """Each page's text, white space taken out (a change of font may read back as a tab)."""
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return ["".join((page.extract_text() or "").split()) for page in reader.pages]


def test_a_dinner_is_planned_moved_and_printed(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    vault, _ = Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    dinner = national_day_dinner(vault.store)
    vault.lock()
    desk = Desk(folder)
    ids = dinner.ids
    cards, plan = tmp_path / "cards.pdf", tmp_path / "plan.pdf"

    printed = desk.ok(
        "meeting", "seating", dinner.meeting_id, "--tables", "3x10",
        "--apart", f"{ids['Schmidt']},{ids['Müller']}",
        "--move", f"{ids['Okafor']}=3.1", "--pdf", plan, "--cards", cards,
    ).out  # fmt: skip

    assert "Moved Grace Okafor to 3.1: Grace Okafor (precedence 2) sits below" in printed
    assert "Table 1 (round, 10 seats)\n   1  Claire Laurent (host)" in printed
    assert "must not sit together" not in printed
    pages = _text(cards)
    assert len(pages) == 3
    assert all(page.count("UNCLASSIFIED") == 2 for page in pages)  # top and foot
    text = "".join(pages)
    for key, contact_id in ids.items():
        assert f"[{contact_id}]" in printed
        name = next(line for line in printed.splitlines() if contact_id in line)
        shown = "".join(name.split("[")[0].split()[1:]).removesuffix("(host)")
        shown = shown.removesuffix("(interpreter)")
        assert text.count(shown) == 1, key
    plan_pages = _text(plan)
    assert all("UNCLASSIFIED" in page for page in plan_pages)
    assert "GraceOkafor" in "".join(plan_pages)
