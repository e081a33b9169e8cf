"""Fixtures for the end-to-end CLI tests: real vaults in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli import runner
from tests.cli.runner import Desk, init_vault


@pytest.fixture(scope="session", autouse=True)
def _bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Let the CLI subprocesses (tests/cli/runner.py, `run_process`) cache bytecode outside
    the source tree, so each does not compile the whole package again."""
    runner.pycache_dir = tmp_path_factory.mktemp("pycache")


@pytest.fixture
def created(tmp_path: Path) -> tuple[Desk, str]:
    """A fresh vault of its own (for tests that change keys) and its recovery code."""
    return init_vault(tmp_path / "vault")


@pytest.fixture
def desk(created: tuple[Desk, str]) -> Desk:
    return created[0]
