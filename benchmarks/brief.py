"""Opening a brief: a contact met 200 times, at a station of 10,000 contacts and 100,000 meetings.

    .venv/bin/python benchmarks/brief.py             # 10,000 contacts, 100,000 meetings
    .venv/bin/python benchmarks/brief.py --quick     # 2,000 contacts, 20,000 meetings
    .venv/bin/python benchmarks/brief.py --smoke     # 200 contacts, 2,000 meetings: seconds

The vault is real (SQLCipher, created at the KDF floor: unlocking is measured by vault.py)
and filled through the domain layer: contacts of eight countries with their postings and a
spouse, meetings over three years with one to three people each, a follow-up on one meeting
in ten, and HQ's sample protocol library. One contact of the Army Staff took part in 200 of
the meetings (20 at --smoke) and has follow-ups open both ways.

Figures:
- "brief of the contact" is `core.brief.brief_of` as the Brief button and `liaison-desk
  brief` call it: who they are, the last engagements and how many, follow-ups both ways,
  the protocol references, and the two timelines (theirs, their country's) for the charts.
  Target: under 150 ms (median of 7).
- Its baseline, measured in the same run: the raw SQL statements that brief runs, captured
  from it and replayed on the same connection with nothing around them (no dataclasses, no
  ordering or splitting in Python). The ratio is what the domain layer adds to the queries.
- Its charts (`core.brief.charts_of`), read once the brief is shown: the contact's
  engagements per month (already in the brief) and their country's, which goes through
  every engagement of all the country's people; for information.
- The brief of the contact's organization and of their latest meeting, and the PDF of the
  contact's brief (Qt, offscreen, with its charts), for information.

The script reports, it does not gate: it exits 1 only if a check of behaviour fails (the
brief does not count the contact's 200 engagements). Everything lives in a temporary
directory deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from liaison_desk.core.brief import Brief, brief_of, charts_of
from liaison_desk.core.connection import VaultConnection
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.records import (
    Contact,
    ContactRelation,
    FollowUp,
    Meeting,
    Organization,
    Participant,
    Posting,
)
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.station_zone import set_station_zone
from liaison_desk.core.timelines import Timeline
from liaison_desk.core.vault import Vault

from corpus import LAST_NAMES, PLACES
from report import Row, check, failed_checks, log, ms, ratio, table, verdict

T = TypeVar("T")
PASSPHRASE = "benchmark brief quartz shield 7"
COUNTRIES = ("FR", "DE", "JP", "BR", "KE", "IN", "PL", "CA")
TARGET_MS = 150
REPEATS = 7
NOW = datetime(2026, 5, 28, 12, tzinfo=UTC)


@dataclass(frozen=True)
class Scale:
    contacts: int
    meetings: int
    engagements: int  # of the contact briefed


FULL = Scale(10_000, 100_000, 200)
QUICK = Scale(2_000, 20_000, 200)
SMOKE = Scale(200, 2_000, 20)


class FixedClock:
    """The vault's clock, stopped: the brief's windows and "before now" stay put."""

    def now_ms(self) -> int:
        return int(NOW.timestamp() * 1000)


def median_of(work: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


# -- the station ------------------------------------------------------------------------------


def build(vault: Vault, scale: Scale, rng: random.Random) -> tuple[str, str, int]:
    """Fill the vault; returns the ids of the contact briefed and of their organization, and
    how many of their engagements are before now (some are planned)."""
    store = vault.store
    with store.transaction():
        set_station_zone(store, "Europe/Paris")  # as the first run sets it
        orgs = store.add_many(
            Organization(name=f"{kind} of {country}", kind="ministry", country=country)
            for country in COUNTRIES
            for kind in ("Army Staff", "Ministry of Defence", "Embassy")
        )
        people = store.add_many(
            Contact(
                full_name=f"{rng.choice(LAST_NAMES)} {rng.choice(LAST_NAMES)} {n}",
                rank=rng.choice(("Colonel", "Commander", "Major", "Captain (N)", "Mr", "Ms")),
                position="Desk officer",
                org_id=(org := rng.choice(orgs)).id,
                country=org.country,
                languages=("en", "fr"),
            )
            for n in range(scale.contacts)
        )
        target = people[0]
        store.add_many(
            [
                Posting(contact_id=target.id, title="Instructor", starts_on="2019-09"),
                Posting(contact_id=target.id, title="Desk officer", starts_on="2023-02"),
                ContactRelation(contact_id=target.id, relation="spouse", name="Anne"),
            ]
        )
        import_directory(store, resource_dir() / "protocol")
    log(f"{scale.contacts:,} contacts")
    theirs = set(rng.sample(range(scale.meetings), scale.engagements))
    held = 0
    batch = 10_000
    for first in range(0, scale.meetings, batch):
        with store.transaction():
            plans = []
            for n in range(first, min(first + batch, scale.meetings)):
                when = NOW - timedelta(days=rng.uniform(-20, 3 * 365))
                others = rng.sample(people[1:], rng.randint(1, 3))
                who = [target, *others[:-1]] if n in theirs else others
                held += n in theirs and when < NOW
                plans.append((n, when, who))
            meetings = store.add_many(
                Meeting(
                    title=f"Talks {n} in {rng.choice(PLACES)}",
                    starts_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    summary=f"Discussed item {n}." if when < NOW else None,
                )
                for n, when, _ in plans
            )
            store.add_many(
                Participant(meeting_id=m.id, contact_id=c.id)
                for m, (_, _, who) in zip(meetings, plans, strict=True)
                for c in who
            )
            store.add_many(
                FollowUp(
                    action=f"Follow up on talks {n}",
                    owner=rng.choice((None, None, who[0].full_name)),
                    due_date=(when + timedelta(days=14)).date().isoformat(),
                    status="open" if when > NOW - timedelta(days=120) else "done",
                    meeting_id=m.id,
                    contact_ids=(who[0].id,),
                )
                for m, (n, when, who) in zip(meetings, plans, strict=True)
                if n in theirs or n % 10 == 0
            )
        log(f"meetings: {min(first + batch, scale.meetings):,}/{scale.meetings:,}")
    return target.id, str(target.org_id), held


# -- the raw queries ----------------------------------------------------------------------------


@contextmanager
def captured() -> Iterator[list[tuple[str, Any]]]:
    """Every statement a vault connection runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []
    original = VaultConnection.execute

    def execute(self: VaultConnection, sql: str, parameters: Any = (), /) -> Any:
        seen.append((sql, parameters))
        return original(self, sql, parameters)

    VaultConnection.execute = execute  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        VaultConnection.execute = original  # type: ignore[method-assign]


