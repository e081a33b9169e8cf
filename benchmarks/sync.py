"""Sync throughput: bundle export, import and merge, beside baselines measured in the same run.

    .venv/bin/python benchmarks/sync.py              # 100,000 ops, 200 MiB of files, 10,000 merged
    .venv/bin/python benchmarks/sync.py --quick      # 10,000 ops, 20 MiB, 1,000 merged
    .venv/bin/python benchmarks/sync.py --smoke      # 200 ops, 4 MiB, 50: what `make test` runs

Every phase runs in a child process (this file, `--child PHASE`), so each one's peak RSS is
its own (read by the parent from wait4). The vaults are real, created with the Argon2id floor
(unlocking is not what this measures), and written through the domain layer; bundles go
through `liaison_desk.sync.exchange` exactly as `liaison-desk sync export/import` does.

1. 100k ops: a station creates 100k contacts (small, realistic fields) and exports them to
   HQ, which imports them. Baseline: the station's own `store.add_many` of the same records,
   i.e. what writing them locally costs (validation, the oplog, search indexing).
2. 200 MiB of attachments (50 files of 4 MiB of random bytes, as photos and scans are
   already compressed): exported by a station, imported at HQ. Baseline: this machine's raw
   pipeline on the same bytes in the same run: zlib level 3 (the bundle's level), AES-256-GCM
   in 64 KiB chunks (the bundle's chunk size), written to a file and fsynced; in a child too,
   so its peak RSS is a baseline for ours.
3. Merge: a station and HQ both hold the same 10k contacts; each edits every one of them
   (the same field, so 10k conflicts, and HQ a second field too), then each imports the
   other's bundle. Baseline: HQ's own `store.update` of those records, in one transaction.

Everything lives in a temporary directory that is deleted at the end. The script always
exits 0: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import cryptography
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity

from corpus import LAST_NAMES, LIAISON_WORDS, PLACES, TAGS, paragraph
from report import Row, log, ratio, table, verdict

PASSPHRASE = "benchmark amber harbor lantern 42"
MIB = 1024 * 1024
FILE_MIB = 4
CHUNK = 64 * 1024  # the bundle's chunk size (liaison_desk.sync.bundle.CHUNK_SIZE)
LEVEL = 3  # the bundle's zlib level (liaison_desk.sync.payload)
IMPORT_TARGET = 20_000  # ops/s
PIPELINE_SHARE = 0.5
RSS_TARGET_MB = 150
_RANKS = ("Colonel", "Commander", "Major", "Captain (N)", "Brigadier General", "Mr", "Ms", "Dr")


# -- children -------------------------------------------------------------------------------


def open_vault(work: Path, name: str) -> Vault:
    return Vault.unlock(work / name, PASSPHRASE)


def new_pair(work: Path, tag: str) -> tuple[Vault, Vault]:
    """An HQ and a station enrolled with each other: `hq-<tag>` and `station-<tag>`."""
    floor = KdfParams.floor()
    hq, _ = Vault.create(work / f"hq-{tag}", PASSPHRASE, name="HQ", role="hq", kdf=floor)
    station, _ = Vault.create(work / f"station-{tag}", PASSPHRASE, name="Paris", kdf=floor)
    request = enrol.write_request(load_identity(station.conn), station.clock)
    _, approval = enrol.approve(hq, request)
    enrol.accept(station, approval)
    return hq, station


def simple_contacts(count: int, seed: int) -> Iterator[Contact]:
    """Contacts with a name, a rank and one line of notes: the simplest creations."""
    rng = random.Random(seed)
    for i in range(count):
        yield Contact(
            full_name=f"{rng.choice(LAST_NAMES)} {i}",
            rank=rng.choice(_RANKS),
            notes="Met at the national day reception.",
        )


def contacts(count: int, seed: int) -> Iterator[Contact]:
    """Contacts as officers keep them: position, country, languages, a paragraph of notes."""
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choices(LIAISON_WORDS, k=rng.randint(6, 14))).capitalize() + "."

    for i in range(count):
        yield Contact(
            full_name=f"{rng.choice(LAST_NAMES)} {i}",
            rank=rng.choice(_RANKS),
            position=f"Liaison officer, {rng.choice(PLACES)}",
            country=rng.choice(("FR", "DE", "JP", "KE", "BR", "IN")),
            languages=tuple(rng.sample(("en", "fr", "de", "ja", "sw", "pt"), 2)),
            notes=paragraph(sentence, rng.randint(100, 400)),
            tags=(rng.choice(TAGS),),
        )


def file_bytes(index: int, seed: int) -> bytes:
    return random.Random(seed * 1000 + index).randbytes(FILE_MIB * MIB)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def add_in_batches(vault: Vault, records: Iterator[Any], total: int, batch: int) -> float:
    seconds = 0.0
    done = 0
    while done < total:
        chunk = [next(records) for _ in range(min(batch, total - done))]
        start = time.perf_counter()
        vault.store.add_many(chunk)
        seconds += time.perf_counter() - start
        done += len(chunk)
    return seconds


def child_ops_setup(work: Path, n: int, seed: int, profile: str) -> dict[str, Any]:
    hq, station = new_pair(work, profile)
    hq.lock()
    records = simple_contacts(n, seed) if profile == "simple" else contacts(n, seed)
    seconds = add_in_batches(station, records, n, 10_000)
    station.lock()
    return {"add_seconds": seconds}


def export_to_hq(work: Path, tag: str) -> dict[str, Any]:
    station = open_vault(work, f"station-{tag}")
    hq_fp = station.conn.execute("SELECT fingerprint FROM peers WHERE role = 'hq'").fetchone()[0]
    out = work / f"bundles-{tag}"
    out.mkdir(exist_ok=True)
    seconds, result = timed(lambda: export_bundle(station, hq_fp, out))
    station.lock()
    return {"seconds": seconds, "ops": result.ops, "bytes": result.size, "path": str(result.path)}


def import_at(work: Path, name: str, path: str) -> dict[str, Any]:
    vault = open_vault(work, name)
    seconds, result = timed(lambda: import_bundle(vault, Path(path)))
    vault.lock()
    return {"seconds": seconds, "applied": result.applied, "conflicts": result.conflicts}


def child_blob_setup(work: Path, mib: int, seed: int) -> dict[str, Any]:
    hq, station = new_pair(work, "blob")
    hq.lock()
    owner = station.store.add(Contact(full_name="Owner of the scans"))
    for i in range(mib // FILE_MIB):
        station.store.add(
            Attachment(
                owner_id=owner.id, name=f"scan-{i}.jpg", mime="image/jpeg", data=file_bytes(i, seed)
            )
        )
    station.lock()
    return {}


def child_pipeline(work: Path, mib: int, seed: int) -> dict[str, Any]:
    """zlib + AES-256-GCM in bundle-sized chunks + write + fsync, on the attachments' bytes."""
    aead = AESGCM(bytes(range(32)))
    compressor = zlib.compressobj(LEVEL)
    pending = bytearray()
    index = 0
    seconds = 0.0
    path = work / "pipeline.bin"
    with open(path, "wb") as out:

        def seal(last: bool) -> None:
            nonlocal index
            while len(pending) >= CHUNK or (last and pending):
                piece = bytes(pending[:CHUNK])
                del pending[:CHUNK]
                out.write(aead.encrypt(index.to_bytes(12, "big"), piece, None))
                index += 1

        for i in range(mib // FILE_MIB):
            data = file_bytes(i, seed)  # not timed: the vault holds these already
            start = time.perf_counter()
            for at in range(0, len(data), MIB):
                pending.extend(compressor.compress(data[at : at + MIB]))
                seal(False)
            seconds += time.perf_counter() - start
        start = time.perf_counter()
        pending.extend(compressor.flush())
        seal(True)
        out.flush()
        os.fsync(out.fileno())
        seconds += time.perf_counter() - start
    path.unlink()
    return {"seconds": seconds}


def child_merge_setup(work: Path, n: int, seed: int) -> dict[str, Any]:
    hq, station = new_pair(work, "merge")
    out = work / "bundles-merge"
    out.mkdir()
    hq_fp, station_fp = load_identity(hq.conn).fingerprint, load_identity(station.conn).fingerprint
    add_in_batches(station, contacts(n, seed), n, 10_000)
    import_bundle(hq, export_bundle(station, hq_fp, out).path)
    import_bundle(station, export_bundle(hq, station_fp, out).path)
    ids = [r for (r,) in station.conn.execute("SELECT id FROM contacts ORDER BY n")]
    with station.store.transaction():
        for i, record_id in enumerate(ids):
            station.store.update(Contact, record_id, {"notes": f"Paris's note {i}"})

    def edit_at_hq() -> None:
        with hq.store.transaction():
            for i, record_id in enumerate(ids):
                changes = {"notes": f"HQ's note {i}"}
                if i % 2:
                    changes["position"] = f"Defence attaché {i}"
                hq.store.update(Contact, record_id, changes)

    seconds, _ = timed(edit_at_hq)
    to_hq = export_bundle(station, hq_fp, out).path
    to_station = export_bundle(hq, station_fp, out).path
    hq.lock()
    station.lock()
    return {"edit_seconds": seconds, "to_hq": str(to_hq), "to_station": str(to_station)}


def child(phase: str, work: Path, args: list[str]) -> dict[str, Any]:
    size, seed = int(args[0]), int(args[1])
    if phase == "ops-setup":
        return child_ops_setup(work, size, seed, args[2])
    if phase == "blob-setup":
        return child_blob_setup(work, size, seed)
    if phase == "pipeline":
        return child_pipeline(work, size, seed)
    if phase == "merge-setup":
        return child_merge_setup(work, size, seed)
    raise SystemExit(f"unknown phase {phase}")


def run_child(work: Path, phase: str, *args: str) -> tuple[dict[str, Any], float]:
    """Run one phase in a child; its printed result and its peak RSS in MiB."""
    log(phase)
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", phase, str(work), *args], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    proc.stdout.close()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the {phase} child failed")
    return json.loads(output), usage.ru_maxrss / 1024


