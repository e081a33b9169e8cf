"""Enrolment in the Sync section: a station asks, HQ checks the fingerprint and approves.

The files go by hand (USB stick, e-mail); only the fingerprint, read aloud
over the phone and compared group by group, proves whose keys they carry.
So each side sees the other's fingerprint large and must say it was checked:
HQ before anything is approved, the station before HQ's keys are pinned (a
courier could swap HQ's approval for a rogue HQ's). Every file is read and
written on the vault's worker.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.identity import PeerIdentity, grouped
from liaison_desk.sync.peers import Peer
from liaison_desk.sync.recovery import policy_text
from liaison_desk.ui.detail_view import GREY
from liaison_desk.ui.session import Session

T = TypeVar("T")

FILES = "Enrolment files (*.json);;All files (*)"
ERROR_STYLE = "color:#c8102e"


def fingerprint_font(point_size: int = 15) -> QFont:
    """Fixed width, so the groups line up when two people read them to each other."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(point_size)
    font.setBold(True)
    return font


def fingerprint_label(fingerprint: str = "") -> QLabel:
    label = QLabel(grouped(fingerprint) if fingerprint else "")
    label.setFont(fingerprint_font())
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def file_stem(name: str) -> str:
    return re.sub(r"[^\w-]+", "-", name).strip("-") or "vault"


def _large_fingerprint(peer: PeerIdentity) -> str:
    lines = html.escape(grouped(peer.fingerprint)).replace("\n", "<br>")
    return f"<p style='font-family:monospace; font-size:15pt; font-weight:bold'>{lines}</p>"


def _post(peer: PeerIdentity) -> str:
    return f", {html.escape(peer.post)}" if peer.post else ""


def confirm_text(station: PeerIdentity) -> str:
    return (
        f"<p>Station <b>{html.escape(station.name)}</b>{_post(station)} asks to be enrolled. "
        "Its fingerprint is:</p>"
        f"{_large_fingerprint(station)}"
        "<p>Call the station on a number you already know and have its officer read their "
        "fingerprint from their own screen. Approve only if every group matches.</p>"
        "<p>Did every group match?</p>"
    )


def hq_confirm_text(hq: PeerIdentity) -> str:
    return (
        f"<p>This approval comes from HQ <b>{html.escape(hq.name)}</b>{_post(hq)}. "
        "Its fingerprint is:</p>"
        f"{_large_fingerprint(hq)}"
        "<p>Call HQ on a number you already know and have its officer read HQ's fingerprint "
        "from their own screen. Accept only if every group matches: anyone who handled the "
        "file could have swapped it.</p>"
        "<p>Did you compare this fingerprint with HQ over a separate channel?</p>"
    )


