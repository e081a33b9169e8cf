"""The Sync section: enrolment by its buttons, bundles out and in through a folder, peers' state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from liaison_desk.core import audit
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.compromise import revocation_of
from liaison_desk.sync.identity import grouped
from liaison_desk.sync.peers import hq_peer, list_peers
from liaison_desk.sync.status import peer_status
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_models import PeerTableModel, lag_text, when
from liaison_desk.ui.sync_section import SyncSection
from tests.conftest import PASSPHRASE
from tests.hostile_files import never_written_pipe
from tests.sync.helpers import enrol_station, fingerprint, make_vault
from tests.ui.on_screen import auto_lock_inside, questions_under_auto_lock, shown_besides
from tests.ui.vault_work import on_vault

YES = QMessageBox.StandardButton.Yes
NO = QMessageBox.StandardButton.No
DIALOGS = ("getSaveFileName", "getOpenFileName", "getOpenFileNames", "getExistingDirectory")


@pytest.fixture(autouse=True)
def no_file_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file dialog nobody answers would hang the suite, as a question would."""
    for name in DIALOGS:

        def unexpected(*args: object, name: str = name, **kwargs: object) -> None:
            raise AssertionError(f"unexpected file dialog: {name}")

        monkeypatch.setattr(QFileDialog, name, unexpected)


class Vaults:
    """Two vaults, each behind its own session and worker, as two machines would be."""

    def __init__(self, qtbot: QtBot, root: Path) -> None:
        self.qtbot = qtbot
        self.root = root
        self.hq_vault = make_vault(root, "HQ", "hq")
        self.station_vault = make_vault(root, "Lagos")
        self.hq_fp = fingerprint(self.hq_vault)
        self.station_fp = fingerprint(self.station_vault)
        self.runners = [Runner("hq"), Runner("station")]
        self.sessions: list[Session] = []

    def open(self) -> tuple[Session, Session]:
        for vault, runner in zip((self.hq_vault, self.station_vault), self.runners, strict=True):
            session = Session(vault.path, runner)
            session.open(
                lambda v=vault: v, lambda _: None, lambda e: pytest.fail(e.message), session
            )
            self.qtbot.waitUntil(lambda s=session: s.is_unlocked)
            self.sessions.append(session)
        return self.sessions[0], self.sessions[1]

    def close(self) -> None:
        for session in self.sessions:
            session.lock()
        for runner in self.runners:
            runner.shutdown()


@pytest.fixture
def vaults(qtbot: QtBot, tmp_path: Path, qapp: object) -> Iterator[Vaults]:
    pair = Vaults(qtbot, tmp_path)
    yield pair
    pair.close()


def section(qtbot: QtBot, session: Session) -> SyncSection:
    widget = SyncSection(session)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.state is not None)
    return widget


def cell(widget: SyncSection, row: int, header: str) -> str:
    model = widget.model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return str(model.index(row, headers.index(header)).data())


def answer(monkeypatch: pytest.MonkeyPatch, name: str, value: object) -> None:
    monkeypatch.setattr(QFileDialog, name, lambda *a, **k: value)


def run_batch(qtbot: QtBot, widget: SyncSection, start: Any) -> str:
    """Click export or import and wait for the batch to end; the bar must be full."""
    with qtbot.waitSignal(widget.finished, timeout=20_000):
        start()
    assert widget.progress.value() == widget.progress.maximum() > 0
    return widget.summary.text()


