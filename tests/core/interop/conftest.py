"""Where the hand-written interop fixtures live (vCards and calendars as other software
writes them, and broken ones)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "interop"
