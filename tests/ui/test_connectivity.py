"""The relay monitor: backs off while the relay is down without ever holding up the window, and
when the relay comes up, what the station owes goes out with nobody clicking anything."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact
from liaison_desk.sync.errors import RelayUnreachable
from liaison_desk.sync.online import (
    probe,
    relay_url,
    set_relay_url,
    sync_online,
)
from liaison_desk.sync.transfer import SyncReport
from liaison_desk.ui.connectivity import Backoff, RelayMonitor, wait_text
from liaison_desk.ui.drive_watch import DriveWatch
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.preferences import Preferences
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import PASSPHRASE
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import enrol_station, make_vault
from tests.ui.vault_work import on_vault

FAST = Backoff(base_ms=50, cap_ms=400, steady_ms=60_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Probes:
    """The real probe, noting when and on which thread each one starts and ends."""

    def __init__(self) -> None:
        self.starts: list[float] = []
        self.threads: set[threading.Thread] = set()
        self.started = threading.Event()
        self.ended = threading.Event()

    def __call__(self, url: str, authority: str | None) -> None:
        self.threads.add(threading.current_thread())
        self.starts.append(time.monotonic())
        self.started.set()
        try:
            probe(url, authority)
        finally:
            self.ended.set()


@pytest.fixture
def monitor(qapp: object) -> Iterator[RelayMonitor]:
    m = RelayMonitor(FAST)
    yield m
    m.stop()


@pytest.fixture
def runner(qapp: object) -> Iterator[Runner]:
    """Shut down after pytest-qt has closed the windows (a closing window locks its vault)."""
    r = Runner("station")
    yield r
    r.shutdown()


def test_the_backoff_doubles_up_to_its_cap() -> None:
    backoff = Backoff()
    assert [backoff.delay_ms(n) for n in range(1, 6)] == [5_000, 10_000, 20_000, 40_000, 80_000]
    assert backoff.delay_ms(40) == 15 * 60_000
    assert backoff.delay_ms(0) == 60_000  # answering: checked every minute
    assert [wait_text(ms) for ms in (50, 40_000, 59_000, 90_000)] == [
        "1 s", "40 s", "59 s", "2 min",
    ]  # fmt: skip


def test_a_relay_that_is_down_is_probed_less_and_less(qtbot: QtBot) -> None:
    probes = Probes()
    monitor = RelayMonitor(Backoff(base_ms=50, cap_ms=60_000), probes)
    delays: list[int] = []
    monitor.scheduled.connect(delays.append)
    ticks: list[float] = []
    gui_timer = QTimer(interval=10)
    gui_timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    gui_timer.start()
    url = f"http://127.0.0.1:{free_port()}"
    try:
        monitor.set_url(url)
        qtbot.waitUntil(lambda: len(delays) >= 5)
        assert monitor.reachable is False
    finally:
        gui_timer.stop()
        monitor.stop()
    assert delays[:5] == [50, 100, 200, 400, 800]
    assert len(probes.starts) <= 6  # the sixth is 800 ms away
    gaps = [b - a for a, b in zip(probes.starts, probes.starts[1:], strict=False)]
    assert all(gap >= 0.9 * delay / 1000 for gap, delay in zip(gaps, delays, strict=False))
    assert threading.main_thread() not in probes.threads
    assert len(ticks) >= 10  # the GUI thread's own timer kept firing meanwhile


def test_the_label_counts_down_and_gives_the_reason(qtbot: QtBot, monitor: RelayMonitor) -> None:
    shown: list[tuple[str, str]] = []
    monitor.status_changed.connect(lambda text, why: shown.append((text, why)))
    url = f"http://127.0.0.1:{free_port()}"
    monitor.set_url(url)
    assert shown[-1] == ("Relay: checking…", "")
    qtbot.waitUntil(lambda: shown[-1][0].startswith("Relay: unreachable — next try in "))
    text, why = shown[-1]
    assert text.endswith(" s") and why.startswith(f"The relay at {url} cannot be reached")
    monitor.set_url(None)
    assert shown[-1] == ("", "")


def test_a_probe_that_hangs_never_holds_up_the_window(qtbot: QtBot) -> None:
    """A relay that accepts the connection and never answers: the probe waits for its timeout
    on its worker while the GUI thread carries on."""
    probes = Probes()
    monitor = RelayMonitor(FAST, probes)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)  # never accepted: the kernel completes the handshake, nobody answers
        monitor.set_url(f"http://127.0.0.1:{silent.getsockname()[1]}")
        qtbot.waitUntil(probes.started.is_set)
        fired: list[bool] = []
        QTimer.singleShot(20, lambda: fired.append(probes.ended.is_set()))
        qtbot.waitUntil(lambda: bool(fired))
        assert fired == [False]  # the window ran a timer while the probe still waited
        assert monitor.reachable is None
    qtbot.waitUntil(lambda: monitor.reachable is False)  # closed: the probe fails at once
    monitor.stop()


def test_pending_changes_go_out_when_the_relay_starts(
    qtbot: QtBot, tmp_path: Path, runner: Runner
) -> None:
    hq = make_vault(tmp_path, "HQ", "hq")
    station = make_vault(tmp_path, "Lagos")
    enrol_station(hq, station)
    identity = export_identity(hq, tmp_path / "hq-identity.json")
    data = tmp_path / "relay-data"
    with relay_process(identity, data) as first:  # HQ puts the roster there once
        assert sync_online(hq, first.url).roster_sent

    station.store.add(Contact(full_name="Ada Okafor"))
    url = f"http://127.0.0.1:{free_port()}"
    set_relay_url(station, url)
    session = Session(station.path, runner)
    session.open(lambda: station, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    monitor = RelayMonitor(FAST)
    delays: list[int] = []
    monitor.scheduled.connect(delays.append)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings, drive_watch=DriveWatch(list), relay_monitor=monitor)
    qtbot.addWidget(window)
    window.show()
    outcomes: list[object] = []
    window.transport.finished.connect(outcomes.append)
    shown: list[str] = []  # the Sync progress's words, as the window showed them
    transport = window.transport
    transport.progress_relay.advanced.connect(
        lambda *_: shown.append(transport.progress_label.text())
    )
    try:
        label = window.transport.relay_label
        qtbot.waitUntil(lambda: len(delays) >= 4)  # down: 50, 100, 200 ms, then the cap
        assert label.text().startswith("Relay: unreachable — ") and label.isVisible()
        assert delays[:4] == [50, 100, 200, 400] and not outcomes

        with relay_process(identity, data, "--port", url.rsplit(":", 1)[1]) as relay:
            assert relay.url == url
            qtbot.waitUntil(lambda: bool(outcomes))  # nobody clicks anything
            (report,) = outcomes
            assert isinstance(report, SyncReport) and report.error is None
            assert [r.ops for r in report.sent] == [1]
            sending = [t for t in shown if t.startswith("Sending bundle 1 of 1: ")]
            assert sending and re.match(r"Sending bundle 1 of 1: ([0-9.]+) of \1 KiB", sending[-1])
            assert label.text() == "Relay: reachable"
            assert window.transport.summary_dialog is None  # auto: the status bar only
            assert window.statusBar().currentMessage().endswith("1 bundle out (1 change).")

            received = sync_online(hq, relay.url)
        assert [r.sender_name for r in received.applied] == ["Lagos"]
        assert hq.store.count(Contact) == 1
    finally:
        hq.lock()


class Switch:
    """A health check that says what the test wants (what a real sync then finds may differ)."""

    def __init__(self) -> None:
        self.up = True

    def __call__(self, url: str, authority: str | None) -> None:
        if not self.up:
            raise RelayUnreachable(f"The relay at {url} cannot be reached.")


def test_the_relay_address_and_auto_sync_are_set_in_the_sync_section(
    qtbot: QtBot, tmp_path: Path, runner: Runner
) -> None:
    hq, station = make_vault(tmp_path, "HQ", "hq"), make_vault(tmp_path, "Lagos")
    enrol_station(hq, station)
    hq.lock()
    session = Session(station.path, runner)
    session.open(lambda: station, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    switch = Switch()
    monitor = RelayMonitor(FAST, switch)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings, drive_watch=DriveWatch(list), relay_monitor=monitor)
    qtbot.addWidget(window)
    window.show()
    section = window.sync_section
    assert section is not None
    qtbot.waitUntil(lambda: section.state is not None)
    outcomes: list[object] = []
    window.transport.finished.connect(outcomes.append)
    assert section.auto_sync_box.isChecked()  # on unless turned off
    assert not section.sync_now_button.isEnabled() and not window.transport.relay_label.text()

    section.auto_sync_box.click()
    assert not window.transport.auto_sync and not Preferences.load(settings).auto_sync

    section.relay_edit.setText("relay.example")
    section.save_relay_button.click()
    assert "is not a relay address" in section.summary.text() and monitor.url is None

    url = f"http://127.0.0.1:{free_port()}"
    section.relay_edit.setText(f"{url}/")
    with qtbot.waitSignal(monitor.checked):
        section.save_relay_button.click()
    assert monitor.url == url and window.transport.relay_label.text() == "Relay: reachable"
    assert on_vault(qtbot, session, relay_url) == url
    qtbot.waitUntil(section.sync_now_button.isEnabled)
    assert not window.transport.busy and not outcomes  # reachable, but auto-sync is off

    # Sync now, by hand: nobody listens there after all; the summary says so.
    with qtbot.waitSignal(window.transport.finished):
        section.sync_now_button.click()
    assert isinstance(outcomes[-1], RelayUnreachable)
    dialog = window.transport.summary_dialog
    assert dialog is not None and "cannot be reached" in dialog.text.text()
    assert window.transport.relay_label.text().startswith("Relay: unreachable")

    # Auto-sync back on while the relay answers: it syncs at once, with no dialog.
    qtbot.waitUntil(lambda: monitor.reachable is True)
    dialog.close()
    with qtbot.waitSignal(window.transport.finished):
        section.auto_sync_box.click()
        switch.up = False  # the probes that follow fail: no sync after this one
    assert Preferences.load(settings).auto_sync and window.transport.auto_sync
    assert isinstance(outcomes[-1], RelayUnreachable) and len(outcomes) == 2
    assert window.transport.summary_dialog is dialog  # no new one
    assert window.statusBar().currentMessage().startswith("Sync with the relay: The relay at ")

    # Locked, the monitor stops and its label goes; unlocked, it watches the vault's relay again.
    window.lock()
    assert monitor.url is None and not window.transport.relay_label.isVisible()
    field = window.lock_screen.findChild(QLineEdit, "unlockPassphrase")
    assert field is not None
    qtbot.keyClicks(field, PASSPHRASE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: monitor.url == url)
    qtbot.waitUntil(lambda: window.transport.relay_label.text().startswith("Relay: unreachable"))