def test_enrol_by_the_buttons_then_bundles_go_both_ways(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hq_session, station_session = vaults.open()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(hq_session, settings)  # HQ in its window: its lists must refresh
    qtbot.addWidget(window)
    window.show()
    assert window.sync_section is not None
    hq = window.sync_section
    window.sidebar.setCurrentRow(window.sidebar.count() - 2)
    assert window.stack.currentWidget() is hq
    qtbot.waitUntil(lambda: hq.state is not None)
    station = section(qtbot, station_session)

    # The station sees the three steps, and its own fingerprint large and grouped.
    assert station.fingerprint.text() == grouped(vaults.station_fp)
    assert station.fingerprint.font().pointSize() >= 14
    assert station.enrolment.isVisible() and station.enrolment.request_button.isVisible()
    assert station.enrolment.request_button.text() == "1. Write enrolment request…"
    assert station.enrolment.check_label.text().startswith("2. Have HQ check the fingerprint")
    assert station.enrolment.accept_button.text() == "3. Accept HQ's approval…"
    assert not station.export_button.isEnabled()
    assert not hq.enrolment.request_button.isVisible() and hq.enrolment.approve_button.isVisible()
    assert window.sync_label.text() == "Sync: no stations enrolled"

    request, approval = tmp_path / "lagos-request.json", tmp_path / "lagos-approval.json"
    answer(monkeypatch, "getSaveFileName", (str(request), ""))
    station.enrolment.request_button.click()
    qtbot.waitUntil(request.exists)
    qtbot.waitUntil(lambda: "Request written" in station.enrolment.notice.text())

    # HQ opens the request: the station's fingerprint is shown large, then asked about.
    asked: list[tuple[str, str, bool]] = []

    def question(parent: object, title: str, text: str, *args: object) -> Any:
        shown = hq.enrolment.candidate_fingerprint
        asked.append((text, shown.text(), shown.isVisible()))
        return NO if len(asked) == 1 else YES

    monkeypatch.setattr(QMessageBox, "question", question)
    answer(monkeypatch, "getOpenFileName", (str(request), ""))
    hq.enrolment.approve_button.click()
    qtbot.waitUntil(lambda: "was not approved" in hq.enrolment.notice.text())
    assert not approval.exists() and hq.model.rowCount() == 0
    answer(monkeypatch, "getSaveFileName", (str(approval), ""))
    hq.enrolment.approve_button.click()
    qtbot.waitUntil(lambda: hq.model.rowCount() == 1)
    assert approval.exists()
    text, shown, visible = asked[-1]
    assert grouped(vaults.station_fp).replace("\n", "<br>") in text and "Lagos" in text
    assert shown == grouped(vaults.station_fp) and visible
    assert not hq.enrolment.candidate_fingerprint.isVisible()  # gone once approved
    assert cell(hq, 0, "Name") == "Lagos" and cell(hq, 0, "Status") == "Enrolled"

    # The station is shown HQ's fingerprint and asked before HQ's keys are pinned.
    answer(monkeypatch, "getOpenFileName", (str(approval), ""))
    station.enrolment.accept_button.click()
    qtbot.waitUntil(lambda: station.model.rowCount() == 1)
    qtbot.waitUntil(lambda: not station.enrolment.isVisible())
    assert len(asked) == 3 and grouped(vaults.hq_fp).replace("\n", "<br>") in asked[-1][0]
    assert cell(station, 0, "Name") == "HQ" and cell(station, 0, "Role") == "HQ"
    assert station.export_button.isEnabled()

    # A contact written at the station waits for HQ...
    on_vault(qtbot, station_session, lambda v: v.store.add(Contact(full_name="Ada Okafor")))
    station_session.changed.emit("contact")
    qtbot.waitUntil(lambda: cell(station, 0, "Pending") == "1")
    outbox = tmp_path / "usb"
    outbox.mkdir()
    answer(monkeypatch, "getExistingDirectory", str(outbox))
    reported: list[tuple[int, ...]] = []
    station.relay.advanced.connect(lambda *args: reported.append(args))
    summary = run_batch(qtbot, station, station.export_button.click)
    assert [r[1:] for r in reported] == [(0, 1, 1)]  # step 0: one op of one, by signal
    assert summary.startswith("To HQ: 1 change, ")
    (bundle,) = outbox.iterdir()
    assert bundle.name in summary

    # ...goes in at HQ, whose Contacts list and stations table take it...
    answer(monkeypatch, "getOpenFileNames", ([str(bundle)], ""))
    summary = run_batch(qtbot, hq, hq.import_button.click)
    assert summary == "From Lagos: 1 change, 1 applied."
    qtbot.waitUntil(lambda: window.sections[0].model.rowCount() == 1)
    qtbot.waitUntil(lambda: cell(hq, 0, "Held of theirs") == "1")
    assert cell(hq, 0, "Bundles in") == "1" and cell(hq, 0, "Lag") == "just now"
    assert cell(hq, 0, "Last bundle").endswith(" UTC")
    assert cell(station, 0, "Pending") == "1"  # not acknowledged until HQ answers

    # ...and HQ's answer acknowledges it: nothing is pending at the station any more.
    bundle.unlink()
    summary = run_batch(qtbot, hq, hq.export_button.click)
    assert summary.startswith("To Lagos: no changes (acknowledgements only)")
    (answer_bundle,) = outbox.iterdir()
    answer(monkeypatch, "getOpenFileNames", ([str(answer_bundle)], ""))
    summary = run_batch(qtbot, station, station.import_button.click)
    assert summary == "From HQ: 0 changes, 0 applied."
    qtbot.waitUntil(lambda: cell(station, 0, "Pending") == "0")
    assert cell(station, 0, "Acknowledged of ours") == "1 of 1"
    assert cell(station, 0, "Last exchange").endswith(" UTC")
    qtbot.waitUntil(lambda: window.sync_label.text() == "Sync: 1 station · 0 pending")

    # The same bundle twice, and a file that is no bundle: reported, nothing changed.
    junk = tmp_path / "holiday.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 not a bundle")
    answer(monkeypatch, "getOpenFileNames", ([str(answer_bundle), str(junk)], ""))
    summary = run_batch(qtbot, station, station.import_button.click)
    assert summary.splitlines()[0].endswith("from HQ, already imported; nothing changed.")
    assert summary.splitlines()[1].startswith("holiday.jpg: refused (not-a-bundle).")