# -- the figures ----------------------------------------------------------------------------


def rate(count: float, seconds: float, unit: str) -> str:
    return f"{count / seconds:,.0f} {unit}"


def bench_ops(work: Path, n: int, seed: int, profile: str) -> list[Row]:
    setup, _ = run_child(work, "ops-setup", str(n), str(seed), profile)
    exported, export_rss = run_child(work, "export", profile)
    imported, import_rss = run_child(work, "import", f"hq-{profile}", exported["path"])
    assert exported["ops"] == imported["applied"] == n
    local = n / setup["add_seconds"]
    export_rate = n / exported["seconds"]
    import_rate = n / imported["seconds"]
    what = "simple new contacts" if profile == "simple" else "new contacts with notes"
    target = profile == "simple"
    return [
        Row(
            f"export {n:,} ops ({what}), {exported['bytes'] / MIB:,.1f} MiB bundle",
            rate(n, exported["seconds"], "ops/s"),
            f"{local:,.0f} rows/s",
            ratio(export_rate, local),
        ),
        Row(
            f"import {n:,} ops ({what}) at HQ",
            rate(n, imported["seconds"], "ops/s"),
            f"{local:,.0f} rows/s",
            ratio(import_rate, local),
            f">= {IMPORT_TARGET:,} ops/s" if target else "-",
            verdict(import_rate >= IMPORT_TARGET) if target else "info",
        ),
        Row("  peak RSS, export / import child", f"{export_rss:,.0f} / {import_rss:,.0f} MiB"),
    ]


