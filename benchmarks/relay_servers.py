"""relay.py's two server processes: the relay under test and the bare baseline beside it.

Each is a program of its own that prints its address on its first line; relay.py reads the
CPU each one uses from /proc around a phase and, with --py-spy, profiles it.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

UNLIMITED = "1000000"


class Server:
    """A server process that prints its address on its first line, stopped with SIGTERM."""

    def __init__(self, name: str, argv: Sequence[str], prefix: str, log_path: Path) -> None:
        self.name = name
        self._log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._log)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith(prefix):
            self.stop()
            raise SystemExit(f"the {name} did not start: {line!r}\n{log_path.read_text()}")
        self.url = line.removeprefix(prefix).strip()
        self._spy: subprocess.Popen[bytes] | None = None

    def cpu_seconds(self) -> tuple[float, float]:
        """User and system CPU of the server process so far, all its threads (from /proc)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        return int(fields[11]) / tick, int(fields[12]) / tick

    def spy(self, out: Path) -> None:
        """Sample this server with py-spy until `unspy`; a speedscope profile goes to `out`.

        Only the thread holding the GIL is sampled (--gil): each server is one Python
        process, and that thread's time is what bounds its throughput.
        """
        py_spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
        if py_spy is None:
            raise SystemExit("--py-spy needs py-spy: .venv/bin/pip install py-spy")
        self._spy = subprocess.Popen(
            [py_spy, "record", "--pid", str(self.proc.pid), "--rate", "250", "--format",
             "speedscope", "--output", str(out), "--nonblocking", "--gil"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(1.0)  # py-spy attaches before the phase starts

    def unspy(self) -> None:
        if self._spy is not None:
            self._spy.send_signal(signal.SIGINT)
            self._spy.wait(timeout=60)
            self._spy = None

    def stop(self) -> None:
        self.unspy()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def start_relay(work: Path, hq_file: Path) -> Server:
    argv = [sys.executable, "-m", "liaison_desk", "relay", "serve", "--port", "0"]
    argv += ["--data", str(work / "relay"), "--hq-identity", str(hq_file)]
    argv += ["--rate", UNLIMITED, "--burst", UNLIMITED]
    argv += ["--address-rate", UNLIMITED, "--address-burst", UNLIMITED]  # every client is local
    return Server("relay", argv, "Relay listening on ", work / "relay.log")


def start_bare(work: Path) -> Server:
    argv = [sys.executable, str(Path(__file__).with_name("bare_server.py"))]
    return Server("bare server", argv, "Listening on ", work / "bare.log")
