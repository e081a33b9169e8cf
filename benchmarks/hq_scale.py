"""HQ at 200 stations: a day's round at 100,000 and at 1,000,000 records, and HQ's checks.

    .venv/bin/python benchmarks/hq_scale.py            # 200 stations; 100,000 and 1,000,000
    .venv/bin/python benchmarks/hq_scale.py --quick    # 50 stations; 20,000 and 200,000
    .venv/bin/python benchmarks/hq_scale.py --smoke    # 3 stations; 300 and 3,000: seconds

Two worlds are built the same way (hq_world.py): HQ with its protocol library, the stations
enrolled, each station's share of the records written at the station and sent to HQ, and
every station caught up. Then a day of changes (each station edits 40 of its contacts and
records 10 meetings; HQ annotates 300 stations' contacts, publishes 150 references to every
station and keeps 50 notes of its own) and one full round, each step as `liaison-desk sync`
does it: every station's bundle for HQ; HQ applies the 200 and writes a bundle for every
station owed one (`transfer.owed`); each station applies its bundle and acknowledges it;
HQ applies the acknowledgements.

Figures, at HQ:
- HQ's round (apply 200 bundles + write 200), at both sizes: the ratio between them is
  what the history costs a round (target <= 1.5x); at the large size, under 60 s;
- "anything owed?" (`transfer.sync_wanted`, what the GUI asks at every auto-sync check):
  after the day (yes), after HQ sent (yes: unacknowledged), and quiet (no: every station
  checked), under 50 ms;
- `sync status` (what the command reads once the vault is open: the clock and refusal
  warnings and `status.peer_status`), under 500 ms, at both sizes;
- the Sync section's stations table: `status.sync_overview` read and shown through
  `ui.sync_models.PeerTableModel` (Qt offscreen), every cell read, under 300 ms;
- `protocol import` of 1,000 and of 10,000 files into an empty HQ, and again (every file
  unchanged): linear (target: 10x the files within 12x the time).

Baselines, measured in the same run: plain SQLite reading each station's row and
acknowledgements from the same vault (the least any per-station check reads), and for the
growth figures the smaller size. Reads are timed 5 times: the median is shown. The machine
may be shared: the figures vary from run to run. The script reports, it does not gate:
it exits 1 only if a check of behaviour fails (a station that did not get what it should).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication

from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.vault import Vault
from liaison_desk.sync.clocks import own_clock_ahead
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.refusals import refused_by_peers
from liaison_desk.sync.status import peer_status, sync_overview
from liaison_desk.sync.transfer import sync_wanted
from liaison_desk.ui.sync_models import PeerTableModel

from hq_world import (
    PASSPHRASE,
    Day,
    World,
    build,
    day_of_changes,
    hq_applies,
    hq_sends,
    station_bundles,
    stations_apply,
)
from report import Row, check, failed_checks, log, ms, ratio, table, verdict

T = TypeVar("T")
ROUND_GROWTH = 1.5
ROUND_TARGET_S = 60
OWED_TARGET_S = 0.050
STATUS_TARGET_S = 0.500
TABLE_TARGET_S = 0.300
IMPORT_GROWTH = 12
REPEATS = 5


@dataclass(frozen=True)
class Scale:
    stations: int
    sizes: tuple[int, int]
    library: int
    day: Day
    files: tuple[int, int]


FULL = Scale(200, (100_000, 1_000_000), 200, Day(), (1_000, 10_000))
QUICK = Scale(50, (20_000, 200_000), 100, Day(), (1_000, 10_000))
SMOKE = Scale(3, (300, 3_000), 10, Day().scaled(0.1), (50, 500))


def timed(work: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def median_of(work: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    runs = [timed(work) for _ in range(repeats)]
    return statistics.median(s for s, _ in runs), runs[-1][1]


# -- what is measured -----------------------------------------------------------------------------


def status_command(vault: Vault) -> int:
    """What `liaison-desk sync status` reads once the vault is open."""
    own_clock_ahead(vault)
    list(refused_by_peers(vault.conn))
    return len(peer_status(vault))


def stations_table(vault: Vault, model: PeerTableModel) -> int:
    """The Sync section's refresh: the overview read, the model reset, every cell read."""
    model.set_rows(sync_overview(vault).peers)
    cells = 0
    for r in range(model.rowCount()):
        for c in range(model.columnCount()):
            cells += model.data(model.index(r, c)) is not None
    return cells


def plain_reads(vault: Vault) -> int:
    """Baseline: plain SQLite reading each station's row and its acknowledgements."""
    conn = vault.conn
    rows = 0
    for (fp,) in conn.execute("SELECT fingerprint FROM peers").fetchall():
        conn.execute("SELECT * FROM peers WHERE fingerprint = ?", (fp,)).fetchone()
        rows += len(conn.execute("SELECT * FROM acks WHERE peer = ?", (fp,)).fetchall())
    return rows


@dataclass
class Checks:
    """HQ's read-only figures at one moment of the round."""

    owed: float
    owes: bool
    status: float
    table: float
    base: float


