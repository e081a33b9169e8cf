"""Every input that ever broke the bundle reader (fuzz/corpus/) is now accepted or refused, quickly.

The inputs are replayed through the fuzz target itself (fuzz/bundle_reader.py),
so each goes to the layer it was found in. A failure whose cause is a known bug
in a file outside the reader is reported as an expected failure until fixed.
"""

from __future__ import annotations

import importlib.util
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "fuzz" / "bundle_reader.py"
CORPUS = sorted(p for p in (ROOT / "fuzz" / "corpus").glob("*") if p.is_file())
HANG_SECONDS = 5
# (exception, file, function) of bugs outside bundle.py and payload.py, and what they are.
KNOWN_BUGS = {
    ("TypeError", "liaison_desk/sync/ops.py", "_check"): (
        "Op._check looks an op's kind up in BY_NAME before checking it is text"
    ),
}


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bundle_reader", TARGET)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _load().Target(tmp_path_factory.mktemp("fuzz"))


def test_corpus_is_not_empty() -> None:
    assert CORPUS


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_input_is_handled(path: Path, target: Any) -> None:
    started = time.monotonic()
    try:
        outcome = target.check(path.read_bytes())
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        where = (type(exc).__name__, str(Path(frame.filename).relative_to(ROOT)), frame.name)
        if where in KNOWN_BUGS:
            pytest.xfail(KNOWN_BUGS[where])
        raise
    assert time.monotonic() - started < HANG_SECONDS
    assert outcome == "accepted" or "-" in outcome  # a reason code
