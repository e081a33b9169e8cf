"""init, unlock-check, passphrase change, recover and audit, from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import (
    FAST_KDF,
    PASSPHRASE,
    RECOVERY_CODE,
    Desk,
    init_vault,
    one_sentence,
)

NEW_PASSPHRASE = "seven ocean lanterns drifting"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Desk, str]:
    """One vault for the tests that must leave its keys as they are."""
    return init_vault(tmp_path_factory.mktemp("shared") / "vault")


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("role", ["station", "hq"])
def test_init_prints_the_recovery_code_once(tmp_path: Path, role: str) -> None:
    desk = Desk(tmp_path / "vault")

    result = desk.ok("init", "--name", "Paris DAO", "--role", role, *FAST_KDF)

    codes = RECOVERY_CODE.findall(result.out)
    assert len(codes) == 1, result
    assert result.out.count(codes[0]) == 1
    assert f"Created vault 'Paris DAO' ({role})" in result.out
    assert sorted(p.name for p in desk.vault.iterdir()) == ["keys.json", "vault.db"]


def test_second_init_in_the_same_folder_fails_and_changes_nothing(
    shared: tuple[Desk, str],
) -> None:
    desk, _ = shared
    before = snapshot(desk.vault)

    again = desk("init", "--name", "Other", *FAST_KDF)

    assert again.code != 0
    assert "already holds a vault" in one_sentence(again.err)
    assert again.out == ""
    assert snapshot(desk.vault) == before


def test_init_refuses_a_weak_passphrase(tmp_path: Path) -> None:
    result = Desk(tmp_path / "vault", passphrase="short")("init", "--name", "X", *FAST_KDF)

    assert result.code == 1
    assert "12 characters" in one_sentence(result.err)
    assert not (tmp_path / "vault").exists()


def test_unlock_check_with_the_right_passphrase(shared: tuple[Desk, str], tmp_path: Path) -> None:
    desk, _ = shared
    assert desk.ok("unlock-check").out == "The passphrase opens 'Paris DAO'.\n"

    secret_file = tmp_path / "passphrase.txt"
    secret_file.write_text(PASSPHRASE + "\n", encoding="utf-8")
    by_file = desk("--passphrase-file", secret_file, "unlock-check", passphrase=None)
    assert by_file.code == 0, by_file


def test_unlock_check_with_a_wrong_passphrase_exits_2(
    shared: tuple[Desk, str], tmp_path: Path
) -> None:
    desk, _ = shared
    wrong = desk("unlock-check", passphrase="not the right passphrase")

    assert wrong.code == 2
    assert "passphrase" in one_sentence(wrong.err).lower()

    secret_file = tmp_path / "wrong.txt"
    secret_file.write_text("not the right passphrase\n", encoding="utf-8")
    by_file = desk("--passphrase-file", secret_file, "unlock-check", passphrase=None)
    assert by_file.code == 2
    assert "passphrase" in one_sentence(by_file.err).lower()


def test_unlock_check_without_any_passphrase_source_says_how_to_give_one(
    shared: tuple[Desk, str],
) -> None:
    desk, _ = shared
    result = desk("unlock-check", passphrase=None)

    assert result.code != 0
    sentence = one_sentence(result.err)
    assert "LIAISON_DESK_PASSPHRASE" in sentence
    assert "--passphrase-file" in sentence


def test_unlock_check_on_a_folder_without_a_vault(tmp_path: Path) -> None:
    result = Desk(tmp_path / "nothing-here")("unlock-check")

    assert result.code == 1
    assert "no vault" in one_sentence(result.err)


def test_passphrase_change(desk: Desk, tmp_path: Path) -> None:
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW_PASSPHRASE + "\n", encoding="utf-8")

    changed = desk.ok("passphrase", "change", "--new-passphrase-file", new_file)

    assert "changed" in changed.out.lower()
    old = desk("unlock-check")
    assert old.code == 2
    assert "passphrase" in one_sentence(old.err).lower()
    assert desk("--passphrase-file", new_file, "unlock-check", passphrase=None).code == 0


def test_passphrase_change_needs_the_current_passphrase(
    shared: tuple[Desk, str], tmp_path: Path
) -> None:
    desk, _ = shared
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW_PASSPHRASE, encoding="utf-8")

    result = desk(
        "passphrase", "change", "--new-passphrase-file", new_file, passphrase="wrong wrong wrong"
    )

    assert result.code == 2
    assert desk("unlock-check").code == 0
    assert desk("unlock-check", passphrase=NEW_PASSPHRASE).code == 2


def test_passphrase_change_refuses_a_weak_new_passphrase(
    shared: tuple[Desk, str], tmp_path: Path
) -> None:
    desk, _ = shared
    weak = tmp_path / "weak.txt"
    weak.write_text("abc", encoding="utf-8")

    result = desk("passphrase", "change", "--new-passphrase-file", weak)

    assert result.code == 1
    one_sentence(result.err)
    assert desk("unlock-check").code == 0


def test_recover_sets_a_new_passphrase_and_the_code_keeps_working(
    created: tuple[Desk, str], tmp_path: Path
) -> None:
    desk, code = created
    new_file = tmp_path / "new.txt"
    new_file.write_text(NEW_PASSPHRASE + "\n", encoding="utf-8")

    typed = code.replace("-", "").lower()
    by_env = desk(
        "recover",
        "--new-passphrase-file",
        new_file,
        passphrase=None,
        LIAISON_DESK_RECOVERY_CODE=typed,
    )

    assert by_env.code == 0, by_env
    assert desk("unlock-check").code == 2
    assert desk("unlock-check", passphrase=NEW_PASSPHRASE).code == 0

    code_file = tmp_path / "code.txt"
    code_file.write_text(code + "\n", encoding="utf-8")
    third = "a third passphrase, after that"
    by_file = desk(
        "recover",
        "--recovery-code-file",
        code_file,
        passphrase=None,
        LIAISON_DESK_NEW_PASSPHRASE=third,
    )

    assert by_file.code == 0, by_file
    assert desk("unlock-check", passphrase=third).code == 0


def test_recover_with_a_wrong_code_changes_nothing(shared: tuple[Desk, str]) -> None:
    desk, code = shared
    wrong = ("1" if code[0] != "1" else "2") + code[1:]
    result = desk(
        "recover",
        passphrase=None,
        LIAISON_DESK_RECOVERY_CODE=wrong,
        LIAISON_DESK_NEW_PASSPHRASE=NEW_PASSPHRASE,
    )

    assert result.code == 2
    assert "recovery code" in one_sentence(result.err)
    assert desk("unlock-check").code == 0


def test_recover_without_a_code_source_says_how_to_give_one(shared: tuple[Desk, str]) -> None:
    desk, _ = shared
    result = desk("recover", passphrase=None, LIAISON_DESK_NEW_PASSPHRASE=NEW_PASSPHRASE)

    assert result.code != 0
    sentence = one_sentence(result.err)
    assert "LIAISON_DESK_RECOVERY_CODE" in sentence
    assert "--recovery-code-file" in sentence


def test_audit_shows_unlocks_and_backups(shared: tuple[Desk, str], tmp_path: Path) -> None:
    desk, _ = shared
    before = desk.json("audit", "--limit", "1000")
    assert before[0]["event"] == "unlock"  # newest first: this very command's unlock
    assert {"at", "event", "detail"} <= set(before[0])
    assert before[-1]["event"] == "vault-created"

    backup = tmp_path / "paris.ldbackup"
    desk.ok("backup", "create", backup)

    after = desk.json("audit", "--limit", "1000")
    backups = [e for e in after if e["event"] == "backup-created"]
    assert len(backups) == 1 + sum(e["event"] == "backup-created" for e in before)
    assert backups[0]["detail"]["bytes"] == backup.stat().st_size
    assert [e["event"] for e in after[:3]] == ["unlock", "backup-created", "unlock"]