def checks(world: World, model: PeerTableModel, repeats: int = REPEATS) -> Checks:
    base, _ = median_of(lambda: plain_reads(world.hq))
    owed, (_, owes) = median_of(lambda: sync_wanted(world.hq))
    status, _ = median_of(lambda: status_command(world.hq), repeats)
    shown, _ = median_of(lambda: stations_table(world.hq, model), repeats)
    return Checks(owed, owes, status, shown, base)


@dataclass
class Round:
    records: int
    stations_send: float
    hq_applies: float
    hq_sends: float
    stations_apply: float
    acks_in: float
    first_bundle: float
    day: Checks
    sent: Checks
    quiet: Checks
    ok: bool

    @property
    def hq(self) -> float:
        return self.hq_applies + self.hq_sends


def first_bundle(into: dict[str, float]) -> Callable[[World, int], None]:
    """The real first exchange of a station joining an HQ that holds the history."""

    def run(world: World, i: int) -> None:
        station = world.stations[i]
        start = time.perf_counter()
        bundle = export_bundle(world.hq, world.fps[i], world.box)
        into["first_bundle"] = time.perf_counter() - start
        import_bundle(station, bundle.path)
        bundle.path.unlink()

    return run


def run_world(work: Path, scale: Scale, records: int, seed: int) -> Round:
    root = work / f"world-{records}"
    root.mkdir()
    first: dict[str, float] = {}
    world = build(root, scale.stations, records, scale.library, seed, first_bundle(first))
    model = PeerTableModel("hq")
    try:
        day_of_changes(world, scale.day, seed)
        log("  the day's changes written")
        day = checks(world, model)
        send, bundles = timed(lambda: station_bundles(world))
        log("  stations sent")
        applies, _ = timed(lambda: hq_applies(world, bundles))
        sends, sent = timed(lambda: hq_sends(world))
        log("  HQ applied and sent")
        after = checks(world, model, 3)  # every station has the day unacknowledged: slow
        apply, _ = timed(lambda: stations_apply(world, sent))
        acks, _ = timed(lambda: hq_applies(world, station_bundles(world)))
        log("  stations applied and acknowledged")
        quiet = checks(world, model)
        ok = len(sent) == scale.stations and got_the_day(world, scale.day)
        return Round(
            world.records,
            send,
            applies,
            sends,
            apply,
            acks,
            first["first_bundle"],
            day,
            after,
            quiet,
            ok and day.owes and after.owes and not quiet.owes,
        )
    finally:
        world.close()
        shutil.rmtree(root, ignore_errors=True)


def got_the_day(world: World, day: Day) -> bool:
    """Each station holds HQ's references of the day; HQ holds every station's meetings."""
    (meetings,) = world.hq.conn.execute(
        "SELECT count(*) FROM meetings WHERE title LIKE 'day 1 meeting %'"
    ).fetchone()
    if meetings != day.station_new * len(world.stations):
        return False
    for station in world.stations:
        (refs,) = station.conn.execute(
            "SELECT count(*) FROM protocol_refs WHERE title LIKE 'day 1 directive %'"
        ).fetchone()
        if refs != day.hq_for_all:
            return False
    return True


# -- protocol import ------------------------------------------------------------------------------


