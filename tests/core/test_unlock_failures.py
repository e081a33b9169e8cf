"""Failed unlocks: counted beside the vault (time and count only), audited at the next unlock."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.errors import WrongPassphrase
from liaison_desk.core.unlock_failures import FAILURES_FILE, pending_failures
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE, StepClock

START = 1_780_000_000_000


def test_failed_attempts_wait_outside_then_enter_the_audit_log(
    vault: Vault, vault_dir: Path
) -> None:
    vault.lock()
    clock = StepClock(start_ms=START, step=60_000)
    typed = ("first wrong guess", "second wrong guess", "third wrong guess")

    for guess in typed:
        with pytest.raises(WrongPassphrase):
            Vault.unlock(vault_dir, guess, clock=clock)

    waiting = pending_failures(vault_dir)
    assert waiting is not None
    assert (waiting.count, waiting.first, waiting.last) == (
        3,
        iso_from_ms(START + 60_000),
        iso_from_ms(START + 180_000),
    )
    on_disk = (vault_dir / FAILURES_FILE).read_bytes()
    assert not any(guess.encode() in on_disk for guess in typed)

    with Vault.unlock(vault_dir, PASSPHRASE, clock=clock) as opened:
        newest = audit.entries(opened.conn, 2)
    assert [e.event for e in newest] == ["unlock", "unlock-failed"]
    assert newest[1].detail == {
        "attempts": 3,
        "first": iso_from_ms(START + 60_000),
        "last": iso_from_ms(START + 180_000),
    }
    assert audit.describe(newest[1]) == (
        "3 failed unlock attempts since 2026-05-28 20:27 UTC (the last at 2026-05-28 20:29 UTC)"
    )
    assert pending_failures(vault_dir) is None
    assert not (vault_dir / FAILURES_FILE).exists()

    with Vault.unlock(vault_dir, PASSPHRASE, clock=clock) as again:
        events = [e.event for e in audit.entries(again.conn, 100)]
    assert events.count("unlock-failed") == 1


def test_a_damaged_count_starts_again(vault: Vault, vault_dir: Path) -> None:
    vault.lock()
    (vault_dir / FAILURES_FILE).write_text('{"count": "many"}', encoding="utf-8")

    with pytest.raises(WrongPassphrase):
        Vault.unlock(vault_dir, "a wrong guess here", clock=StepClock(start_ms=START))

    waiting = pending_failures(vault_dir)
    assert waiting is not None and waiting.count == 1
