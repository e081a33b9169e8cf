"""A passphrase change killed at any point leaves a vault that opens (old or new passphrase)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from liaison_desk.core.errors import WrongPassphrase
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE

NEW = "the new passphrase, longer"

# Runs the change in a child process whose os.open/write/fsync/close/replace are wrapped:
# the Nth call kills the process with SIGKILL (for a write, after writing half the bytes).
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from liaison_desk.core.vault import Vault

    vault_dir, target, old, new = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    vault = Vault.unlock(vault_dir, old)
    calls = [0]

    def wrap(name):
        real = getattr(os, name)
        def wrapped(*args, **kwargs):
            calls[0] += 1
            if calls[0] == target:
                if name == "write":
                    fd, data = args
                    real(fd, bytes(data)[: len(data) // 2])
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        setattr(os, name, wrapped)

    for name in ("open", "write", "fsync", "close", "replace"):
        wrap(name)
    vault.change_passphrase(old, new)
    sys.exit(0)
    """
)


def opens_with(vault_dir: Path, passphrase: str) -> bool:
    try:
        Vault.unlock(vault_dir, passphrase).lock()
    except WrongPassphrase:
        return False
    return True


@pytest.mark.parametrize("target", range(1, 16))
def test_passphrase_change_killed_at_each_step(vault_dir: Path, target: int) -> None:
    Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF)[0].lock()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(vault_dir), str(target), PASSPHRASE, NEW],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        timeout=60,
        check=False,
    )
    killed = child.returncode == -signal.SIGKILL
    assert killed or child.returncode == 0, child.stderr.decode()
    old_ok, new_ok = opens_with(vault_dir, PASSPHRASE), opens_with(vault_dir, NEW)
    assert old_ok != new_ok, "exactly one of the two passphrases must open the vault"
    if not killed:
        assert new_ok  # the change ran to the end
    if killed and old_ok:
        # A later change still succeeds despite whatever the dead process left behind.
        with Vault.unlock(vault_dir, PASSPHRASE) as vault:
            vault.change_passphrase(PASSPHRASE, NEW)
        assert opens_with(vault_dir, NEW)


def test_kill_points_cover_the_whole_write() -> None:
    """The parametrised range above reaches past the last file operation of a change."""
    calls = 0
    real = {name: getattr(os, name) for name in ("open", "write", "fsync", "close", "replace")}
    # counted in-process on a throwaway vault, with the same wrappers minus the kill
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        vault, _ = Vault.create(Path(tmp) / "v", PASSPHRASE, name="X", kdf=FAST_KDF)

        def counting(name: str):  # type: ignore[no-untyped-def]
            def wrapped(*args, **kwargs):  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                return real[name](*args, **kwargs)

            return wrapped

        try:
            for name in real:
                setattr(os, name, counting(name))
            vault.change_passphrase(PASSPHRASE, NEW)
        finally:
            for name, fn in real.items():
                setattr(os, name, fn)
            vault.lock()
    assert 0 < calls < 15
