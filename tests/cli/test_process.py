"""What only a real process shows, and proof that the in-process runner shows the same.

Every other CLI test runs the command in the pytest process (tests/cli/runner.py). Here
the installed console script runs as a shell would start it: through `main()`, with no
terminal, its exit code as the shell sees it, its settings from the environment; and
where the same command also runs in-process, both must print and exit alike.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from liaison_desk.cli.context import AppContext
from tests.cli.runner import (
    FAST_KDF,
    PASSPHRASE,
    Desk,
    Result,
    clean_env,
    executable,
    init_vault,
    one_sentence,
    run_cli,
    run_in_process,
    run_process,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    desk, _ = init_vault(tmp_path_factory.mktemp("process") / "vault")
    desk.ok("contact", "add", "--name", "Hélène Girard", "--country", "FR")
    return desk


def both_ways(*args: str | Path, **extra: str) -> Result:
    """The command as a process; the in-process run of it must give the very same result."""
    env = clean_env(**extra)
    words = [str(a) for a in args]
    as_process = run_process(*words, env=env)
    assert run_in_process(words, env) == as_process
    return as_process


def test_the_console_script_runs_main() -> None:
    result = both_ways("--version")

    assert result.code == 0
    assert re.fullmatch(r"liaison-desk, version \d+\.\d+\.\d+\S*\n", result.out)
    assert result.err == ""


def test_the_environment_names_the_vault_and_gives_the_passphrase(shared: Desk) -> None:
    result = both_ways(
        "contact",
        "list",
        "--json",
        LIAISON_DESK_VAULT=str(shared.vault),
        LIAISON_DESK_PASSPHRASE=PASSPHRASE,
    )

    assert result.code == 0, result
    assert [c["full_name"] for c in result.json()] == ["Hélène Girard"]
    assert result.err == ""


def test_a_wrong_passphrase_exits_2_with_one_sentence(shared: Desk) -> None:
    result = both_ways(
        "--vault", shared.vault, "unlock-check", LIAISON_DESK_PASSPHRASE="not the passphrase"
    )

    assert result.code == 2
    assert one_sentence(result.err) == "Error: The passphrase is wrong."
    assert result.out == ""


def test_a_damaged_vault_exits_1_with_one_sentence_and_no_traceback(tmp_path: Path) -> None:
    desk, _ = init_vault(tmp_path / "vault")
    (desk.vault / "keys.json").write_text("{", encoding="utf-8")

    result = both_ways("--vault", desk.vault, "contact", "list", LIAISON_DESK_PASSPHRASE=PASSPHRASE)

    assert result.code == 1
    assert "Traceback" not in result.err
    one_sentence(result.err)
    assert result.out == ""


def test_a_usage_error_exits_2_with_the_usage_on_stderr() -> None:
    result = both_ways("contact", "frobnicate")

    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("Usage: liaison-desk contact ")
    assert result.err.rstrip().endswith("Error: No such command 'frobnicate'.")


def test_with_stdin_at_dev_null_init_says_how_to_give_the_passphrase(tmp_path: Path) -> None:
    result = both_ways("--vault", tmp_path / "vault", "init", "--name", "Rome DAO", *FAST_KDF)

    assert result.code == 1
    sentence = one_sentence(result.err)
    assert "LIAISON_DESK_PASSPHRASE" in sentence and "--passphrase-file" in sentence
    assert not (tmp_path / "vault").exists()


def test_without_a_terminal_the_cli_never_waits_on_a_prompt(shared: Desk) -> None:
    # stdin is a pipe held open that never sends a byte (no EOF either): a prompt would block.
    with subprocess.Popen(
        [executable(), "--vault", str(shared.vault), "unlock-check"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    ) as proc:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("unlock-check waited on a prompt with no terminal attached")
        assert proc.stderr is not None
        err = proc.stderr.read()
    assert proc.returncode != 0
    assert "LIAISON_DESK_PASSPHRASE" in err


# -- the in-process runner ------------------------------------------------------------------


def test_in_process_a_bug_fails_the_test_instead_of_exiting_1(
    shared: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: AppContext) -> None:
        raise RuntimeError("a bug, not a sentence")

    monkeypatch.setattr(AppContext, "open_vault", broken)

    with pytest.raises(RuntimeError, match="a bug, not a sentence"):
        shared("contact", "list")


def test_in_process_the_command_sees_only_the_environment_it_is_given(
    shared: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LIAISON_DESK_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("LIAISON_DESK_VAULT", str(shared.vault))
    monkeypatch.setenv("TZ", "Asia/Tokyo")

    no_secret = run_cli("unlock-check", env=clean_env(XDG_DATA_HOME=str(tmp_path)))
    assert no_secret.code == 1
    assert "No terminal to ask for the passphrase" in one_sentence(no_secret.err)

    default_vault = clean_env(XDG_DATA_HOME=str(tmp_path), LIAISON_DESK_PASSPHRASE=PASSPHRASE)
    no_vault = run_cli("unlock-check", env=default_vault)  # the user data folder, empty here
    assert no_vault.code == 1
    assert "no vault" in one_sentence(no_vault.err)

    shared.ok("meeting", "add", "--title", "Noon talks", "--when", "2026-03-14T12:00")
    [meeting] = shared.json("meeting", "list")
    assert meeting["starts_at"].startswith("2026-03-14T12:00")  # TZ=UTC, not Tokyo