def write_references(folder: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    folder.mkdir()
    for i in range(count):
        country = rng.choice(("FR", "DE", "JP", "KE", "general"))
        (folder / f"ref-{i:05}.md").write_text(
            f"---\ntitle: Reference {i}\ncountry: {country}\ncategory: cultural-notes\n---\n"
            f"# Reference {i}\n\nHow to address the officers of post {i}.\n",
            encoding="utf-8",
        )


def protocol_import(work: Path, count: int, seed: int, repeats: int = 3) -> tuple[float, float]:
    """Seconds to import `count` files into an empty HQ, then to import them again: the
    median of `repeats` HQs (one import of 1,000 files takes a tenth of a second, and
    varies by half of that from run to run)."""
    root = work / f"protocol-{count}"
    root.mkdir()
    try:
        write_references(root / "refs", count, seed)
        firsts, agains = [], []
        for i in range(repeats):
            vault, _ = Vault.create(
                root / f"hq-{i}", PASSPHRASE, name="HQ", role="hq", kdf=KdfParams.floor()
            )
            run = functools.partial(import_directory, vault.store, root / "refs")
            try:
                first, summary = timed(run)
                again, repeat = timed(run)
            finally:
                vault.lock()
            assert summary.added == count and repeat.unchanged == count, (summary, repeat)
            firsts.append(first)
            agains.append(again)
        return statistics.median(firsts), statistics.median(agains)
    finally:
        shutil.rmtree(root, ignore_errors=True)


# -- the table ------------------------------------------------------------------------------------


def round_rows(small: Round, large: Round, stations: int) -> list[Row]:
    growth = large.hq / small.hq
    rows = [
        Row(
            f"HQ's round, {stations} stations, {small.records:,} records "
            f"(apply {small.hq_applies:.1f} s + send {small.hq_sends:.1f} s)",
            f"{small.hq:.1f} s",
        ),
        Row(
            f"HQ's round, {stations} stations, {large.records:,} records "
            f"(apply {large.hq_applies:.1f} s + send {large.hq_sends:.1f} s)",
            f"{large.hq:.1f} s",
            f"{small.hq:.1f} s",
            f"{growth:.2f}x",
            f"<= {ROUND_GROWTH}x",
            verdict(growth <= ROUND_GROWTH),
        ),
        Row(
            f"  HQ's round at {large.records:,} records under {ROUND_TARGET_S} s",
            f"{large.hq:.1f} s",
            "-",
            "-",
            f"< {ROUND_TARGET_S} s",
            verdict(large.hq < ROUND_TARGET_S),
        ),
    ]
    for label, a, b in (
        ("stations write their bundles (all)", small.stations_send, large.stations_send),
        ("stations apply HQ's bundles (all)", small.stations_apply, large.stations_apply),
        ("HQ applies the acknowledgements", small.acks_in, large.acks_in),
        (
            "first bundle of a new station (history routed once)",
            small.first_bundle,
            large.first_bundle,
        ),
    ):
        rows.append(
            Row(f"{label}, {large.records:,} records", f"{b:.1f} s", f"{a:.1f} s", ratio(b, a))
        )
    return rows


def check_rows(small: Round, large: Round) -> list[Row]:
    rows = []
    for moment, c in (
        ("after the day", large.day),
        ("after HQ sent", large.sent),
        ("quiet", large.quiet),
    ):
        answer = "yes" if c.owes else "no"
        rows.append(
            Row(
                f'"anything owed?" at HQ, {moment} ({answer}), {large.records:,} records',
                ms(c.owed),
                ms(c.base),
                ratio(c.owed, c.base),
                f"< {ms(OWED_TARGET_S)}",
                verdict(c.owed < OWED_TARGET_S),
            )
        )
    for size, r in ((small.records, small), (large.records, large)):
        for moment, c in (("after the day", r.day), ("after HQ sent", r.sent), ("quiet", r.quiet)):
            rows.append(
                Row(
                    f"sync status at HQ, {moment}, {size:,} records",
                    ms(c.status),
                    ms(c.base),
                    ratio(c.status, c.base),
                    f"< {ms(STATUS_TARGET_S)}",
                    verdict(c.status < STATUS_TARGET_S),
                )
            )
    for moment, c in (
        ("after the day", large.day),
        ("after HQ sent", large.sent),
        ("quiet", large.quiet),
    ):
        rows.append(
            Row(
                f"stations table (Sync section), {moment}, {large.records:,} records",
                ms(c.table),
                ms(c.status),
                ratio(c.table, c.status),
                f"< {ms(TABLE_TARGET_S)}",
                verdict(c.table < TABLE_TARGET_S),
            )
        )
    return rows


def import_rows(files: tuple[int, int], small: tuple[float, float], large: tuple[float, float]):
    rows = []
    for i, what in enumerate(("into an empty HQ", "again, every file unchanged")):
        growth = large[i] / small[i]
        rows.append(Row(f"protocol import of {files[0]:,} files, {what}", f"{small[i]:.2f} s"))
        rows.append(
            Row(
                f"protocol import of {files[1]:,} files, {what}",
                f"{large[i]:.2f} s",
                f"{small[i]:.2f} s",
                f"{growth:.2f}x",
                f"<= {IMPORT_GROWTH}x",
                verdict(growth <= IMPORT_GROWTH),
            )
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20_260_314)
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="50 stations; 20,000 and 200,000")
    parser.add_argument("--smoke", action="store_true", help="3 stations; 300 and 3,000")
    args = parser.parse_args(argv)
    scale = SMOKE if args.smoke else QUICK if args.quick else FULL
    print(
        f"Liaison Desk HQ-scale benchmark: {scale.stations} stations, "
        f"{scale.sizes[0]:,} and {scale.sizes[1]:,} records, seed {args.seed}\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    app = QCoreApplication.instance() or QCoreApplication([])
    work = Path(tempfile.mkdtemp(prefix="liaison-hq-bench-", dir=args.tmp))
    start = time.perf_counter()
    try:
        small, large = (run_world(work, scale, n, args.seed) for n in scale.sizes)
        log("protocol import")
        imports = [protocol_import(work, n, args.seed) for n in scale.files]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    del app
    rows = round_rows(small, large, scale.stations)
    rows += check_rows(small, large)
    rows += import_rows(scale.files, imports[0], imports[1])
    rows.append(
        Row(
            "every station got its day, HQ every station's",
            "",
            "",
            "",
            "",
            check(small.ok and large.ok),
        )
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(Row("peak RSS of this process", f"{peak:,.0f} MiB"))
    print()
    print(table(rows, "baseline"), flush=True)
    print(
        "\nBaselines, measured in this run: the same figure at the smaller size (growth), "
        "plain SQLite reading each station's row and acknowledgements (HQ's checks), the core "
        f"read alone (the stations table). {time.perf_counter() - start:.0f} s in all."
    )
    return 1 if failed_checks(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
