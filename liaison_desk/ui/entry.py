"""The CLI's one way into the GUI: start the window, render a PDF report or brief, check it.

`liaison_desk.cli` imports this module and nothing else of `ui/`
(tests/test_architecture.py holds it to that), and only inside the commands
that need it, so every other command runs without loading Qt. Nothing here
imports Qt until it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from liaison_desk.core.brief import Brief
from liaison_desk.core.interop.report_data import Report
from liaison_desk.core.seating_plan import Chart
from liaison_desk.core.timelines import Timeline
from liaison_desk.ui.self_check import WindowCheckFailed, show_main_window

__all__ = [
    "WindowCheckFailed",
    "check_main_window",
    "render_brief_pdf",
    "render_pdf",
    "render_seating_pdf",
    "start_window",
]


def start_window(vault_dir: Path, demo_dir: Path) -> int:
    """Run the desktop application on `vault_dir` until it quits; returns the exit code."""
    from liaison_desk.ui import app

    return app.run_gui(vault_dir, demo_dir)


def render_pdf(report: Report) -> tuple[bytes, int]:
    """The report as an A4 PDF, and its page count (rendered by Qt, with no window)."""
    from liaison_desk.ui import reports

    return reports.render_pdf(report)


def render_brief_pdf(brief: Brief, charts: Sequence[Timeline]) -> tuple[bytes, int]:
    """The brief as an A4 PDF with its charts, and its page count (rendered by Qt, no window)."""
    from liaison_desk.ui import brief_document

    return brief_document.render_brief_pdf(brief, charts)


def render_seating_pdf(chart: Chart, cards: bool) -> tuple[bytes, int]:
    """A seating plan as an A4 PDF (the table plan, or its place cards), and its page count."""
    from liaison_desk.ui import seating_print

    return seating_print.place_cards_pdf(chart) if cards else seating_print.plan_pdf(chart)


def check_main_window(
    vault_dir: Path, passphrase: str, settings_file: Path, mark: Callable[[str], None]
) -> str:
    """Unlock `vault_dir` in the real window and wait for its contacts (see `ui.self_check`).

    Returns a detail for the self-test's "ok" line; raises WindowCheckFailed.
    """
    return show_main_window(vault_dir, passphrase, settings_file, mark)
