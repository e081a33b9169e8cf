"""Liaison Desk performance figures, each beside plain SQLite measured in the same run.

    .venv/bin/python benchmarks/vault.py                 # 10,000 contacts, 100,000 meetings
    .venv/bin/python benchmarks/vault.py --quick         # 1,000 / 10,000
    .venv/bin/python benchmarks/vault.py --smoke         # tiny, KDF floor: what `make test` runs
    .venv/bin/python benchmarks/vault.py --contacts 5000 --notes 50000

The vault is real: created with the DEFAULT Argon2id cost (--smoke: the floor, and one unlock
instead of three), filled through the domain layer (`vault.store.add_many`), searched with
`liaison_desk.core.search.search` and listed with `vault.store.list`. The baseline is stdlib
`sqlite3` (no encryption, no domain layer) holding byte-for-byte the same rows: the contacts
and meetings rows and the FTS5 rows are copied out of the vault after each batch (outside the
timed part) and inserted into a database with the same tables, indexes and FTS5 table
(tokenizer, prefixes, bm25 weights), copied from the vault's own schema (sqlite_master) when
the run starts, so the baseline follows every migration; and with the same journal mode,
synchronous level and page cache size. What the baseline does NOT do is exactly the cost
under test: encryption, validation, HLC stamps, the oplog and the search triggers. One
deliberate difference: the baseline's indexes are not partial (`WHERE deleted = 0`), so that
the plain list query, which has no WHERE clause, can use the name index.

Generated text is fixed by --seed; everything lives in a temporary directory that is deleted
at the end. The script always exits 0: it reports, it does not gate. The generated text is in
vault_text.py, the plain SQLite baseline in vault_baseline.py; report.py and corpus.py are
shared with gui.py.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cryptography
import sqlcipher3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liaison_desk.core.keyslots import KdfParams, normalize_passphrase, read_keyfile
from liaison_desk.core.records import Contact
from liaison_desk.core.search import build_match, search
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import KEY_FILE, Vault

from report import Row, dir_size, log, ms, percentile, ratio, table, verdict, wrap_kdf
from vault_baseline import (
    PLAIN_LIST,
    PLAIN_SEARCH,
    copy_batch,
    open_plain,
    plain_insert,
    plain_schema,
)
from vault_text import TextGen, make_contact, make_meeting, make_queries

PASSPHRASE = "benchmark amber harbor lantern 42"
MIB = 1024 * 1024


# -- measuring ------------------------------------------------------------------------------


@contextmanager
def stopwatch(into: list[float]) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - start)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s"


# -- the figures ----------------------------------------------------------------------------


@dataclass
class Setup:
    contacts: int
    meetings: int
    batch: int
    queries: int
    seed: int
    work: Path
    kdf: KdfParams
    unlock_runs: int

    @property
    def kdf_name(self) -> str:
        return "default" if self.kdf == KdfParams.default() else "floor"


def bench_insert(setup: Setup, vault: Vault, plain: sqlite3.Connection, gen: TextGen) -> list[Row]:
    ours_c: list[float] = []
    plain_c: list[float] = []
    contacts = [make_contact(gen) for _ in range(setup.contacts)]
    with stopwatch(ours_c):
        vault.store.add_many(contacts)
    del contacts
    rows, fts = copy_batch(vault.conn, "contacts", 0)
    with stopwatch(plain_c):
        plain_insert(plain, "contacts", rows, fts)
    log(f"contacts: {setup.contacts} in {ours_c[0]:.1f} s (plain {plain_c[0]:.1f} s)")

    ours_m: list[float] = []
    plain_m: list[float] = []
    done = 0
    while done < setup.meetings:
        size = min(setup.batch, setup.meetings - done)
        batch = [make_meeting(gen) for _ in range(size)]
        with stopwatch(ours_m):
            vault.store.add_many(batch)
        del batch
        rows, fts = copy_batch(vault.conn, "meetings", done)
        with stopwatch(plain_m):
            plain_insert(plain, "meetings", rows, fts)
        done += size
        log(
            f"meetings: {done}/{setup.meetings} (last batch {ours_m[-1]:.1f} s, "
            f"plain {plain_m[-1]:.1f} s)"
        )

    out = []
    # The target is for the whole load (10k contacts + 100k notes); each part is shown too.
    for label, n, ours, base, target in (
        (
            f"insert all {setup.contacts + setup.meetings:,} rows (contacts, then meetings)",
            setup.contacts + setup.meetings,
            ours_c + ours_m,
            plain_c + plain_m,
            True,
        ),
        (f"  {setup.contacts:,} contacts (1 add_many)", setup.contacts, ours_c, plain_c, False),
        (
            f"  {setup.meetings:,} meetings (~1 KB notes, {setup.batch:,}/add_many)",
            setup.meetings,
            ours_m,
            plain_m,
            False,
        ),
    ):
        share = sum(base) / sum(ours)  # our rate / plain's rate
        out.append(
            Row(
                label,
                rate(n, sum(ours)),
                rate(n, sum(base)),
                f"{share:.2f}x",
                ">= 0.5x" if target else "-",
                verdict(share >= 0.5) if target else "info",
            )
        )
    return out


@contextmanager
def kdf_timed(into: list[float]) -> Iterator[None]:
    """Time every KdfParams.derive call made inside the block (this process only)."""
    restore = wrap_kdf(into)
    try:
        yield
    finally:
        restore()


def bench_unlock(setup: Setup, vault_dir: Path, plain_path: Path, cache_size: int) -> list[Row]:
    """Vault.unlock at the run's KDF cost (the default), split into Argon2id and everything else.

    Argon2id is timed twice: alone (the cost's derive on the slot's salt) and inside
    each unlock. On a shared or throttled machine one 256 MiB Argon2id run can vary by
    hundreds of ms, so "everything else" is each unlock minus its own Argon2id call; the
    difference of the two medians is printed too.
    """
    runs = setup.unlock_runs
    slot = read_keyfile(vault_dir / KEY_FILE).slot("passphrase")
    default = setup.kdf
    if slot.kdf != default:
        raise SystemExit(f"the benchmark vault is not at the {setup.kdf_name} KDF cost: {slot.kdf}")
    secret = normalize_passphrase(PASSPHRASE)
    alone: list[float] = []
    unlock: list[float] = []
    inside: list[float] = []
    rest: list[float] = []
    opened: list[float] = []
    for _ in range(runs):
        with stopwatch(alone):
            default.derive(secret, slot.salt)
        calls: list[float] = []
        with kdf_timed(calls), stopwatch(unlock):
            vault = Vault.unlock(vault_dir, PASSPHRASE)
        vault.lock()
        inside.append(sum(calls))
        rest.append(unlock[-1] - inside[-1])
        with stopwatch(opened):
            open_plain(plain_path, cache_size).close()
    total, argon, argon_in, other, base = (
        statistics.median(x) for x in (unlock, alone, inside, rest, opened)
    )
    log(
        "unlock runs: "
        + "; ".join(
            f"{ms(u)} = Argon2id {ms(i)} + {ms(r)} (Argon2id alone {ms(a)})"
            for u, i, r, a in zip(unlock, inside, rest, alone, strict=True)
        )
    )
    cost = f"{default.memory_kib // 1024} MiB, t={default.iterations}, p={default.lanes}"
    return [
        Row(f"unlock ({setup.kdf_name} KDF), median of {runs}", ms(total)),
        Row(f"  Argon2id alone ({cost}), median of {runs}", ms(argon)),
        Row("  Argon2id inside those unlocks, median", ms(argon_in)),
        Row(
            "  everything else: each unlock minus its own Argon2id",
            ms(other),
            ms(base) + " (open)",
            f"{other / base:.1f}x",
            "<= 150 ms",
            verdict(other <= 0.150),
        ),
        Row(
            "  (median unlock - median Argon2id alone: noisy, see above)",
            ms(total - argon),
        ),
    ]


def bench_search(setup: Setup, vault: Vault, plain: sqlite3.Connection, gen: TextGen) -> list[Row]:
    queries = make_queries(gen, setup.queries)
    mismatched = [q.text for q in queries if build_match(q.text) != q.match]
    for q in queries:  # warm both page caches the same way
        search(vault.store, q.text, limit=20)
        plain.execute(PLAIN_SEARCH, (q.match,)).fetchall()
    ours: list[float] = []
    base: list[float] = []
    empty = 0
    differ = 0
    for q in queries:
        with stopwatch(ours):
            hits = search(vault.store, q.text, limit=20)
        with stopwatch(base):
            rows = plain.execute(PLAIN_SEARCH, (q.match,)).fetchall()
        empty += not hits
        differ += [h.id for h in hits] != [r[1] for r in rows]
    slowest = sorted(zip(ours, queries, strict=True), key=lambda x: -x[0])[:5]
    log("slowest searches: " + ", ".join(f"{q.text!r} {ms(t)}" for t, q in slowest))
    kinds = {
        k: sum(q.kind == k for q in queries) for k in ("word", "prefix", "phrase", "and", "typed")
    }
    note = ", ".join(f"{v} {k}" for k, v in kinds.items())
    p50, p95 = statistics.median(ours), percentile(ours, 95)
    b50, b95 = statistics.median(base), percentile(base, 95)
    rows = [
        Row(
            f"search p50 ({len(queries)} queries: {note})",
            ms(p50),
            ms(b50),
            ratio(p50, b50),
            "< 5 ms",
            verdict(p50 < 0.005),
        ),
        Row("search p95", ms(p95), ms(b95), ratio(p95, b95), "<= 2x", verdict(p95 <= 2 * b95)),
        Row("search max", ms(max(ours)), ms(max(base)), ratio(max(ours), max(base))),
        Row(
            "  queries with no hit / results differing from plain",
            f"{empty} / {differ}",
        ),
    ]
    for kind, count in kinds.items():
        a = statistics.median(t for t, q in zip(ours, queries, strict=True) if q.kind == kind)
        b = statistics.median(t for t, q in zip(base, queries, strict=True) if q.kind == kind)
        rows.append(Row(f"  p50 of the {count} {kind} queries", ms(a), ms(b), ratio(a, b)))
    matching = sorted(
        plain.execute("SELECT count(*) FROM search WHERE search MATCH ?", (q.match,)).fetchone()[0]
        for q in queries
    )
    rows.append(
        Row(
            "  rows matching a query (all must be ranked): p50 / p95 / max",
            f"{statistics.median(matching):,.0f} / {percentile(matching, 95):,} / {matching[-1]:,}",
        )
    )
    if mismatched:
        rows.append(Row("  build_match differs from expected", ", ".join(mismatched[:3])))
    return rows


def bench_list(vault: Vault, plain: sqlite3.Connection, contacts: int) -> list[Row]:
    runs = 20
    offset = max(0, contacts - 100)
    query = ListQuery(limit=100, offset=offset)
    vault.store.list(Contact, query)
    plain.execute(PLAIN_LIST, (100, offset)).fetchall()
    # The SQL store.list runs (see Store.list), without turning rows into Contact records.
    raw_sql = (
        "SELECT * FROM contacts WHERE deleted = 0 "
        "ORDER BY full_name COLLATE NOCASE, id LIMIT ? OFFSET ?"
    )
    ours: list[float] = []
    base: list[float] = []
    raw: list[float] = []
    got = 0
    for _ in range(runs):
        with stopwatch(ours):
            got = len(vault.store.list(Contact, query))
        with stopwatch(base):
            plain.execute(PLAIN_LIST, (100, offset)).fetchall()
        with stopwatch(raw):
            vault.conn.execute(raw_sql, (100, offset)).fetchall()
    a, b, r = statistics.median(ours), statistics.median(base), statistics.median(raw)
    return [
        Row(
            f"list contacts by name, 100 at offset {offset:,} ({got} rows), median of {runs}",
            ms(a),
            ms(b),
            ratio(a, b),
            "< 2x",
            verdict(a < 2 * b),
        ),
        Row("  of which the SQL alone, on the vault connection", ms(r), ms(b), ratio(r, b)),
        bench_filter(vault, plain, runs),
    ]


def bench_filter(vault: Vault, plain: sqlite3.Connection, runs: int) -> Row:
    """A list filter typed into the box: every name scanned, accents and case folded.

    The baseline is SQLite's own LIKE, which folds ASCII case only (it would miss
    "Hélène" for "helene"); ours calls the Python fold() for the non-ASCII names.
    """
    [name] = plain.execute("SELECT full_name FROM contacts ORDER BY id LIMIT 1").fetchone()
    part = name.split()[-1][:3]
    query = ListQuery(title_contains=part)
    ours: list[float] = []
    base: list[float] = []
    found = 0
    for _ in range(runs):
        with stopwatch(ours):
            found = vault.store.count(Contact, query)
        with stopwatch(base):
            plain.execute(
                "SELECT count(*) FROM contacts WHERE full_name LIKE ?", (f"%{part}%",)
            ).fetchone()
    a, b = statistics.median(ours), statistics.median(base)
    non_ascii = plain.execute(
        "SELECT count(*) FROM contacts WHERE length(CAST(full_name AS BLOB)) != length(full_name)"
    ).fetchone()[0]
    return Row(
        f"  filter contacts by {part!r} (count of {found:,}; {non_ascii:,} names not ASCII), "
        f"median of {runs}",
        ms(a),
        ms(b),
        ratio(a, b),
    )


def bench_machine(work: Path, mib: int) -> list[Row]:
    key = AESGCM(bytes(range(32)))
    nonce = bytes(12)
    out: list[Row] = []
    for chunk in (MIB, 4096):
        data = bytes(chunk)
        start = time.perf_counter()
        for _ in range(mib * MIB // chunk):
            key.encrypt(nonce, data, None)
        elapsed = time.perf_counter() - start
        label = "1 MiB" if chunk == MIB else "4 KiB (one SQLCipher page)"
        out.append(
            Row(f"machine: AES-256-GCM, {mib} MiB in {label} calls", f"{mib / elapsed:,.0f} MB/s")
        )
    path = work / "disk.bin"
    block = os.urandom(MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.perf_counter()
        for _ in range(mib):
            os.write(fd, block)
        os.fsync(fd)
        elapsed = time.perf_counter() - start
        out.append(
            Row(f"machine: sequential write + fsync, {mib} MiB", f"{mib / elapsed:,.0f} MB/s")
        )
        page = os.urandom(4096)
        syncs: list[float] = []
        for i in range(20):
            os.pwrite(fd, page, i * 4096)
            with stopwatch(syncs):
                os.fsync(fd)
        out.append(
            Row("machine: fsync after a 4 KiB write, median of 20", ms(statistics.median(syncs)))
        )
    finally:
        os.close(fd)
        path.unlink()
    return out


def run(setup: Setup, machine_mib: int) -> list[Row]:
    rng = random.Random(setup.seed)
    gen = TextGen(rng)
    vault_dir = setup.work / "vault"
    plain_path = setup.work / "plain.db"

    log(f"creating the vault with the {setup.kdf_name} Argon2id cost")
    vault, _ = Vault.create(vault_dir, PASSPHRASE, name="Benchmark station", kdf=setup.kdf)
    rows: list[Row] = []
    plain: sqlite3.Connection | None = None
    try:
        cache_size = int(vault.conn.execute("PRAGMA cache_size").fetchone()[0])
        plain = open_plain(plain_path, cache_size)
        for statement, params in plain_schema(vault.conn):
            plain.execute(statement, params)

        rows += bench_insert(setup, vault, plain, gen)
        oplog_rows = vault.conn.execute("SELECT count(*) FROM oplog").fetchone()[0]
        vault.lock()
        plain.close()
        plain = None
        ours_size, plain_size = dir_size(vault_dir), plain_path.stat().st_size
        rows.append(
            Row(
                f"database size on disk (vault.db holds {oplog_rows:,} oplog rows too)",
                f"{ours_size / MIB:,.0f} MiB",
                f"{plain_size / MIB:,.0f} MiB",
                ratio(ours_size, plain_size),
            )
        )

        log("unlocking")
        rows += bench_unlock(setup, vault_dir, plain_path, cache_size)

        vault = Vault.unlock(vault_dir, PASSPHRASE)
        plain = open_plain(plain_path, cache_size)
        log("searching")
        rows += bench_search(setup, vault, plain, gen)
        log("listing")
        rows += bench_list(vault, plain, setup.contacts)
    finally:
        vault.lock()
        if plain is not None:
            plain.close()

    log("machine baselines")
    rows += bench_machine(setup.work, machine_mib)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows.append(Row("peak RSS of this process", f"{peak_kib / 1024:,.0f} MiB"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--notes", type=int, default=100_000, help="meetings with ~1 KB notes")
    parser.add_argument("--batch", type=int, default=10_000, help="meetings per add_many call")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20_260_314)
    parser.add_argument("--machine-mib", type=int, default=64, help="size of the AES/disk runs")
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="1,000 contacts, 10,000 meetings")
    parser.add_argument(
        "--smoke", action="store_true", help="tiny sizes, KDF floor, one unlock: seconds"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.contacts, args.notes = 1_000, 10_000
    if args.smoke:
        args.contacts, args.notes, args.batch, args.queries, args.machine_mib = 40, 80, 40, 8, 1
    if min(args.contacts, args.notes, args.batch, args.queries, args.machine_mib) < 1:
        parser.error("sizes must be positive")

    conn = sqlcipher3.connect(":memory:")
    cipher_sqlite = conn.execute("SELECT sqlite_version()").fetchone()[0]
    conn.close()
    print(
        f"Liaison Desk benchmark: {args.contacts:,} contacts, {args.notes:,} meetings, "
        f"seed {args.seed}\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"SQLCipher's SQLite {cipher_sqlite}, stdlib sqlite3 {sqlite3.sqlite_version}, "
        f"cryptography {cryptography.__version__}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-bench-", dir=args.tmp))
    kdf, unlock_runs = (KdfParams.floor(), 1) if args.smoke else (KdfParams.default(), 3)
    setup = Setup(
        args.contacts, args.notes, args.batch, args.queries, args.seed, work, kdf, unlock_runs
    )
    start = time.perf_counter()
    try:
        rows = run(setup, args.machine_mib)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows, "plain sqlite"))
    print(
        "\nratio = liaison desk / plain sqlite: of rates for inserts (higher is better), "
        f"of times otherwise (lower is better). {time.perf_counter() - start:.0f} s in all."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
