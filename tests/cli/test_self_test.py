"""`liaison-desk self-test` from source: every check passes, and nothing is left behind."""

from __future__ import annotations

import importlib
from pathlib import Path

from liaison_desk.core.errors import LiaisonError
from tests.cli.runner import Desk, clean_env, init_vault, one_sentence, run_cli

# The command object shadows the module's name on liaison_desk.cli.
self_test = importlib.import_module("liaison_desk.cli.self_test")
CHECK_NAMES = [name for name, _ in self_test.CHECKS]


def test_every_check_passes_and_the_temporary_folder_is_removed(tmp_path: Path) -> None:
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = clean_env(HOME=str(home), TMPDIR=str(tmp), QT_QPA_PLATFORM="offscreen")

    result = run_cli("self-test", env=env)

    assert result.code == 0, result
    lines = result.out.splitlines()
    assert [line.split(" (")[0] for line in lines] == [f"ok   {name}" for name in CHECK_NAMES]
    assert "platform offscreen" in lines[-1]
    assert result.err == ""
    assert list(tmp.iterdir()) == []  # vaults, bundles and settings all gone
    assert list(home.iterdir()) == []  # nothing written to the user's folders


def test_a_failure_is_reported_and_the_rest_are_not_run(tmp_path: Path) -> None:
    def broken(bench: object) -> str:
        raise self_test.CheckFailed("the records came back changed")

    def bug(bench: object) -> str:
        raise ValueError("unexpected")

    def fine(bench: object) -> str:
        return "detail"

    def liaison(bench: object) -> str:
        raise LiaisonError("The vault is locked.")

    checks = [("one", fine), ("two", broken), ("three", fine)]
    lines: list[str] = []

    failed = self_test.run_checks(checks, self_test.Bench(tmp_path), lines.append)

    assert failed == 2
    assert lines == [
        "ok   one (detail)",
        "FAIL two: the records came back changed",
        "FAIL three: not run, an earlier check failed",
    ]
    lines.clear()
    assert self_test.run_checks([("bug", bug)], self_test.Bench(tmp_path), lines.append) == 1
    assert self_test.run_checks([("err", liaison)], self_test.Bench(tmp_path), lines.append) == 1
    assert lines == ["FAIL bug: ValueError: unexpected", "FAIL err: The vault is locked."]


def test_startup_timing_marks_each_step_in_order(tmp_path: Path) -> None:
    desk, _ = init_vault(tmp_path / "vault")

    result = desk("self-test", "--startup-timing", QT_QPA_PLATFORM="offscreen")

    assert result.code == 0, result
    marks = [line.split() for line in result.out.splitlines()]
    assert [name for name, _ in marks] == ["main", "dialog", "clicked", "unlocked", "ready"]
    times = [float(at) for _, at in marks]
    assert times == sorted(times)


def test_startup_timing_with_a_wrong_passphrase_says_so(tmp_path: Path) -> None:
    desk, _ = init_vault(tmp_path / "vault")

    result = Desk(desk.vault, "not the passphrase")(
        "self-test", "--startup-timing", QT_QPA_PLATFORM="offscreen"
    )

    assert result.code == 1
    assert one_sentence(result.err) == (
        "Error: The main window did not open: The passphrase is wrong."
    )