def test_a_swapped_approval_shows_the_rogue_hq_and_pins_nothing_unless_confirmed(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hq_session, station_session = vaults.open()
    rogue = make_vault(tmp_path, "Rogue HQ", "hq")
    request = on_vault(qtbot, station_session, lambda v: enrol.own_request(v)[1])
    real, swapped = tmp_path / "approval.json", tmp_path / "swapped.json"
    real.write_bytes(on_vault(qtbot, hq_session, lambda v: enrol.approve(v, request)[1]))
    swapped.write_bytes(enrol.approve(rogue, request)[1])
    rogue_fp = fingerprint(rogue)
    rogue.lock()
    station = section(qtbot, station_session)
    panel = station.enrolment
    asked: list[tuple[str, str, bool]] = []
    answers = iter([NO, YES])

    def question(parent: object, title: str, text: str, *args: object) -> Any:
        shown = panel.candidate_fingerprint
        asked.append((text, shown.text(), shown.isVisible()))
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)

    # The courier's file: the rogue's name and fingerprint, large; refused, nothing is kept.
    answer(monkeypatch, "getOpenFileName", (str(swapped), ""))
    panel.accept_button.click()
    qtbot.waitUntil(lambda: "Not enrolled" in panel.notice.text())
    text, shown, visible = asked[0]
    assert "Rogue HQ" in text and grouped(rogue_fp).replace("\n", "<br>") in text
    assert shown == grouped(rogue_fp) and visible
    assert panel.candidate_fingerprint.font().pointSize() >= 14
    assert not panel.candidate_fingerprint.isVisible() and panel.isVisible()

    def pinned(vault: Vault) -> tuple[str | None, int]:
        hq = hq_peer(vault.conn)
        enrolments = [e for e in audit.entries(vault.conn) if e.event == "enrolment"]
        return (hq.fingerprint if hq else None), len(enrolments)

    assert on_vault(qtbot, station_session, pinned) == (None, 0)
    assert station.model.rowCount() == 0

    # The real HQ's approval is still accepted, once its fingerprint is confirmed.
    answer(monkeypatch, "getOpenFileName", (str(real), ""))
    panel.accept_button.click()
    qtbot.waitUntil(lambda: station.model.rowCount() == 1)
    assert grouped(vaults.hq_fp).replace("\n", "<br>") in asked[1][0]
    assert on_vault(qtbot, station_session, pinned) == (vaults.hq_fp, 1)
    assert cell(station, 0, "Name") == "HQ"


def test_an_approval_that_is_a_pipe_or_too_large_gets_a_sentence_and_pins_nothing(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _hq_session, station_session = vaults.open()
    station = section(qtbot, station_session)
    panel = station.enrolment
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("nothing to confirm"))

    with never_written_pipe(tmp_path / "approval.json") as pipe:
        answer(monkeypatch, "getOpenFileName", (str(pipe), ""))
        panel.accept_button.click()
        qtbot.waitUntil(lambda: "approval.json" in panel.notice.text(), timeout=4_000)
    assert "not a regular file" in panel.notice.text()

    big = tmp_path / "big.json"
    big.write_bytes(b" " * (enrol.MAX_FILE + 1))
    answer(monkeypatch, "getOpenFileName", (str(big), ""))
    panel.accept_button.click()
    qtbot.waitUntil(lambda: "big.json is" in panel.notice.text())
    assert "enrolment files over" in panel.notice.text()
    assert on_vault(qtbot, station_session, lambda v: hq_peer(v.conn)) is None


@pytest.fixture
def enrolled(vaults: Vaults) -> tuple[Session, Session]:
    enrol_station(vaults.hq_vault, vaults.station_vault)
    vaults.station_vault.store.add(Contact(full_name="Bola Ade"))
    return vaults.open()