def replay(vault: Vault, statements: Sequence[tuple[str, Any]]) -> int:
    """The statements on the raw SQLCipher connection, every row fetched; how many rows."""
    raw = vault.conn._conn  # the driver's own connection, under the vault's wrapper
    return sum(len(raw.execute(sql, params).fetchall()) for sql, params in statements)


# -- the run ----------------------------------------------------------------------------------


def run(scale: Scale, seed: int, work: Path) -> list[Row]:
    rng = random.Random(seed)
    vault, _ = Vault.create(
        work / "vault",
        PASSPHRASE,
        name="Paris",
        role="station",
        kdf=KdfParams.floor(),
        clock=FixedClock(),
    )
    start = time.perf_counter()
    contact_id, org_id, held = build(vault, scale, rng)
    log(f"station built in {time.perf_counter() - start:.0f} s")
    brief_of(vault, "contact", contact_id)  # the page cache warm, as in a session
    with captured() as statements:
        brief_of(vault, "contact", contact_id)
    ours, brief = median_of(lambda: brief_of(vault, "contact", contact_id))
    base, rows = median_of(lambda: replay(vault, statements))
    charts_s, charts = median_of(lambda: charts_of(vault, brief))
    org_s, _ = median_of(lambda: brief_of(vault, "organization", org_id))
    latest = brief.engagements[0].id
    meeting_s, _ = median_of(lambda: brief_of(vault, "meeting", latest))
    pdf_s, pages = pdf_time(brief, charts)
    vault.lock()
    name = f"brief of the contact ({scale.engagements} engagements)"
    return [
        Row(
            name,
            ms(ours),
            ms(base),
            ratio(ours, base),
            f"< {TARGET_MS} ms",
            verdict(ours * 1000 < TARGET_MS),
        ),
        Row(f"  its {len(statements)} queries, {rows:,} rows (baseline)", "-", ms(base)),
        Row(
            "  counts every engagement held, follow-ups open",
            f"{brief.engagements_total}",
            target=f"= {held}",
            verdict=check(brief.engagements_total == held and bool(brief.owed_by_us)),
        ),
        Row(
            f"its charts, read after it ({charts[-1].title}: {charts[-1].total:,})",
            ms(charts_s),
        ),
        Row("brief of their organization", ms(org_s)),
        Row("brief of their latest meeting", ms(meeting_s)),
        Row(f"PDF of the contact's brief ({pages} pages, charts)", ms(pdf_s)),
    ]


def pdf_time(brief: Brief, charts: Sequence[Timeline]) -> tuple[float, int]:
    from liaison_desk.ui.brief_document import render_brief_pdf

    render_brief_pdf(brief, charts)  # Qt's fonts and pyqtgraph loaded once
    start = time.perf_counter()
    _, pages = render_brief_pdf(brief, charts)
    return time.perf_counter() - start, pages


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20_260_528)
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="2,000 contacts, 20,000 meetings")
    parser.add_argument("--smoke", action="store_true", help="200 contacts, 2,000 meetings")
    args = parser.parse_args(argv)
    scale = SMOKE if args.smoke else QUICK if args.quick else FULL
    print(
        f"Liaison Desk brief benchmark: {scale.contacts:,} contacts, {scale.meetings:,} "
        f"meetings, a contact met {scale.engagements} times\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-brief-", dir=args.tmp))
    start = time.perf_counter()
    try:
        rows = run(scale, args.seed, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows.append(Row("peak RSS of this process", f"{peak / 1024:,.0f} MiB"))
    print()
    print(table(rows, "raw queries"))
    print(
        "\nratio = the brief's time / its raw queries' time on the same connection (lower is "
        f"better); medians of {REPEATS}. {time.perf_counter() - start:.0f} s in all."
    )
    return 1 if failed_checks(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
