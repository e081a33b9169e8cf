"""Syncing through a drive: outboxes per recipient, interrupted writes, read-only, full drives."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.errors import FileRefused, StorageError
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.drive import mailbox, sync_drive, waiting
from tests.conftest import PASSPHRASE
from tests.hostile_files import mounted, never_written_pipe, remount_read_only
from tests.sync.helpers import (
    canonical_dump,
    fingerprint,
    hq_and_two_stations,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    with hq_and_two_stations(tmp_path) as vaults:
        yield vaults


@pytest.fixture
def usb(tmp_path: Path) -> Path:
    """A folder standing in for the drive."""
    drive = tmp_path / "usb"
    drive.mkdir()
    return drive


def test_one_courier_drive_carries_every_station_s_bundles(
    trio: tuple[Vault, Vault, Vault], usb: Path
) -> None:
    hq, a, b = trio
    moreau = a.store.add(Contact(full_name="Gen. Moreau", distribution="all"))
    sato = b.store.add(Contact(full_name="Cdr. Sato"))
    guide = hq.store.add(Contact(full_name="Protocol desk", distribution="all"))

    out_a = sync_drive(a, usb)
    out_b = sync_drive(b, usb)
    assert [s.ops for s in out_a.sent] == [1] and [s.ops for s in out_b.sent] == [1]
    assert len(waiting(usb, fingerprint(hq))) == 2
    at_hq = sync_drive(hq, usb)
    assert at_hq.changes_in == 2 and not at_hq.refused
    assert waiting(usb, fingerprint(hq)) == []  # applied bundles leave the drive
    assert {s.peer_name for s in at_hq.sent} == {"paris", "tokyo"}
    # Each station opens only its own outbox: nothing refused, the other's bundle untouched.
    back_a = sync_drive(a, usb)
    assert not back_a.refused and len(waiting(usb, fingerprint(b))) == 1
    back_b = sync_drive(b, usb)
    assert not back_b.refused and back_b.changes_in == 2  # Paris's contact and HQ's guide
    ids_a = {k.split("/", 1)[1] for k in canonical_dump(a)}
    assert {moreau.id, guide.id} <= ids_a and sato.id not in ids_a
    assert f"contact/{moreau.id}" in canonical_dump(b)


def test_a_bundle_put_back_on_the_drive_is_not_applied_again(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, usb: Path
) -> None:
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois"))
    (written,) = sync_drive(a, usb).sent
    kept = tmp_path / "copy.ldbundle"
    shutil.copy(written.path, kept)
    assert len(sync_drive(hq, usb).applied) == 1
    shutil.copy(kept, written.path)  # the officer copies it back by hand
    before = canonical_dump(hq)
    again = sync_drive(hq, usb)
    assert [r.status for r in again.replayed] == ["replayed"] and not again.applied
    assert canonical_dump(hq) == before


def test_a_newer_bundle_replaces_the_older_one_still_waiting(
    trio: tuple[Vault, Vault, Vault], usb: Path
) -> None:
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois"))
    first = sync_drive(a, usb).sent[0]
    a.store.add(Contact(full_name="Maj. Laurent"))
    second = sync_drive(a, usb).sent[0]
    assert second.ops == 2  # nothing was acknowledged: the newer one carries both
    assert waiting(usb, fingerprint(hq)) == [second.path] and not first.path.exists()
    assert sync_drive(hq, usb).changes_in == 2


# -- what a stranger's drive may hold -----------------------------------------------------------


def test_a_pipe_named_like_a_bundle_is_refused_unread_and_the_rest_applied(
    trio: tuple[Vault, Vault, Vault], usb: Path
) -> None:
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois"))
    sync_drive(a, usb)
    with never_written_pipe(mailbox(usb, fingerprint(hq)) / "0.ldbundle"):
        report = sync_drive(hq, usb)
    assert [(r.name, r.reason) for r in report.refused] == [("0.ldbundle", "not-a-file")]
    assert "named pipe" in report.refused[0].message
    assert report.changes_in == 1


def test_a_link_leading_off_the_drive_is_refused_unread(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, usb: Path
) -> None:
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois"))
    (written,) = sync_drive(a, usb).sent
    elsewhere = tmp_path / "elsewhere.ldbundle"
    written.path.rename(elsewhere)
    written.path.symlink_to(elsewhere)
    before = canonical_dump(hq)
    report = sync_drive(hq, usb)
    assert [r.reason for r in report.refused] == ["not-a-file"]
    assert "leads outside" in report.refused[0].message
    assert canonical_dump(hq) == before and elsewhere.exists()


def test_a_mailbox_leading_off_the_drive_is_neither_read_nor_written(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path, usb: Path
) -> None:
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois"))
    private = tmp_path / "officer-files"
    private.mkdir()
    (usb / "LiaisonDesk").symlink_to(private, target_is_directory=True)
    for vault in (hq, a):
        with pytest.raises(FileRefused, match=r"^LiaisonDesk/outbox/\w+ leads outside .* link"):
            sync_drive(vault, usb)
    (usb / "LiaisonDesk").unlink()
    mailbox(usb, fingerprint(hq)).parent.mkdir(parents=True)
    mailbox(usb, fingerprint(hq)).symlink_to(private, target_is_directory=True)
    report = sync_drive(a, usb)  # nothing waits for it; what it owes HQ goes nowhere
    assert isinstance(report.error, FileRefused) and not report.sent
    assert list(private.iterdir()) == []


# -- interrupted writes ---------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from liaison_desk.core.keyslots import KdfParams
    from liaison_desk.core.vault import Vault
    from liaison_desk.sync import drive, exchange
    from tests.conftest import StepClock

    stage, vault_dir, usb = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    clock = StepClock(int(sys.argv[4]))  # the test vaults' time, not this computer's

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    real_replace = os.replace
    def replace_then_die(src, dst):
        real_replace(src, dst)
        die()

    if stage == "mid-write":
        exchange.os.fsync = die          # the file is written but not yet synced or renamed
    elif stage == "before-rename":
        exchange.os.replace = die
    elif stage == "after-rename":
        exchange.fsync_dir = die         # renamed, the folder not yet synced
    elif stage == "after-rename-2":
        exchange.os.replace = replace_then_die
    vault = Vault.unlock(vault_dir, os.environ["PASSPHRASE"], clock=clock)
    drive.sync_drive(vault, usb)
    """
)