def test_hq_sends_to_the_chosen_station_and_revokes_one(
    qtbot: QtBot,
    vaults: Vaults,
    enrolled: tuple[Session, Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    hq = section(qtbot, enrolled[0])
    assert [hq.target.itemText(i) for i in range(hq.target.count())] == [
        "All active stations",
        "Lagos",
    ]
    assert cell(hq, 0, "Lag") == "never heard from"
    assert (
        hq.model.index(0, hq.model.columnCount() - 1).data(Qt.ItemDataRole.ForegroundRole)
        is not None
    )
    assert not hq.revoke_button.isEnabled()
    hq.table.selectRow(0)
    assert hq.target.currentText() == "Lagos" and hq.revoke_button.isEnabled()

    answer(monkeypatch, "getExistingDirectory", str(tmp_path))
    summary = run_batch(qtbot, hq, hq.export_button.click)
    assert summary.startswith("To Lagos: ")

    hq.revoke_button.click()
    dialog = hq.revoke_dialog
    assert dialog is not None and dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()  # no revocation without its reason
    dialog.reason.setText("Laptop lost in transit")
    ok.click()
    qtbot.waitUntil(lambda: cell(hq, 0, "Status") == "Revoked")
    assert not hq.revoke_button.isEnabled() and not hq.export_button.isEnabled()
    assert hq.target.count() == 1  # no active station left to choose
    statuses = on_vault(qtbot, enrolled[0], peer_status)
    assert [s.peer.active for s in statuses] == [False]
    logged = on_vault(qtbot, enrolled[0], lambda v: audit.entries(v.conn))
    revoked = [e.detail for e in logged if e.event == "peer-revoked"]
    assert revoked == [{"peer": vaults.station_fp[:16]}]  # one entry, not one per layer
    reason = on_vault(qtbot, enrolled[0], lambda v: revocation_of(v.conn, vaults.station_fp))
    assert reason.reason == "Laptop lost in transit" and reason.compromised_since is None


def window_over(qtbot: QtBot, session: Session, root: Path) -> MainWindow:
    settings = QSettings(str(root / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(session, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: window.sync_section is not None and window.sync_section.state is not None
    )
    return window


def test_a_question_naming_a_station_closes_on_auto_lock_and_revokes_nothing(
    qtbot: QtBot,
    vaults: Vaults,
    enrolled: tuple[Session, Session],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    window = window_over(qtbot, enrolled[0], tmp_path)
    hq = window.sync_section
    assert hq is not None
    hq.table.selectRow(0)

    # The dialog is the section's; the lock destroys the section while it waits.
    qtbot.waitUntil(lambda: window.counts_label.text() != "" and not enrolled[0].runner.busy)
    hq.revoke_button.click()
    dialog = hq.revoke_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.reason.setText("Laptop lost in transit")
    window.auto_lock()

    assert not dialog.isVisible()
    assert shown_besides(window) == []
    qtbot.waitUntil(lambda: vaults.hq_vault.locked)
    with Vault.unlock(vaults.hq_vault.path, PASSPHRASE) as vault:
        assert [peer.active for peer in list_peers(vault.conn)] == [True]


def test_hqs_fingerprint_question_closes_on_auto_lock_and_nothing_is_pinned(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hq_session, station_session = vaults.open()
    request = on_vault(qtbot, station_session, lambda v: enrol.own_request(v)[1])
    approval = tmp_path / "approval.json"
    approval.write_bytes(on_vault(qtbot, hq_session, lambda v: enrol.approve(v, request)[1]))
    window = window_over(qtbot, station_session, tmp_path)
    assert window.sync_section is not None
    asked = questions_under_auto_lock(monkeypatch, window)
    answer(monkeypatch, "getOpenFileName", (str(approval), ""))

    def accept_and_wait() -> None:
        assert window.sync_section is not None
        window.sync_section.enrolment.accept_button.click()
        qtbot.waitUntil(lambda: bool(asked))  # read on the worker, then asked

    auto_lock_inside(window, accept_and_wait, arm=False)

    assert grouped(vaults.hq_fp).replace("\n", "<br>") in asked[0][0]
    assert asked[0][1] != YES and shown_besides(window) == []
    qtbot.waitUntil(lambda: vaults.station_vault.locked)
    with Vault.unlock(vaults.station_vault.path, PASSPHRASE) as vault:
        assert hq_peer(vault.conn) is None


def test_an_error_is_a_sentence_in_the_section(
    qtbot: QtBot, enrolled: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    station = section(qtbot, enrolled[1])
    answer(monkeypatch, "getExistingDirectory", "/nonexistent/folder")
    summary = run_batch(qtbot, station, station.export_button.click)
    assert summary.startswith("To HQ: not written. ")
    assert "Something went wrong" not in summary


def test_peer_model_passes_the_model_tester(
    qtbot: QtBot, enrolled: tuple[Session, Session], qtmodeltester: Any
) -> None:
    for session in enrolled:
        statuses = on_vault(qtbot, session, peer_status)
        model = PeerTableModel(session.info.role if session.info else "station")
        model.set_rows(statuses)
        qtmodeltester.check(model)
        model.set_rows(statuses)  # the same peers again: repainted, not reset
        assert model.rowCount() == 1
    assert when(None) == "never" and when("2026-03-14T10:00:00.000Z") == "2026-03-14 10:00 UTC"
    assert [lag_text(s) for s in (None, 5, 120, 7_200, 90_000)] == [
        "never heard from", "just now", "2 min", "2 h", "1 d",
    ]  # fmt: skip
