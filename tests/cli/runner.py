"""Run `liaison-desk` as a user or a script would: in this process, or as a real process.

`run_cli` drives the click command in this process with click's `CliRunner`, through
the same error handling as the console script (`liaison_desk.cli.errors.run`), so a
test still sees the exit code and the one sentence on stderr a user would. The
command sees only the environment it is given (no LIAISON_DESK_* of ours, TZ=UTC),
stdin is empty and not a terminal, stdout and stderr are kept apart, and an
unexpected exception fails the test with its traceback instead of becoming exit 1.

A few commands get a process of their own (`NEEDS_A_PROCESS`); `run_process` starts
the installed console script for them and for the tests about what only a process
shows (no terminal, exit codes as the shell sees them, the environment, `main()`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import click
from click.testing import CliRunner

from liaison_desk.cli import cli
from liaison_desk.cli.errors import run

PASSPHRASE = "saffron lighthouse quarry mosaic"
FAST_KDF = ("--kdf-memory", "64", "--kdf-iterations", "1")
TIMEOUT = 60
RECOVERY_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){7}\b")  # Crockford
PROTOCOL_DIR = Path(__file__).resolve().parents[2] / "resources" / "protocol"
PROG_NAME = "liaison-desk"

NEEDS_A_PROCESS = frozenset(
    {("gui",), ("report",), ("brief",), ("meeting", "seating"), ("self-test",), ("relay", "serve")}
)
"""Commands that would change this process for good if run in it: the GUI, `report`, `brief`
and `meeting seating` (their PDFs are drawn by a Qt application made for the purpose, which
would stand in for the QApplication the Qt tests need) and `self-test` (Qt, QT_QPA_PLATFORM
set in os.environ, temporary folders under a TMPDIR that `tempfile` reads once); `relay
serve` configures the root logger and serves until killed."""

_GLOBAL_OPTIONS_WITH_A_VALUE = frozenset({"--vault", "--passphrase-file"})

# Where the subprocesses may cache their bytecode (set once per session by conftest.py);
# without it, every call would compile the whole package again.
pycache_dir: Path | None = None


def executable() -> str:
    """The console script installed next to this interpreter (the venv's), else on PATH."""
    beside = Path(sys.executable).parent / "liaison-desk"
    if beside.exists():
        return str(beside)
    found = shutil.which("liaison-desk")
    if found is None:
        raise RuntimeError("the liaison-desk console script is not installed")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any LIAISON_DESK_* setting, in UTC, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIAISON_DESK_")}
    env["TZ"] = "UTC"
    if pycache_dir is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(pycache_dir)
    env.update(extra)
    return env


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout ---\n{self.out}\n--- stderr ---\n{self.err}"


def command_path(args: Sequence[str]) -> tuple[str, ...]:
    """The command and subcommand named in `args`, past the root's own options."""
    words: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GLOBAL_OPTIONS_WITH_A_VALUE:
            skip = True
        elif not arg.startswith("-"):
            words.append(arg)
            if len(words) == 2:
                break
    return tuple(words)


def needs_a_process(args: Sequence[str]) -> bool:
    path = command_path(args)
    return any(path[: len(command)] == command for command in NEEDS_A_PROCESS)


def run_cli(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    stdin: str | None = None,
) -> Result:
    """`liaison-desk ARGS` with exactly the environment `env` (default: `clean_env()`);
    `stdin`, if given, is what the command reads on standard input (in this process)."""
    words = [str(a) for a in args]
    environment = dict(env) if env is not None else clean_env()
    if needs_a_process(words):
        assert stdin is None, "run_process gives its commands no standard input"
        return run_process(*words, env=environment, timeout=timeout)
    return run_in_process(words, environment, stdin)


def run_process(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Result:
    """The installed console script in a subprocess: no terminal (stdin is /dev/null), and a
    timeout, so a command that waited on a prompt would fail the test instead of hanging."""
    proc = subprocess.run(
        [executable(), *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(env) if env is not None else clean_env(),
        timeout=timeout,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


class _ConsoleScript:
    """What `liaison_desk.cli.main` runs, with the arguments given instead of `sys.argv`."""

    name = PROG_NAME

    def main(self, args: Sequence[str], prog_name: str, **extra: Any) -> None:
        def command(**options: Any) -> object:
            return cli.main(args=list(args), prog_name=prog_name, **extra, **options)

        with _last_resort_log():
            run(command)


def run_in_process(args: Sequence[str], env: Mapping[str, str], stdin: str | None = None) -> Result:
    """One command in this process; whatever it changes of the process is put back after."""
    runner = CliRunner(catch_exceptions=False)
    with _environment(env), _left_as_it_was(args):
        result = runner.invoke(cast(click.Command, _ConsoleScript()), list(args), input=stdin)
    return Result(result.exit_code, result.stdout, result.stderr)


def _qt_application() -> object | None:
    qtcore = sys.modules.get("PySide6.QtCore")
    return None if qtcore is None else qtcore.QCoreApplication.instance()


@contextmanager
def _left_as_it_was(args: Sequence[str]) -> Iterator[None]:
    """Fail a command that changed what it cannot put back: it needs NEEDS_A_PROCESS."""
    had_qt = _qt_application() is not None
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        changed_logging = root.handlers != handlers or root.level != level
        root.handlers[:] = handlers
        root.setLevel(level)
    made_qt = not had_qt and _qt_application() is not None
    assert not (changed_logging or made_qt), (
        f"`liaison-desk {' '.join(args)}` set up {'Qt' if made_qt else 'logging'} for the "
        "whole process: add it to NEEDS_A_PROCESS in tests/cli/runner.py"
    )


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ is exactly `env` (and the C library's time zone follows TZ) meanwhile."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()


@contextmanager
def _last_resort_log() -> Iterator[None]:
    """A warning logged by a command reaches stderr, as Python's last-resort handler would
    print it in a process of its own (here pytest's handlers would take it instead)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def one_sentence(err: str) -> str:
    """The single `Error: …` line a failure must print on stderr (no traceback, no usage)."""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    line = lines[0]
    assert line.startswith("Error: "), line
    assert line.endswith("."), line
    return line


def is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


_KEEP = object()


@dataclass
class Desk:
    """One vault, and the passphrase the next commands pass through the environment."""

    vault: Path
    passphrase: str | None = PASSPHRASE

    def __call__(
        self,
        *args: str | Path,
        passphrase: str | object | None = _KEEP,
        stdin: str | None = None,
        **env: str,
    ) -> Result:
        secret = self.passphrase if passphrase is _KEEP else passphrase
        if secret is not None:
            env.setdefault("LIAISON_DESK_PASSPHRASE", str(secret))
        return run_cli("--vault", self.vault, *args, env=clean_env(**env), stdin=stdin)

    def ok(self, *args: str | Path, **env: str) -> Result:
        result = self(*args, **env)
        assert result.code == 0, f"{' '.join(map(str, args))} failed:\n{result}"
        return result

    def json(self, *args: str | Path, **env: str) -> Any:
        return self.ok(*args, "--json", **env).json()

    def new_id(self, *args: str | Path, **env: str) -> str:
        """Run an `… add` command and return the id it printed (its whole stdout)."""
        printed = self.ok(*args, **env).out.strip()
        assert is_uuid(printed), f"expected a UUID, got {printed!r}"
        return printed

    def ids(self, *args: str | Path) -> list[str]:
        return [row["id"] for row in self.json(*args)]


def init_vault(folder: Path, name: str = "Paris DAO", role: str = "station") -> tuple[Desk, str]:
    """A new vault at the Argon2id floor; returns it with the recovery code init printed."""
    desk = Desk(folder)
    result = desk.ok("init", "--name", name, "--role", role, *FAST_KDF)
    codes = RECOVERY_CODE.findall(result.out)
    assert len(codes) == 1, result
    return desk, codes[0]
