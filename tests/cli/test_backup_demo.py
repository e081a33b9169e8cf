"""Backups made and restored through the CLI, and the demo vault."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence, run_cli


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Desk, str, Path]:
    """A vault with a few records, its recovery code and one backup of it."""
    folder = tmp_path_factory.mktemp("backup")
    desk, code = init_vault(folder / "vault")
    org_id = desk.new_id("org", "add", "--name", "Navy Staff", "--country", "BR")
    desk.new_id("contact", "add", "--name", "Beatriz Araújo", "--org", org_id, "--rank", "Captain")
    desk.new_id("contact", "add", "--name", "Thiago Barbosa", "--marking", "SECRET")
    backup = folder / "station.ldbackup"
    written = desk.ok("backup", "create", backup)
    assert str(backup) in written.out
    return desk, code, backup


def test_restore_gives_the_same_records(original: tuple[Desk, str, Path], tmp_path: Path) -> None:
    desk, _, backup = original
    restored = Desk(tmp_path / "restored")

    result = desk("backup", "restore", backup, "--vault", restored.vault)

    assert result.code == 0, result
    assert "restored" in result.out.lower()
    listing = ("contact", "list", "--json", "--limit", "1000")
    contacts = desk.ok(*listing).out
    assert [c["full_name"] for c in json.loads(contacts)] == ["Beatriz Araújo", "Thiago Barbosa"]
    assert restored.ok(*listing).out == contacts
    assert restored.ok("org", "list", "--json").out == desk.ok("org", "list", "--json").out
    assert "restored" in [e["event"] for e in restored.json("audit")]


def test_restore_with_the_recovery_code(original: tuple[Desk, str, Path], tmp_path: Path) -> None:
    desk, code, backup = original
    target = tmp_path / "restored"

    result = desk(
        "backup",
        "restore",
        backup,
        "--vault",
        target,
        "--with-recovery-code",
        passphrase=None,
        LIAISON_DESK_RECOVERY_CODE=code.lower(),
    )

    assert result.code == 0, result
    listing = ("contact", "list", "--json", "--limit", "1000")
    assert Desk(target).ok(*listing).out == desk.ok(*listing).out
    assert Desk(target).ok("org", "list", "--json").out == desk.ok("org", "list", "--json").out


def test_restore_never_writes_into_a_non_empty_folder(
    original: tuple[Desk, str, Path], tmp_path: Path
) -> None:
    desk, _, backup = original
    target = tmp_path / "busy"
    target.mkdir()
    (target / "report.txt").write_text("keep me", encoding="utf-8")

    result = desk("backup", "restore", backup, "--vault", target)

    assert result.code == 1
    assert "not empty" in one_sentence(result.err)
    assert [p.name for p in target.iterdir()] == ["report.txt"]


def test_restore_over_the_live_vault_is_refused(original: tuple[Desk, str, Path]) -> None:
    desk, _, backup = original
    before = {p.name: p.read_bytes() for p in desk.vault.iterdir()}

    result = desk("backup", "restore", backup, "--vault", desk.vault)

    assert result.code == 1
    one_sentence(result.err)
    assert {p.name: p.read_bytes() for p in desk.vault.iterdir()} == before


def test_a_corrupted_backup_is_refused_and_nothing_is_created(
    original: tuple[Desk, str, Path], tmp_path: Path
) -> None:
    desk, _, backup = original
    data = bytearray(backup.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged = tmp_path / "damaged.ldbackup"
    damaged.write_bytes(bytes(data))
    target = tmp_path / "restored"

    result = desk("backup", "restore", damaged, "--vault", target)

    assert result.code == 1
    assert "damaged" in one_sentence(result.err)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["damaged.ldbackup"]


def test_a_truncated_backup_is_refused(original: tuple[Desk, str, Path], tmp_path: Path) -> None:
    desk, _, backup = original
    truncated = tmp_path / "truncated.ldbackup"
    truncated.write_bytes(backup.read_bytes()[:-100])
    target = tmp_path / "restored"

    result = desk("backup", "restore", truncated, "--vault", target)

    assert result.code == 1
    one_sentence(result.err)
    assert not target.exists()


def test_a_backup_does_not_open_with_a_wrong_passphrase(
    original: tuple[Desk, str, Path], tmp_path: Path
) -> None:
    desk, _, backup = original
    target = tmp_path / "restored"

    result = desk("backup", "restore", backup, "--vault", target, passphrase="guess guess guess")

    assert result.code == 2
    assert "passphrase" in one_sentence(result.err)
    assert not target.exists()


def test_demo_vault(tmp_path: Path) -> None:
    folder = tmp_path / "demo"

    created = run_cli("demo", "--vault", folder)

    assert created.code == 0, created
    lines = [ln for ln in created.out.splitlines() if ln.startswith("Passphrase: ")]
    assert len(lines) == 1
    demo = Desk(folder, passphrase=lines[0].removeprefix("Passphrase: ").strip())
    contacts = demo.json("contact", "list", "--limit", "1000")
    assert len(contacts) == 300
    assert len({c["id"] for c in contacts}) == 300
    refs = demo.json("protocol", "list")
    assert refs
    assert "Order of Precedence at an Embassy National Day Reception" in [r["title"] for r in refs]
    assert demo("unlock-check", passphrase="not the demo passphrase").code == 2


def test_demo_refuses_an_existing_vault(original: tuple[Desk, str, Path]) -> None:
    desk, _, _ = original
    before = {p.name: p.read_bytes() for p in desk.vault.iterdir()}

    result = run_cli("demo", "--vault", desk.vault, "--contacts", "1", "--meetings", "1")

    assert result.code == 1
    one_sentence(result.err)
    assert {p.name: p.read_bytes() for p in desk.vault.iterdir()} == before
