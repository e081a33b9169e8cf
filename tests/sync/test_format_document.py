"""docs/bundle-format.md states the numbers and patterns the code uses, so neither drifts alone."""

from __future__ import annotations

import re
from pathlib import Path

from liaison_desk.sync import bundle
from liaison_desk.sync.bundle_names import NAME_PATTERN, bundle_name, is_bundle_name

DOC = (Path(__file__).resolve().parents[2] / "docs" / "bundle-format.md").read_text("utf-8")


def test_the_file_name_rule_is_the_one_names_are_checked_by() -> None:
    assert f"    {NAME_PATTERN.pattern}\n" in DOC
    name = bundle_name("ab" * 48, "cd" * 48, "0123456789abcdef", 7)
    assert name == "abababababababab-to-cdcdcdcdcdcdcdcd-0123456789abcdef-00000007.ldbundle"
    assert is_bundle_name(name) and not is_bundle_name(f".{name}.part")


def test_the_header_length_counts_the_header_after_the_preamble() -> None:
    preamble = 8 + 2 + 2
    assert bundle.PREFIX == 144 and bundle.PREFIX - preamble == 132
    assert "header length, `132` in version 1" in DOC
    assert re.search(
        r"from the sender fingerprint to the end of the chunk size\s+\(offsets 12 to 143\)", DOC
    )
    assert bundle.SEALED_KEY == 1568 + 97 + 32 + 16 == 1713