def bench_blobs(work: Path, mib: int, seed: int) -> list[Row]:
    run_child(work, "blob-setup", str(mib), str(seed))
    exported, export_rss = run_child(work, "export", "blob")
    imported, import_rss = run_child(work, "import", "hq-blob", exported["path"])
    raw, raw_rss = run_child(work, "pipeline", str(mib), str(seed))
    raw_rate = mib / raw["seconds"]
    rows = []
    for label, seconds, rss in (
        (
            f"export {mib} MiB of attachments ({mib // FILE_MIB} files)",
            exported["seconds"],
            export_rss,
        ),
        (f"import {mib} MiB of attachments", imported["seconds"], import_rss),
    ):
        share = (mib / seconds) / raw_rate
        rows.append(
            Row(
                label,
                rate(mib, seconds, "MiB/s"),
                f"{raw_rate:,.0f} MiB/s",
                f"{share:.2f}x",
                f">= {PIPELINE_SHARE}x",
                verdict(share >= PIPELINE_SHARE),
            )
        )
        rows.append(
            Row(
                "  peak RSS of that child",
                f"{rss:,.0f} MiB",
                f"{raw_rss:,.0f} MiB",
                ratio(rss, raw_rss),
                f"< {RSS_TARGET_MB} MB",
                verdict(rss * MIB < RSS_TARGET_MB * 1_000_000),
            )
        )
    return rows