class EnrolmentPanel(QGroupBox):
    """The enrolment steps for this vault's role; hidden once a station has its HQ."""

    status_message = Signal(str)
    enrolled = Signal()  # a peer was added: the section reads its peers again

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Enrolment", parent)
        self.session = session
        self.role = session.info.role if session.info else "station"
        self.me: PeerIdentity | None = None
        self.folder = Path.home()
        self._build()

    def _build(self) -> None:
        self.request_button = QPushButton("1. Write enrolment request…")
        self.request_button.clicked.connect(self.write_request)
        self.check_label = QLabel(
            "2. Have HQ check the fingerprint: read the fingerprint above to HQ over the "
            "phone; HQ compares it, group by group, with the one its screen shows."
        )
        self.check_label.setWordWrap(True)
        self.accept_button = QPushButton("3. Accept HQ's approval…")
        self.accept_button.clicked.connect(self.accept_approval)
        self.approve_button = QPushButton("Approve a station's request…")
        self.approve_button.clicked.connect(self.approve_request)
        self.approve_hint = QLabel(
            "A station writes an enrolment request and sends it to you. You check its "
            "fingerprint with the station by phone, then give it the approval file."
        )
        self.approve_hint.setWordWrap(True)
        self.approve_hint.setStyleSheet(GREY)
        self.candidate_label = QLabel()
        self.candidate_label.setWordWrap(True)
        self.candidate_fingerprint = fingerprint_label()
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        grid = QGridLayout()
        station = (self.request_button, self.check_label, self.accept_button)
        hq = (self.approve_button, self.approve_hint, self.candidate_label)
        for row, widget in enumerate((*station, *hq, self.candidate_fingerprint)):
            if isinstance(widget, QPushButton):
                grid.addWidget(widget, row, 0, Qt.AlignmentFlag.AlignLeft)
            else:
                grid.addWidget(widget, row, 0)
        for widget in station:
            widget.setVisible(self.role != "hq")
        for widget in hq:
            widget.setVisible(self.role == "hq")
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.notice)
        self._show_candidate(None)

    def set_state(self, me: PeerIdentity, hq: Peer | None) -> None:
        """A station that has pinned its HQ has no enrolment left to do."""
        self.me = me
        self.setVisible(self.role == "hq" or hq is None)

    def _say(self, text: str, error: bool = False) -> None:
        self.notice.setStyleSheet(ERROR_STYLE if error else "")
        self.notice.setText(text)

    def _report(self, error: LiaisonError) -> None:
        self._say(error.message, error=True)
        self.status_message.emit(error.message)

    # -- station ---------------------------------------------------------------------------

    def write_request(self) -> None:
        """Step 1: the request file (public keys and name, self-signed) for HQ."""
        name = self.me.name if self.me else "station"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Write enrolment request",
            str(self.folder / f"{file_stem(name)}-enrolment-request.json"),
            FILES,
        )
        if not path:
            return
        target = Path(path)
        self.folder = target.parent

        def work(vault: Vault) -> Path:
            atomic_write(target, enrol.own_request(vault)[1])
            return target

        def done(written: Path) -> None:
            self._say(
                f"Request written to {written}. Carry it to HQ, then read your fingerprint "
                "to HQ over the phone (step 2)."
            )

        self._run(work, done)

    def accept_approval(self) -> None:
        """Step 3: read and verify HQ's approval, show HQ's fingerprint and ask; only then
        pin HQ's keys. From then on bundles go to HQ."""
        path, _ = QFileDialog.getOpenFileName(self, "Accept HQ's approval", str(self.folder), FILES)
        if not path:
            return
        source = Path(path)
        self.folder = source.parent

        def work(vault: Vault) -> tuple[PeerIdentity, bytes]:
            approval = enrol.read_enrolment_file(source)
            return enrol.check_approval(vault, approval), approval

        self._run(work, lambda found: self._confirm_hq(*found))

    def _confirm_hq(self, hq: PeerIdentity, approval: bytes) -> None:
        self._show_candidate(hq)
        answer = QMessageBox.question(
            self,
            "Accept HQ's approval",
            f"{hq_confirm_text(hq)}\n\n{policy_text(enrol.asks_recovery_slot(approval))}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self._show_candidate(None)
            self._say(f"Not enrolled: the approval from {hq.name} was not accepted.")
            return

        def work(vault: Vault) -> PeerIdentity:
            enrol.pin_hq(vault, hq, approval)
            return hq

        def done(pinned: PeerIdentity) -> None:
            self._show_candidate(None)
            self._say(
                f"Enrolled with {pinned.name}. Bundles now go to {pinned.name} and come back."
            )
            self.status_message.emit(f"Enrolled with {pinned.name}.")
            self.enrolled.emit()

        self._run(work, done, write=True)

    # -- HQ ----------------------------------------------------------------------------------

    def approve_request(self) -> None:
        """Show the station's fingerprint, ask whether it was checked, then write the approval."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Approve a station's request", str(self.folder), FILES
        )
        if not path:
            return
        source = Path(path)
        self.folder = source.parent

        def work(_vault: Vault) -> tuple[bytes, PeerIdentity]:
            data = enrol.read_enrolment_file(source)
            return data, enrol.read_request(data)

        self._run(work, lambda found: self._confirm(*found))

    def _confirm(self, request: bytes, station: PeerIdentity) -> None:
        self._show_candidate(station)
        answer = QMessageBox.question(
            self,
            "Approve station",
            confirm_text(station),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            self._show_candidate(None)
            self._say(f"{station.name} was not approved.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the approval for the station",
            str(self.folder / f"{file_stem(station.name)}-enrolment-approval.json"),
            FILES,
        )
        if not path:
            self._show_candidate(None)
            self._say(f"{station.name} was not approved.")
            return
        target = Path(path)

        def work(vault: Vault) -> PeerIdentity:
            enrolled, approval = enrol.approve(vault, request)
            atomic_write(target, approval)
            return enrolled

        def done(enrolled: PeerIdentity) -> None:
            self._show_candidate(None)
            self._say(f"{enrolled.name} is enrolled. Give it the approval file {target}.")
            self.status_message.emit(f"{enrolled.name} is enrolled.")
            self.enrolled.emit()

        self._run(work, done, write=True)

    def _show_candidate(self, station: PeerIdentity | None) -> None:
        if station is None:
            self.candidate_label.clear()
            self.candidate_fingerprint.clear()
            self.candidate_label.setVisible(False)
            self.candidate_fingerprint.setVisible(False)
            return
        name = html.escape(station.name)
        self.candidate_label.setText(f"Checking the fingerprint of <b>{name}</b>:")
        self.candidate_fingerprint.setText(grouped(station.fingerprint))
        self.candidate_label.setVisible(True)
        self.candidate_fingerprint.setVisible(True)

    def _run(
        self, work: Callable[[Vault], T], done: Callable[[T], None], write: bool = False
    ) -> None:
        if not self.session.is_unlocked:
            return
        self._say("")
        if write:
            self.session.write("sync", work, done, self, self._report)
        else:
            self.session.read(work, done, self, self._report)
