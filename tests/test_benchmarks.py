"""Every benchmark still runs: each script in benchmarks/ with --smoke, in a process of its own.

Nothing here is timed: a smoke run proves that the script measures what the code is today
(an API it calls, a schema it copies, a check it makes) and prints its table of figures
beside the baseline it measured in the same run. A new script in benchmarks/ is picked up
by itself; only the helper modules and the baseline server are not benchmarks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "benchmarks"
# Scripts of benchmarks/ that run but are not benchmarks, and who starts them.
NOT_BENCHMARKS = {"bare_server.py": "relay.py's baseline server"}
SMOKE_TIMEOUT_S = 300


def is_script(path: Path) -> bool:
    return 'if __name__ == "__main__":' in path.read_text(encoding="utf-8")


def benchmarks() -> list[Path]:
    scripts = sorted(p for p in FOLDER.glob("*.py") if is_script(p))
    return [p for p in scripts if p.name not in NOT_BENCHMARKS]


def bench_recipe() -> str:
    """The commands of `make bench`."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    found = re.search(r"^bench:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert found is not None, "the Makefile has no bench target"
    return found.group(1)


def test_the_benchmarks_are_found_and_make_bench_runs_each() -> None:
    found = [p.name for p in benchmarks()]
    assert {"vault.py", "sync.py", "relay.py", "gui.py", "interop.py", "startup.py"} <= set(found)
    for name in NOT_BENCHMARKS:
        assert is_script(FOLDER / name), f"{name} is no longer a script: drop it from the list"
    assert sorted(re.findall(r"benchmarks/(\w+\.py)", bench_recipe())) == sorted(found)


@pytest.mark.parametrize("script", benchmarks(), ids=lambda p: p.name)
def test_a_benchmark_runs_in_smoke_mode_and_prints_its_table(script: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_DESK_")}
    env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    env |= {"XDG_DATA_HOME": str(home / ".local/share"), "QT_QPA_PLATFORM": "offscreen"}

    result = subprocess.run(
        [sys.executable, str(script), "--smoke", "--tmp", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=SMOKE_TIMEOUT_S,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = re.search(
        r"^figure +liaison desk +(.+?) +ratio +target +result\n-[- ]+\n", result.stdout, re.M
    )
    assert table is not None, result.stdout[-3000:]
    rows = result.stdout[table.end() :].split("\n\n", 1)[0].splitlines()
    assert len(rows) >= 3, result.stdout[-3000:]
    assert any(re.search(r" \d[\d,]*\.\d+x ", row) for row in rows), "no ratio to the baseline"
    assert list(tmp_path.iterdir()) == [home], "the work directory was left behind"
