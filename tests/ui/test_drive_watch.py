"""Drives: a plugged-in drive is offered without taking the focus, syncs with a summary, and a
drive that cannot be used says why in a sentence while the window carries on."""

from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle_names import SUFFIX
from liaison_desk.sync.drive import ROOT
from liaison_desk.sync.transfer import SyncReport
from liaison_desk.ui.drive_watch import DriveWatch, Volume, looks_removable, mounted_volumes
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.sync.helpers import enrol_station, fingerprint, make_vault

ROOT_VOLUME = Volume(Path("/"), "/")


class Mounts:
    """What the watch sees as mounted: the root, plus the folders a test plugs in."""

    def __init__(self) -> None:
        self.volumes = [ROOT_VOLUME]

    def __call__(self) -> list[Volume]:
        return list(self.volumes)  # called on the watch's worker

    def plug(self, path: Path, name: str = "") -> None:
        self.volumes.append(Volume(path, name))

    def unplug(self, path: Path) -> None:
        self.volumes = [v for v in self.volumes if v.path != path]


class Desk:
    """HQ and an enrolled station, each with its window, its session and its worker."""

    def __init__(self, qtbot: QtBot, root: Path) -> None:
        self.qtbot = qtbot
        self.root = root
        self.hq_vault = make_vault(root, "HQ", "hq")
        self.station_vault = make_vault(root, "Lagos")
        enrol_station(self.hq_vault, self.station_vault)
        self.runners: list[Runner] = []
        self.sessions: list[Session] = []

    def window(self, vault: Vault, mounts: Mounts) -> MainWindow:
        runner = Runner(vault.path.name)
        session = Session(vault.path, runner)
        session.open(lambda: vault, lambda _: None, lambda e: pytest.fail(e.message), session)
        self.qtbot.waitUntil(lambda: session.is_unlocked)
        self.runners.append(runner)
        self.sessions.append(session)
        settings = QSettings(str(self.root / f"{vault.path.name}.ini"), QSettings.Format.IniFormat)
        watch = DriveWatch(mounts, lambda v: v.path != Path("/"), interval_ms=50)
        win = MainWindow(session, settings, drive_watch=watch)
        self.qtbot.addWidget(win)
        win.show()
        self.qtbot.waitUntil(lambda: win.sync_section is not None and bool(win.sections))
        self.qtbot.waitUntil(lambda: watch.active)
        return win

    def close(self) -> None:
        for session in self.sessions:
            session.lock()
        for runner in self.runners:
            runner.shutdown()


@pytest.fixture
def desk(qtbot: QtBot, tmp_path: Path, qapp: object) -> Iterator[Desk]:
    d = Desk(qtbot, tmp_path)
    yield d
    d.close()


def sync_and_wait(qtbot: QtBot, win: MainWindow, start: object) -> SyncReport | Exception:
    with qtbot.waitSignal(win.transport.finished) as blocker:
        start()  # type: ignore[operator]
    assert not win.transport.busy and not win.transport.progress.isVisible()
    result = blocker.args[0] if blocker.args else None
    assert isinstance(result, SyncReport | Exception)
    return result


def summary(win: MainWindow) -> str:
    dialog = win.transport.summary_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    return dialog.text.text()


def test_the_default_lister_sees_real_volumes() -> None:
    assert Path("/") in {v.path for v in mounted_volumes()}


@pytest.mark.parametrize(
    ("path", "platform", "removable"),
    [
        ("/", "linux", False),
        ("/home", "linux", False),
        ("/mnt", "linux", False),
        ("/media/ada/KINGSTON", "linux", True),
        ("/run/media/ada/USB", "linux", True),
        ("/mnt/usb", "linux", True),
        ("/Volumes/USB", "darwin", True),
        ("/media/usb", "darwin", False),
        ("/", "darwin", False),
        ("E:/", "win32", True),
        ("C:/", "win32", False),
        ("//server/share", "win32", False),
    ],
)
def test_what_looks_like_a_drive(path: str, platform: str, removable: bool) -> None:
    volume = Volume(Path(path), "")
    assert looks_removable(volume, platform, system_drive="C:") is removable


