"""Start-up of the packaged build beside running from source, and the build's size on disk.

    .venv/bin/python benchmarks/startup.py            # builds dist/liaison-desk first if missing
    .venv/bin/python benchmarks/startup.py --runs 3
    .venv/bin/python benchmarks/startup.py --smoke    # one run, no build: what `make test` runs

Both sides start the same way, through `liaison-desk self-test --startup-timing` on a demo
vault (`create_demo_vault`, KdfParams.floor()): the Launcher `liaison-desk` uses shows the unlock
dialog, the passphrase is typed into it and Unlock clicked, and the main window is shown until
the Contacts list holds its first page. Frozen: dist/liaison-desk/liaison-desk. From source: the
console script in .venv (the interpreter, the editable install, __pycache__ warm). The clock
starts just before the spawn; "dialog" and "ready" are when the parent reads those lines. The
child's own monotonic stamps split the time into phases. Qt runs offscreen. One discarded
launch of each warms the disk cache; then the two alternate. Argon2id at the floor is inside
both figures (same cost on both sides) and shown apart.

Size: the one-folder build's bytes on disk (du), what dominates it by component, the largest
files, and the archives if `make package` wrote them. The target: below the 194 MB that a bare
one-folder build of PySide6-Essentials, sqlcipher3 and cryptography measured.

--smoke checks that the measuring still works, in seconds: one run, and the source console
script stands in for the frozen build (building takes minutes), so both columns measure the
same program; the size rows are measured only if a build is already there.

Everything lives in a temporary directory that is deleted at the end. The script always exits
0 once it has figures: it reports, it does not gate.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gui_child import WAIT_S, read_lines, reap
from report import Row, log, ms, ratio, table, verdict

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "dist" / "liaison-desk"
FROZEN = FOLDER / "liaison-desk"
SOURCE = Path(sys.executable).with_name("liaison-desk")  # the venv's console script
SIZE_TARGET_MB = 194
MARKS = ("main", "dialog", "clicked", "unlocked", "ready")

# What a file of the build belongs to, by the first matching piece of its path.
COMPONENTS = (
    ("libicu", "ICU (Unicode data QtCore links)"),
    ("PySide6/Qt/lib/libQt6", "Qt libraries"),
    ("PySide6/Qt/plugins", "Qt plugins"),
    ("PySide6/", "PySide6 bindings"),
    ("shiboken6/", "PySide6 bindings"),
    ("cryptography", "cryptography (Rust, OpenSSL inside)"),
    ("sqlcipher3", "sqlcipher3 (SQLCipher, OpenSSL inside)"),
    ("libpython", "Python runtime"),
    ("python3.", "Python runtime"),
    ("base_library.zip", "Python runtime"),
    ("libcrypto", "OpenSSL for Python's hashlib/ssl"),
    ("libssl", "OpenSSL for Python's hashlib/ssl"),
    ("_internal/lib", "other shared libraries"),
)


@dataclass
class Start:
    dialog: float  # spawn to reading "dialog"
    ready: float  # spawn to reading "ready"
    stamps: dict[str, float]  # the child's marks, relative to the spawn
    rss_kib: int


def start_once(command: Sequence[str], err_path: Path, env: dict[str, str]) -> Start:
    """One launch; the clock starts just before the spawn (gui_child's reading and reaping)."""
    with err_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, bufsize=0, env=env)
        try:
            lines = read_lines(proc, WAIT_S)
        except BaseException:
            proc.kill()
            raise
        finally:
            assert proc.stdout is not None
            proc.stdout.close()
            code, rss = reap(proc, WAIT_S)
    seen = {text.split()[0]: at - start for at, text in lines if text}
    stamps = {
        name: float(value) - start
        for name, value in (text.split() for _, text in lines if text)
        if name in MARKS
    }
    if code != 0 or set(stamps) != set(MARKS):
        tail = err_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited {code}:\n{tail}")
    return Start(seen["dialog"], seen["ready"], stamps, rss)


