"""`liaison-desk demo`: kept between runs, rebuilt on request, never over a real vault."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.demo import DEMO_PASSPHRASE
from tests.cli.runner import Desk, init_vault, one_sentence, run_cli

SMALL = ("--contacts", "12", "--meetings", "12")


def test_the_demo_is_kept_between_runs_until_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    created = run_cli("demo", "--vault", folder, *SMALL)
    assert created.code == 0, created
    assert f"Passphrase: {DEMO_PASSPHRASE}" in created.out
    demo = Desk(folder, passphrase=DEMO_PASSPHRASE)
    mine = demo.new_id("contact", "add", "--name", "Tried out by a newcomer")

    kept = run_cli("demo", "--vault", folder, *SMALL)
    assert kept.code == 0, kept
    assert "kept as it was" in kept.out
    assert demo.json("contact", "show", mine)["full_name"] == "Tried out by a newcomer"

    rebuilt = run_cli("demo", "--vault", folder, "--rebuild", *SMALL)
    assert rebuilt.code == 0, rebuilt
    assert "created" in rebuilt.out
    assert mine not in demo.ids("contact", "list")
    assert len(demo.ids("contact", "list")) == 12


def test_rebuild_never_touches_a_vault_that_is_not_a_demo(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    before = {p.name: p.read_bytes() for p in desk.vault.iterdir() if p.name != "vault.db-wal"}

    result = run_cli("demo", "--vault", desk.vault, "--rebuild", *SMALL)

    assert result.code == 1
    assert "not a demo" in one_sentence(result.err)
    after = {p.name: p.read_bytes() for p in desk.vault.iterdir() if p.name != "vault.db-wal"}
    assert after == before
    desk.ok("unlock-check")