def test_a_plugged_in_drive_is_offered_then_syncs_both_ways(
    qtbot: QtBot, desk: Desk, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk.station_vault.store.add(Contact(full_name="Ada Okafor"))
    mounts = Mounts()
    station = desk.window(desk.station_vault, mounts)
    bar = station.transport.drive_bar
    station.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is station)
    station.sidebar.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is station.sidebar)

    # A drive already there when the watch started is not news; a new one is offered.
    drive = tmp_path / "KINGSTON"
    drive.mkdir()
    mounts.plug(drive, "KINGSTON")
    qtbot.waitUntil(bar.isVisible)
    assert bar.label.text() == (
        f"A drive was plugged in: “KINGSTON” ({drive}). "
        f"It has no {ROOT} folder yet; syncing makes one."
    )
    assert QApplication.focusWidget() is station.sidebar  # the offer took nothing from typing

    # Pulled out again: the offer goes with it.
    mounts.unplug(drive)
    qtbot.waitUntil(lambda: not bar.isVisible())
    mounts.plug(drive, "KINGSTON")
    qtbot.waitUntil(bar.isVisible)

    shown: list[tuple[str, int, int]] = []  # the status bar's label, the bar's maximum and value
    t = station.transport
    t.progress_relay.advanced.connect(  # after the window's own receiver: sees what it showed
        lambda *_: shown.append((t.progress_label.text(), t.progress.maximum(), t.progress.value()))
    )
    report = sync_and_wait(qtbot, station, bar.sync_button.click)
    assert isinstance(report, SyncReport) and report.error is None
    assert not bar.isVisible()
    (bundle,) = (drive / ROOT / "outbox" / fingerprint(desk.hq_vault)).iterdir()
    assert bundle.name.endswith(SUFFIX)
    assert ("Writing for HQ…", 0, -1) in shown  # no total yet: a busy bar
    assert ("Writing for HQ…", 1, 1) in shown
    text = summary(station)
    assert "Came in:\n  nothing was waiting." in text
    assert f"Went out:\n  To HQ: 1 change, {bundle.stat().st_size:,} bytes → {bundle.name}" in text
    assert station.statusBar().currentMessage() == ("Sync with KINGSTON: 1 bundle out (1 change).")

    # HQ syncs with the same folder from its Sync section: the contact comes in, lists refresh,
    # and HQ's answer is left on the drive for the station.
    hq = desk.window(desk.hq_vault, Mounts())
    assert hq.sync_section is not None
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(drive))
    report = sync_and_wait(qtbot, hq, hq.sync_section.drive_button.click)
    assert isinstance(report, SyncReport) and [r.sender_name for r in report.applied] == ["Lagos"]
    assert summary(hq).startswith("Came in:\n  From Lagos: 1 change, 1 applied.\nWent out:\n")
    qtbot.waitUntil(lambda: hq.sections[0].model.rowCount() == 1)
    assert not bundle.exists()  # applied, so taken off the drive
    assert list((drive / ROOT / "outbox" / fingerprint(desk.station_vault)).iterdir())

    # Plugged in again at the station, the drive is known for what it carries.
    with qtbot.waitSignal(station.drive_watch.gone):
        mounts.unplug(drive)
    mounts.plug(drive)
    qtbot.waitUntil(bar.isVisible)
    assert bar.label.text() == f"A drive was plugged in: {drive}. It carries a {ROOT} folder."
    report = sync_and_wait(qtbot, station, bar.sync_button.click)
    assert isinstance(report, SyncReport) and [r.sender_name for r in report.applied] == ["HQ"]


def test_a_drive_gone_before_the_sync_is_a_sentence(
    qtbot: QtBot, desk: Desk, tmp_path: Path
) -> None:
    mounts = Mounts()
    station = desk.window(desk.station_vault, mounts)
    not_a_folder = tmp_path / "USB"
    not_a_folder.write_bytes(b"")
    mounts.plug(not_a_folder, "USB")
    bar = station.transport.drive_bar
    qtbot.waitUntil(bar.isVisible)
    error = sync_and_wait(qtbot, station, bar.sync_button.click)
    assert not isinstance(error, SyncReport)
    sentence = summary(station)  # the drive module's words, e.g. "… is not there; check …"
    assert sentence.startswith(f"{not_a_folder} is not ") and sentence.endswith(".")
    assert station.statusBar().currentMessage() == f"Sync with USB: {sentence}"
    assert station.sync_section is not None and station.sync_section.drive_button.isEnabled()
    station.sidebar.setCurrentRow(station.sidebar.count() - 2)  # the window carries on
    assert station.stack.currentWidget() is station.sync_section


def _mount_tmpfs(path: Path, options: str) -> bool:
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def _fill(path: Path) -> None:
    with open(path / "filler", "wb", buffering=0) as f:
        try:
            while f.write(b"\0" * 4096):
                pass
        except OSError as exc:
            assert exc.errno == errno.ENOSPC


@pytest.fixture
def small_drives(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A read-only drive and a full one (tmpfs mounts: the tests run as root, so a chmod would
    not stop a write)."""
    read_only, full = tmp_path / "READONLY", tmp_path / "FULL"
    mounted = [p for p, o in ((read_only, "ro,size=64k"), (full, "size=64k")) if _mount_tmpfs(p, o)]
    try:
        if len(mounted) < 2:
            pytest.skip("cannot mount a tmpfs here")
        _fill(full)
        yield read_only, full
    finally:
        for path in mounted:
            subprocess.run(["umount", str(path)], check=False)


def test_read_only_and_full_drives_say_so(
    qtbot: QtBot,
    desk: Desk,
    small_drives: tuple[Path, Path],
) -> None:
    desk.station_vault.store.add(Contact(full_name="Ada Okafor"))
    read_only, full = small_drives
    mounts = Mounts()
    station = desk.window(desk.station_vault, mounts)
    bar = station.transport.drive_bar
    for drive, sentence in (
        (read_only, "cannot be written to (read-only or no permission)."),
        (full, "The disk is full; "),
    ):
        mounts.plug(drive, drive.name)
        qtbot.waitUntil(bar.isVisible)
        report = sync_and_wait(qtbot, station, bar.sync_button.click)
        assert isinstance(report, SyncReport) and report.error is not None and not report.sent
        text = summary(station)
        assert text.splitlines()[-1].startswith("Stopped early: ") and sentence in text
        assert sentence in station.statusBar().currentMessage()
    assert station.sync_section is not None and station.sync_section.drive_button.isEnabled()
    assert not station.transport.busy