def write_and_die(station: Vault, usb: Path, stage: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            WRITER,
            stage,
            str(station.path),
            str(usb),
            str(station.clock.now_ms()),
        ],
        env={**os.environ, "PASSPHRASE": PASSPHRASE},
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == -9, result.stderr.decode()


@pytest.mark.parametrize(
    ("stage", "arrives"),
    [
        ("mid-write", False),
        ("before-rename", False),
        ("after-rename", True),
        ("after-rename-2", True),
    ],
)
def test_a_writer_killed_at_any_stage_leaves_the_old_state_or_a_whole_bundle(
    trio: tuple[Vault, Vault, Vault], usb: Path, stage: str, arrives: bool
) -> None:
    hq, a, _ = trio
    contact = a.store.add(Contact(full_name="Col. Dubois", notes="x" * 5000))
    write_and_die(a, usb, stage)
    left = sorted(p.name.endswith(".part") for p in mailbox(usb, fingerprint(hq)).iterdir())
    assert left == [not arrives]  # the writer died where it was meant to: one file, whole or not
    at_hq = sync_drive(hq, usb)
    assert not at_hq.refused
    assert (f"contact/{contact.id}" in canonical_dump(hq)) is arrives
    # The station's next sync clears any leftover and sends what HQ lacks.
    again = sync_drive(a, usb)
    assert [p.name for p in mailbox(usb, fingerprint(hq)).iterdir()] == [
        s.path.name for s in again.sent
    ]
    sync_drive(hq, usb)
    assert f"contact/{contact.id}" in canonical_dump(hq)


def test_a_bundle_cut_short_on_the_drive_is_refused_and_kept(
    trio: tuple[Vault, Vault, Vault], usb: Path
) -> None:
    """What a rename without its folder fsync can leave after a power cut: never applied."""
    hq, a, _ = trio
    a.store.add(Contact(full_name="Col. Dubois", notes="y" * 5000))
    (written,) = sync_drive(a, usb).sent
    data = written.path.read_bytes()
    before = canonical_dump(hq)
    for cut in (0, 100, len(data) // 2, len(data) - 1):
        written.path.write_bytes(data[:cut])
        report = sync_drive(hq, usb)
        assert [r.reason for r in report.refused] in (["empty"], ["truncated"])
        assert not report.applied and written.path.exists()
        assert canonical_dump(hq) == before
        assert hq.conn.execute("SELECT count(*) FROM bundles_in").fetchone() == (0,)
    written.path.write_bytes(data)  # the whole file, found again: applied once
    assert sync_drive(hq, usb).changes_in == 1


# -- drives that cannot be written ---------------------------------------------------------------


def test_a_full_drive_gives_a_clear_message_and_leaves_no_partial_file(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    _, a, _ = trio
    owner = a.store.add(Contact(full_name="Col. Dubois"))
    scan = os.urandom(256 * 1024)
    a.store.add(Attachment(owner_id=owner.id, name="scan.bin", mime="application/pdf", data=scan))
    with mounted(tmp_path / "usb", "size=128k") as usb:
        report = sync_drive(a, usb)
        assert isinstance(report.error, StorageError)
        assert "full" in report.error.message and not report.sent
        assert [p for p in usb.rglob("*") if p.is_file()] == []
    assert canonical_dump(a)  # the station's records are all still there
    usb2 = tmp_path / "usb2"
    usb2.mkdir()
    assert sync_drive(a, usb2).sent[0].attachments == 1  # nothing lost: it all goes next time


def test_a_read_only_drive_is_read_but_not_written(
    trio: tuple[Vault, Vault, Vault], tmp_path: Path
) -> None:
    hq, a, _ = trio
    staging = tmp_path / "staging"
    staging.mkdir()
    hq.store.add(Contact(full_name="Protocol desk", distribution="all"))
    sync_drive(hq, staging)
    usb = tmp_path / "usb"
    with mounted(usb, "size=1m"):
        shutil.copytree(staging / "LiaisonDesk", usb / "LiaisonDesk")
        remount_read_only(usb)
        a.store.add(Contact(full_name="Col. Dubois"))
        report = sync_drive(a, usb)
        assert report.changes_in == 1  # HQ's bundle is applied all the same
        assert isinstance(report.error, StorageError) and "read-only" in report.error.message
        assert len(waiting(usb, fingerprint(a))) == 1  # it cannot be removed, and
        again = sync_drive(a, usb)
        assert len(again.replayed) == 1 and not again.applied  # it is not applied twice


def test_a_drive_that_is_gone_says_so(trio: tuple[Vault, Vault, Vault], tmp_path: Path) -> None:
    _, a, _ = trio
    with pytest.raises(StorageError, match="check the drive is plugged in"):
        sync_drive(a, tmp_path / "pulled-out")
    assert not (tmp_path / "pulled-out").exists()  # no folder made where the drive was
