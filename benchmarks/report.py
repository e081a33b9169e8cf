"""Measuring and reporting helpers shared by the benchmark scripts and their helper modules.

Nothing here imports liaison_desk or Qt at module level: gui.py's child processes time their
own imports, so whatever this module needs from the application it imports when called.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Row:
    """One line of the final table: a figure, ours beside its baseline, and how it fares."""

    figure: str
    ours: str
    base: str = "-"
    ratio: str = "-"
    target: str = "-"
    verdict: str = "info"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if abs(seconds) < 0.1 else f"{seconds * 1000:,.0f} ms"


def ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}x" if base > 0 else "-"


def verdict(ok: bool) -> str:
    """A target's result: reported, never fatal (timings vary from machine to machine)."""
    return "PASS" if ok else "MISS"


FAILED = "FAILED"


def check(ok: bool) -> str:
    """A check's result: behaviour, not timing; a FAILED row makes the script exit 1."""
    return "ok" if ok else FAILED


def failed_checks(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.verdict == FAILED]


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def dir_size(path: Path) -> int:
    """Bytes in the files directly inside `path` (a vault: vault.db, its WAL, the key file)."""
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def wrap_kdf(into: list[float]) -> Callable[[], None]:
    """Time every KdfParams.derive call from now on (any thread); returns what undoes it."""
    from liaison_desk.core.keyslots import KdfParams

    original = KdfParams.derive

    def derive(self: KdfParams, secret: bytes, salt: bytes) -> bytes:
        start = time.perf_counter()
        try:
            return original(self, secret, salt)
        finally:
            into.append(time.perf_counter() - start)

    def restore() -> None:
        KdfParams.derive = original  # type: ignore[method-assign]

    KdfParams.derive = derive  # type: ignore[method-assign]
    return restore


def table(rows: Sequence[Row], baseline: str) -> str:
    """The rows as a plain-text table; `baseline` heads the column of Row.base."""
    header = Row("figure", "liaison desk", baseline, "ratio", "target", "result")
    cols: list[Callable[[Row], str]] = [
        lambda r: r.figure,
        lambda r: r.ours,
        lambda r: r.base,
        lambda r: r.ratio,
        lambda r: r.target,
        lambda r: r.verdict,
    ]
    widths = [max(len(c(r)) for r in (header, *rows)) for c in cols]
    lines = []
    for i, r in enumerate((header, *rows)):
        cells = [c(r) for c in cols]
        lines.append(
            "  ".join(
                cell.ljust(w) if j == 0 else cell.rjust(w)
                for j, (cell, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