def bench_merge(work: Path, n: int, seed: int) -> list[Row]:
    setup, _ = run_child(work, "merge-setup", str(n), str(seed))
    local = n / setup["edit_seconds"]
    rows = []
    for label, name, path in (
        ("HQ", "hq-merge", setup["to_hq"]),
        ("the station", "station-merge", setup["to_station"]),
    ):
        merged, rss = run_child(work, "import", name, path)
        rows.append(
            Row(
                f"merge at {label}: {n:,} records edited on both sides, "
                f"{merged['conflicts']:,} conflicts found",
                rate(n, merged["seconds"], "records/s"),
                f"{local:,.0f} records/s",
                ratio(n / merged["seconds"], local),
            )
        )
        rows.append(Row("  peak RSS of that child", f"{rss:,.0f} MiB"))
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=100_000, help="ops in the first bundle")
    parser.add_argument("--mib", type=int, default=200, help="MiB of attachments")
    parser.add_argument("--merge", type=int, default=10_000, help="records edited on both sides")
    parser.add_argument("--seed", type=int, default=20_260_314)
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument("--quick", action="store_true", help="10,000 ops, 20 MiB, 1,000 records")
    parser.add_argument("--smoke", action="store_true", help="200 ops, 4 MiB, 50 records: seconds")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        phase, work, *rest = args.child
        if phase == "export":
            result = export_to_hq(Path(work), rest[0])
        elif phase == "import":
            result = import_at(Path(work), rest[0], rest[1])
        else:
            result = child(phase, Path(work), rest)
        print(json.dumps(result), flush=True)
        return 0
    if args.quick:
        args.ops, args.mib, args.merge = 10_000, 20, 1_000
    if args.smoke:
        args.ops, args.mib, args.merge = 200, FILE_MIB, 50
    if min(args.ops, args.mib // FILE_MIB, args.merge) < 1:
        parser.error(f"sizes must be positive (and at least {FILE_MIB} MiB of attachments)")

    print(
        f"Liaison Desk sync benchmark: {args.ops:,} ops, {args.mib} MiB of attachments, "
        f"{args.merge:,} records merged, seed {args.seed}\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"cryptography {cryptography.__version__}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-sync-bench-", dir=args.tmp))
    start = time.perf_counter()
    try:
        rows = bench_ops(work, args.ops, args.seed, "simple")
        rows += bench_ops(work, args.ops, args.seed, "notes")
        rows += bench_blobs(work, args.mib, args.seed)
        rows += bench_merge(work, args.merge, args.seed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(Row("peak RSS of this (parent) process", f"{peak:,.0f} MiB"))
    print()
    print(table(rows, "baseline"), flush=True)
    print(
        "\nBaselines, measured in this run: local add_many of the same records (ops), the raw "
        "zlib + AES-256-GCM + write + fsync pipeline (attachments), local store.update of the "
        f"same records (merge). {time.perf_counter() - start:.0f} s in all."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
