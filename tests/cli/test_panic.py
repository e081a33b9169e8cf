"""`liaison-desk panic` and `security`: lock every window now; wipe only where the officer chose."""

from __future__ import annotations

import pytest

from liaison_desk.cli import security_cmds
from liaison_desk.core.panic import PANIC_FILE, take_lock_request
from tests.cli.runner import PASSPHRASE, Desk, Result, clean_env, one_sentence, run_process


def test_panic_locks_and_wipes_nothing_by_default(desk: Desk) -> None:
    before = (desk.vault / "vault.db").read_bytes()
    result = desk.ok("panic", passphrase=None)
    assert "Locked" in result.out
    assert (desk.vault / PANIC_FILE).exists()
    assert take_lock_request(desk.vault)
    assert not take_lock_request(desk.vault)
    assert (desk.vault / "vault.db").read_bytes() == before
    desk.ok("unlock-check")


def test_panic_wipes_after_the_countdown_where_enabled(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticks: list[float] = []
    monkeypatch.setattr(security_cmds, "wait", ticks.append)
    desk.ok("security", "set", "--panic-wipe")
    assert desk.json("security", "show", passphrase=None)["panic_wipe"] is True

    result = desk.ok("panic", passphrase=None)

    assert ticks == [1] * 5
    assert result.err.count("Wiping the vault in") == 5
    assert "wiped" in result.out
    assert list(desk.vault.iterdir()) == []
    assert "There is no vault" in one_sentence(desk("unlock-check").err)


def test_ctrl_c_during_the_countdown_cancels_the_wipe(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.ok("security", "set", "--panic-wipe")
    before = (desk.vault / "vault.db").read_bytes()
    ticks: list[float] = []

    def interrupted_at_the_third(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(security_cmds, "wait", interrupted_at_the_third)
    result = desk("panic", passphrase=None)

    assert result.code == 1
    assert "Wipe cancelled" in result.err.splitlines()[-1]
    assert (desk.vault / "vault.db").read_bytes() == before
    desk.ok("unlock-check")


def test_the_failed_unlock_wipe_counts_across_processes(desk: Desk) -> None:
    """Each attempt is a process of its own: the count lives on disk, across restarts."""
    desk.ok("security", "set", "--wipe-after", "5")
    assert desk.json("security", "show", passphrase=None)["after_failures"] == 5

    def attempt(passphrase: str) -> Result:
        return run_process(
            "--vault", desk.vault, "unlock-check", env=clean_env(LIAISON_DESK_PASSPHRASE=passphrase)
        )

    for _ in range(4):
        assert attempt("a wrong guess at the keyboard").code == 2
    assert attempt(PASSPHRASE).code == 0  # a good unlock: the count starts again
    for _ in range(4):
        assert attempt("a wrong guess at the keyboard").code == 2
    assert (desk.vault / "keys.json").exists()
    wiped = attempt("a wrong guess at the keyboard")
    assert "the vault was wiped" in one_sentence(wiped.err)
    assert list(desk.vault.iterdir()) == []


def test_security_set_needs_the_passphrase_and_refuses_other_counts(desk: Desk) -> None:
    assert desk("security", "set", "--wipe-after", "5", passphrase="not it at all").code == 2
    assert desk("security", "set", "--wipe-after", "7").code == 2  # click: not a choice
    assert desk.json("security", "show", passphrase=None)["after_failures"] == 0
