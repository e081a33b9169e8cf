"""Real relay processes on 127.0.0.1 for the tests: started with the CLI, stopped with SIGTERM."""

from __future__ import annotations

import functools
import json
import os
import resource
import select
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from liaison_desk.core.vault import Vault
from liaison_desk.sync.own_identity import load_identity

STARTUP_TIMEOUT_S = 30.0


def export_identity(vault: Vault, path: Path) -> Path:
    path.write_text(json.dumps(load_identity(vault.conn).public.to_json()))
    return path


class RelayProcess:
    """`open_files`: the process's open-file limit, soft and hard (it cannot raise it)."""

    def __init__(
        self,
        args: Sequence[str],
        log: Path,
        env: dict[str, str] | None = None,
        open_files: int | None = None,
    ) -> None:
        self.log = log
        self._log_file = open(log, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "liaison_desk", "relay", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self._log_file,
            env={**os.environ, **(env or {})},
            preexec_fn=None if open_files is None else functools.partial(_limit, open_files),
        )
        self.url = self._wait_for_address()

    def _wait_for_address(self) -> str:
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], STARTUP_TIMEOUT_S)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("Relay listening on "):
            self.stop()
            raise RuntimeError(f"relay did not start: {line!r}\n{self.log.read_text()}")
        return line.removeprefix("Relay listening on ").strip()

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._close()

    def _close(self) -> None:
        self._log_file.close()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._close()

    def access_log(self) -> str:
        return self.log.read_text(errors="replace")


def _limit(open_files: int) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))


@contextmanager
def relay_process(
    hq_identity: Path,
    data: Path,
    *extra: str,
    env: dict[str, str] | None = None,
    open_files: int | None = None,
) -> Iterator[RelayProcess]:
    relay = RelayProcess(
        ["--data", str(data), "--hq-identity", str(hq_identity), *extra],
        data.parent / f"{data.name}-relay.log",
        env,
        open_files,
    )
    try:
        yield relay
    finally:
        relay.stop()


@contextmanager
def s3_relay_process(
    hq_identity: Path,
    bucket: str,
    endpoint: str,
    log: Path,
    *extra: str,
    env: dict[str, str] | None = None,
) -> Iterator[RelayProcess]:
    """A relay keeping its mailboxes in `bucket` on the S3 service at `endpoint` (no --data)."""
    relay = RelayProcess(
        [
            "--s3-bucket",
            bucket,
            "--s3-endpoint",
            endpoint,
            "--hq-identity",
            str(hq_identity),
            *extra,
        ],
        log,
        env,
    )
    try:
        yield relay
    finally:
        relay.stop()
