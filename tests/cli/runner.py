"""Run the installed `liaison-desk` console script in a subprocess, as a user or a script would.

Every call has no terminal (stdin is /dev/null) and a timeout, so a command that
waited on a prompt would fail the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PASSPHRASE = "correct horse battery staple"
FAST_KDF = ("--kdf-memory", "64", "--kdf-iterations", "1")
TIMEOUT = 60
RECOVERY_CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){7}\b")  # Crockford
PROTOCOL_DIR = Path(__file__).resolve().parents[2] / "resources" / "protocol"

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


def run_cli(
    *args: str | Path,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
) -> Result:
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
        **env: str,
    ) -> Result:
        secret = self.passphrase if passphrase is _KEEP else passphrase
        if secret is not None:
            env.setdefault("LIAISON_DESK_PASSPHRASE", str(secret))
        return run_cli("--vault", self.vault, *args, env=clean_env(**env))

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