def bench_start(work: Path, runs: int, frozen: Path) -> list[Row]:
    from liaison_desk.core.demo import create_demo_vault
    from liaison_desk.core.keyslots import KdfParams

    log("creating the demo vault")
    vault, passphrase = create_demo_vault(work / "demo")
    vault.lock()
    secret = work / "passphrase.txt"
    secret.touch(mode=0o600)
    secret.write_text(passphrase)
    args = ["--vault", str(work / "demo"), "--passphrase-file", str(secret)]
    args += ["self-test", "--startup-timing"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_DESK_")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    sides = {"frozen": [str(frozen), *args], "source": [str(SOURCE), *args]}

    log("one discarded launch of each (disk cache)")
    first = {side: start_once(cmd, work / f"{side}.err", env) for side, cmd in sides.items()}
    starts: dict[str, list[Start]] = {side: [] for side in sides}
    for i in range(runs):
        order = list(sides) if i % 2 == 0 else list(reversed(sides))
        for side in order:
            starts[side].append(start_once(sides[side], work / f"{side}.err", env))
        f, s = starts["frozen"][-1], starts["source"][-1]
        log(
            f"  launch {i + 1}: frozen {ms(f.dialog)} / {ms(f.ready)}, "
            f"source {ms(s.dialog)} / {ms(s.ready)} (dialog / main window)"
        )

    floor = KdfParams.floor()
    derive = []
    for _ in range(5):
        started = time.perf_counter()
        floor.derive(b"benchmark", b"0123456789abcdef")
        derive.append(time.perf_counter() - started)

    def median(side: str, attr: str) -> float:
        return statistics.median(float(getattr(x, attr)) for x in starts[side])

    def phase(side: str, begin: str, end: str) -> float:
        return statistics.median(
            x.stamps[end] - (x.stamps[begin] if begin else 0.0) for x in starts[side]
        )

    def pair(label: str, f: float, s: float, gate: bool = False) -> Row:
        if gate:
            return Row(label, ms(f), ms(s), ratio(f, s), "<= source", verdict(f <= s))
        return Row(label, ms(f), ms(s), ratio(f, s))

    rows = [
        pair(
            f"start to the unlock dialog (demo vault), median of {runs}",
            median("frozen", "dialog"),
            median("source", "dialog"),
            gate=True,
        ),
        pair(
            "start to the unlocked main window (Contacts listed)",
            median("frozen", "ready"),
            median("source", "ready"),
            gate=True,
        ),
        Row(
            f"   Argon2id inside it (floor: {floor.memory_kib // 1024} MiB, "
            f"t={floor.iterations}), measured here",
            ms(statistics.median(derive)),
        ),
    ]
    for label, begin, end in (
        ("   phase: process start, interpreter, CLI imports", "", "main"),
        ("   phase: Qt and UI imports, QApplication, unlock dialog", "main", "dialog"),
        ("   phase: Unlock clicked to unlocked (Argon2id, SQLCipher)", "clicked", "unlocked"),
        ("   phase: main window built and shown, first page of contacts", "unlocked", "ready"),
    ):
        rows.append(pair(label, phase("frozen", begin, end), phase("source", begin, end)))
    rows += [
        pair(
            "   first launch, discarded (cold disk cache): main window",
            first["frozen"].ready,
            first["source"].ready,
        ),
        Row(
            "   peak RSS (largest launch)",
            f"{max(x.rss_kib for x in starts['frozen']) / 1024:,.0f} MiB",
            f"{max(x.rss_kib for x in starts['source']) / 1024:,.0f} MiB",
        ),
    ]
    return rows


# -- size -------------------------------------------------------------------------------------


def disk_usage(path: Path) -> int:
    """Bytes on disk, as `du -s` counts them (blocks, symlinks not followed)."""
    out = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) * 1024


def component(relative: str) -> str:
    """Which part of the build a file (path relative to the folder) belongs to."""
    if relative == FROZEN.name:
        return "the executable (bootloader + every .py, compiled)"
    return next((name for key, name in COMPONENTS if key in relative), "other")


def bench_size() -> tuple[list[Row], list[str]]:
    files = [p for p in FOLDER.rglob("*") if p.is_file() and not p.is_symlink()]
    sizes = {p: p.stat().st_size for p in files}
    total = disk_usage(FOLDER)
    by_component: dict[str, int] = {}
    for path, size in sizes.items():
        name = component(path.relative_to(FOLDER).as_posix())
        by_component[name] = by_component.get(name, 0) + size
    rows = [
        Row(
            f"build size on disk (du -s dist/liaison-desk, {len(files):,} files)",
            f"{total / 1e6:,.1f} MB",
            "-",
            "-",
            f"< {SIZE_TARGET_MB} MB",
            verdict(total / 1e6 < SIZE_TARGET_MB),
        )
    ]
    for name, size in sorted(by_component.items(), key=lambda kv: -kv[1]):
        rows.append(Row(f"   {name}", f"{size / 1e6:,.1f} MB", "-", f"{size / total:.0%}"))
    for archive in sorted(FOLDER.parent.glob("liaison-desk*.tar.gz")) + sorted(
        FOLDER.parent.glob("liaison-desk*.deb")
    ):
        rows.append(Row(f"archive: {archive.name}", f"{archive.stat().st_size / 1e6:,.1f} MB"))
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:12]
    lines = [f"{size / 1e6:8.1f} MB  {p.relative_to(FOLDER.parent)}" for p, size in largest]
    return rows, lines


def ensure_build(rebuild: bool) -> None:
    if FROZEN.exists() and not rebuild:
        return
    log("no frozen build at dist/liaison-desk: running `make package` (about a minute or two)")
    subprocess.run(["make", "-C", str(ROOT), "package"], check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="launches of each, after one warm-up")
    parser.add_argument("--rebuild", action="store_true", help="run `make package` first")
    parser.add_argument("--tmp", type=Path, default=None, help="parent of the work directory")
    parser.add_argument(
        "--smoke", action="store_true", help="one run; the source script stands in for the build"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.runs = 1
    if args.runs < 1:
        parser.error("--runs must be positive")
    if not args.smoke:
        ensure_build(args.rebuild)
    built = (FOLDER / "BUILD-INFO.txt").exists()
    info = (FOLDER / "BUILD-INFO.txt").read_text().splitlines()[:2] if built else ["none"]
    stand_in = "; smoke: the source script stands in for the frozen build" if args.smoke else ""
    print(
        f"Liaison Desk start-up and size: frozen build vs. source, {args.runs} runs{stand_in}\n"
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"QT_QPA_PLATFORM=offscreen; measured build: {' / '.join(info)}",
        flush=True,
    )
    work = Path(tempfile.mkdtemp(prefix="liaison-startup-bench-", dir=args.tmp))
    begin = time.perf_counter()
    try:
        rows = bench_start(work, args.runs, SOURCE if args.smoke else FROZEN)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if built:
        size_rows, largest = bench_size()
    else:
        size_rows, largest = [Row("build size: no build at dist/liaison-desk", "-")], ["none"]
    print()
    print(table(rows + size_rows, "from source"))
    print("\nlargest files of the build:")
    print("\n".join(largest))
    print(
        "\nfrozen = dist/liaison-desk/liaison-desk; from source = .venv/bin/liaison-desk; "
        "ratio = frozen / source\n(for size rows: the share of the build). "
        f"{time.perf_counter() - begin:.0f} s in all."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
