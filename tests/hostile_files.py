"""Files and disks that try to hang or mislead: a pipe no one writes to, a tmpfs full or read-only.

`never_written_pipe` makes a named pipe and, should the code under test sit
waiting on it, frees it after a few seconds (by opening the other end and
writing nothing) and fails the test: a hang becomes a failure, not a stuck run.
`mounted` mounts a small tmpfs (tests run as root; skipped where mount is not
allowed).
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PATIENCE = 5.0  # seconds a reader may be stuck on the pipe before the test frees it


@contextmanager
def never_written_pipe(path: Path) -> Iterator[Path]:
    """A FIFO at `path`; the test fails if anything opened it and waited for a writer."""
    os.mkfifo(path)
    done = threading.Event()
    stuck: list[bool] = []

    def free_a_stuck_reader() -> None:
        if done.wait(PATIENCE):
            return
        while not done.wait(0.1):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # succeeds only if one waits
            except OSError:
                continue
            stuck.append(True)
            os.close(fd)

    rescuer = threading.Thread(target=free_a_stuck_reader, daemon=True)
    rescuer.start()
    try:
        yield path
    finally:
        done.set()
        rescuer.join()
    assert not stuck, f"{path.name} was opened and waited on for a writer"


@contextmanager
def mounted(target: Path, options: str) -> Iterator[Path]:
    """A tmpfs at `target` (made here) with mount `options`, unmounted afterwards."""
    target.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)])
    if done.returncode != 0:
        pytest.skip("this machine cannot mount a tmpfs (not root, or no CAP_SYS_ADMIN)")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


def remount_read_only(target: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True)


def fill(disk: Path) -> None:
    """Write zeros to `disk` until it is full, to its last byte."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, bytes(size))
            except OSError:
                pass
    finally:
        os.close(fd)
