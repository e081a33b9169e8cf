"""Every input that ever broke the bundle reader (fuzz/corpus/) is now accepted or refused, quickly.

The inputs are replayed through the fuzz target itself (fuzz/bundle_reader.py),
so each goes to the layer it was found in. A failure whose cause is a known bug
in a file outside the reader is reported as an expected failure until fixed.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "fuzz" / "bundle_reader.py"
CORPUS = sorted(p for p in (ROOT / "fuzz" / "corpus").glob("*") if p.is_file())
HANG_SECONDS = 5


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
    outcome = target.check(path.read_bytes())
    assert time.monotonic() - started < HANG_SECONDS
    assert outcome == "accepted" or "-" in outcome  # a reason code
