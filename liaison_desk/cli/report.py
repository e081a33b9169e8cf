"""`liaison-desk report …`: written reports as PDF, marked on every page.

The PDF is rendered with Qt, imported only when a report is asked for: every
other command stays free of Qt.
"""

from __future__ import annotations

from pathlib import Path

import click

from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.exchange_options import wrote
from liaison_desk.core.interop.export_file import write_export
from liaison_desk.core.interop.report_data import Report, meeting_report, period_report
from liaison_desk.core.vault import Vault

out_option = click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF (it will NOT be encrypted).",
)


@click.group()
def report() -> None:
    """PDF reports of a meeting or of a period, with the marking on every page.

    Example: liaison-desk report period --country FR --from 2026-01-01 --to 2026-03-31 --out q1.pdf
    """


def _write(vault: Vault, data: Report, out: Path) -> None:
    from liaison_desk.ui.entry import render_pdf  # Qt is loaded only for reports

    pdf, pages = render_pdf(data)
    size = write_export(
        vault, out, pdf, kind=f"{data.kind}-report", format="pdf", count=data.records
    )
    wrote(out, f"a {pages}-page report marked {data.marking}", size)


@report.command("meeting")
@click.argument("meeting_id")
@out_option
@pass_app
def meeting(app: AppContext, /, meeting_id: str, out: Path) -> None:
    """Write the report of one meeting: who, where, what was said, what follows.

    Example: liaison-desk report meeting 01934b2e-… --out staff-talks.pdf
    """
    vault = app.open_vault()
    _write(vault, meeting_report(vault, meeting_id), out)


@report.command("period")
@click.option("--country", help="Engagements with people of this country (two letters).")
@click.option("--org", "org_id", help="Engagements with this organization (and its units).")
@click.option("--from", "start", required=True, help="First day, e.g. 2026-01-01.")
@click.option("--to", "end", required=True, help="Last day (included), e.g. 2026-03-31.")
@out_option
@pass_app
def period(
    app: AppContext,
    /,
    country: str | None,
    org_id: str | None,
    start: str,
    end: str,
    out: Path,
) -> None:
    """Write the report of every engagement with a country or an organization over a period.

    Example: liaison-desk report period --country KE --from 2026-04-01 --to 2026-04-30
    --out visit.pdf
    """
    vault = app.open_vault()
    data = period_report(vault, start=start, end=end, country=country, org_id=org_id)
    _write(vault, data, out)
