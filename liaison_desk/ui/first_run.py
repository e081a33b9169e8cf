"""The first-run wizard: create a vault (passphrase, station, recovery code) or try a demo.

Every touch of a vault happens on the runner, through a Session; the pages only
show progress and the outcome. The passphrase lives in the form's fields until
the vault exists, then the fields are cleared; it is never logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from liaison_desk.core.demo import open_demo
from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.keyslots import KdfParams, normalize_recovery_code
from liaison_desk.core.passphrase_policy import assess
from liaison_desk.core.station_zone import set_station_zone, zone_names
from liaison_desk.core.vault import Vault, VaultInfo
from liaison_desk.ui.passphrase_field import PassphraseField
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.zone_box import zone_box

ERROR_CSS = "color: #b00020;"
_WELCOME, _PASSPHRASE, _STATION, _CREATE, _DEMO = range(5)
REBUILD_DEMO = "rebuildDemo"  # the wizard field: build the demo again instead of reopening it
W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """Give a widget the object name that tests and style sheets find it by."""
    widget.setObjectName(name)
    return widget


def explanation(text: str) -> QLabel:
    """The short sentence under a page's title that says why the page is there."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def error_label(name: str) -> QLabel:
    """A red sentence for an error the user can act on; hidden until there is one."""
    label = named(QLabel(), name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_CSS)
    label.hide()
    return label


def busy_bar(name: str) -> QProgressBar:
    """An indeterminate bar: Argon2id and the demo build give no progress to report."""
    bar = named(QProgressBar(), name)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.hide()
    return bar


class NewPassphraseForm(QWidget):
    """A new passphrase typed twice, with a strength meter and the estimator's advice in words.

    The meter and the sentence come from the core's policy (zxcvbn), the same
    judgement the vault applies when it is asked to take the passphrase.
    """

    changed = Signal()
    submitted = Signal()  # Enter in either field, for forms that are not in a dialog

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = PassphraseField("passphrase")
        self.again = PassphraseField("passphraseAgain")
        self._first, self._again = self.first.edit, self.again.edit
        for edit in (self._first, self._again):
            edit.textChanged.connect(self._update)
            edit.returnPressed.connect(self.submitted)
        self._meter = named(QProgressBar(), "strengthMeter")
        self._meter.setRange(0, 4)
        self._meter.setTextVisible(False)
        self._reason = named(QLabel(), "strengthReason")
        self._reason.setWordWrap(True)
        self._advice = named(QLabel(), "strengthAdvice")
        self._advice.setWordWrap(True)
        self._mismatch = error_label("mismatch")

        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._form.addRow("&Passphrase:", self.first)
        self._form.addRow("&Again:", self.again)
        self._form.addRow("Strength:", self._meter)
        self._form.addRow("", self._reason)
        self._form.addRow("", self._advice)
        self._form.addRow("", self._mismatch)
        self._update()

    def add_leading_row(self, label: str, field: QWidget) -> None:
        """A field asked before the new passphrase, aligned with the rows below it."""
        self._form.insertRow(0, label, field)

    def passphrase(self) -> str | None:
        """The passphrase once it is strong enough and typed the same twice, else None."""
        text = self._first.text()
        if assess(text).problem is None and text == self._again.text():
            return text
        return None

    def clear(self) -> None:
        self._first.clear()
        self._again.clear()

    def focus(self) -> None:
        self._first.setFocus()

    def _update(self) -> None:
        text, again = self._first.text(), self._again.text()
        rating = assess(text)
        self._meter.setValue(rating.score if text else 0)
        if not text:
            self._reason.setText(rating.problem or "")
        elif rating.problem is not None:
            self._reason.setText(f"{rating.verdict}: {rating.problem}")
        else:
            self._reason.setText(
                f"{rating.verdict}: about {rating.crack_time} to guess, even with a copy of "
                "the vault."
            )
        advice = [rating.warning] if rating.warning and rating.problem is None else []
        advice += [s for s in rating.suggestions if s not in (rating.problem or "")]
        self._advice.setText(" ".join(advice))
        self._advice.setVisible(bool(advice))
        self._mismatch.setText("The two passphrases differ.")
        self._mismatch.setVisible(bool(again) and again != text)
        self.changed.emit()


class _WelcomePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to Liaison Desk")
        self._create = named(QRadioButton("&Create my vault"), "chooseCreate")
        self._demo = named(QRadioButton("&Explore a demo vault of fictional data"), "chooseDemo")
        rebuild = named(
            QCheckBox("Start the demo &afresh (forget what was changed in it)"), "rebuildDemo"
        )
        rebuild.setEnabled(False)
        self._demo.toggled.connect(rebuild.setEnabled)
        self.registerField(REBUILD_DEMO, rebuild)
        self._create.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self._create)
        group.addButton(self._demo)
        self._demo.toggled.connect(self._chosen)

        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "Your contacts, meetings and notes are kept in an encrypted vault on this "
                "computer. Create your own, or look around a demo first: its people are invented."
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self._create)
        layout.addWidget(self._demo)
        indented = QHBoxLayout()
        indented.addSpacing(24)
        indented.addWidget(rebuild)
        layout.addLayout(indented)
        layout.addStretch()

    def initializePage(self) -> None:
        self._create.setFocus()

    def nextId(self) -> int:
        return _DEMO if self._demo.isChecked() else _PASSPHRASE

    def _chosen(self, demo: bool) -> None:
        next_button = QWizard.WizardButton.NextButton
        self.setButtonText(
            next_button, "&Open the demo" if demo else self.wizard().buttonText(next_button)
        )


class _PassphrasePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Choose a passphrase")
        self.form = NewPassphraseForm()
        self.form.changed.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "The passphrase unlocks the vault each time you open it. A few unrelated "
                "words are easier to remember and harder to guess than a short password."
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self.form)
        layout.addStretch()

    def initializePage(self) -> None:
        self.form.focus()

    def isComplete(self) -> bool:
        return self.form.passphrase() is not None


class _StationPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Name this vault")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Create the vault")
        self._station = named(QRadioButton("A &station (embassy or post)"), "roleStation")
        self._hq = named(QRadioButton("&Headquarters (HQ)"), "roleHq")
        self._station.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self._station)
        group.addButton(self._hq)
        self._name = named(QLineEdit(), "stationName")
        self._name.setPlaceholderText("e.g. Defence section, Paris")
        self._name.textChanged.connect(self.completeChanged)
        # Asked here because a new meeting's time is read in it: left to the laptop's own
        # zone, an officer whose laptop says UTC (or home) books every meeting hours off.
        self._zone = named(zone_box("blank: this computer's time zone"), "stationZone")
        self._zone.setToolTip("Where this station's meeting times are read; Preferences change it.")
        self._zone.currentTextChanged.connect(self.completeChanged)

        roles = QVBoxLayout()
        roles.addWidget(self._station)
        roles.addWidget(self._hq)
        form = QFormLayout()
        form.addRow("This vault belongs to:", roles)
        form.addRow("&Name:", self._name)
        form.addRow("Time &zone:", self._zone)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "Headquarters and the other stations know this vault by its name, "
                "so choose one they will recognise."
            )
        )
        layout.addSpacing(12)
        layout.addLayout(form)
        layout.addStretch()

    def initializePage(self) -> None:
        self._name.setFocus()

    def isComplete(self) -> bool:
        zone = self.zone()
        return bool(self.name()) and (zone is None or zone in zone_names())

    def zone(self) -> str | None:
        """The station's time zone; None to follow the computer's."""
        return self._zone.currentText().strip() or None

    def name(self) -> str:
        return self._name.text().strip()

    def role(self) -> str:
        return "hq" if self._hq.isChecked() else "station"


@dataclass
class _RecoveryCode:
    """Filled in by the opener on the worker; read on the GUI thread once the vault is open."""

    text: str = ""


class _WorkStatus(QWidget):
    """What the runner is doing for a page: a busy bar, or a red sentence and Try again."""

    retry = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._busy = busy_bar("workBusy")
        self._error = error_label("workError")
        self._retry = named(QPushButton("&Try again"), "tryAgain")
        self._retry.hide()
        self._retry.clicked.connect(self.retry)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._busy)
        layout.addWidget(self._error)
        layout.addWidget(self._retry, 0, Qt.AlignmentFlag.AlignLeft)

    def working(self) -> None:
        self._busy.show()
        self._error.hide()
        self._retry.hide()

    def idle(self) -> None:
        self._busy.hide()

    def failed(self, error: LiaisonError) -> None:
        self._busy.hide()
        self._error.setText(error.message)
        self._error.show()
        self._retry.show()
        self._retry.setFocus()


def _cancelled_meanwhile(page: QWizardPage, session: Session) -> bool:
    """True, and the vault locked again, when the wizard was closed while the vault opened."""
    if page.isVisible():
        return False
    session.lock()
    return True


class _CreatePage(QWizardPage):
    def __init__(
        self,
        session: Session,
        kdf: KdfParams | None,
        passphrase: _PassphrasePage,
        station: _StationPage,
    ) -> None:
        super().__init__()
        self.setTitle("Creating your vault")
        self.session = session
        self._kdf = kdf
        self._passphrase = passphrase
        self._station = station
        self._code = _RecoveryCode()
        self._status = _WorkStatus()
        self._status.retry.connect(self._start)
        self._intro = explanation(
            "Deriving the key from your passphrase takes a moment on purpose: "
            "it makes guessing passphrases slow."
        )
        self._code_label = named(QLabel(), "recoveryCode")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setWeight(QFont.Weight.Bold)
        self._code_label.setFont(font)
        self._code_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._written = named(
            QCheckBox("I have &written down the recovery code"), "recoveryWritten"
        )
        self._written.toggled.connect(self.completeChanged)
        self._last_group = named(QLineEdit(), "recoveryLastGroup")
        self._last_group.setMaxLength(4)
        self._last_group.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self._last_group.setMaximumWidth(self._last_group.fontMetrics().horizontalAdvance("M" * 8))
        self._last_group.textChanged.connect(self.completeChanged)
        self._code_box = QWidget()
        box = QFormLayout(self._code_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addRow(self._code_label)
        box.addRow(self._written)
        box.addRow("&Last four characters of the code:", self._last_group)
        self._code_box.hide()

        layout = QVBoxLayout(self)
        layout.addWidget(self._intro)
        layout.addSpacing(12)
        layout.addWidget(self._status)
        layout.addWidget(self._code_box)
        layout.addStretch()

    def initializePage(self) -> None:
        self._start()

    def nextId(self) -> int:
        return -1

    def isComplete(self) -> bool:
        last = self._code.text.rsplit("-", 1)[-1]
        return (
            self.session.is_unlocked
            and self._written.isChecked()
            and normalize_recovery_code(self._last_group.text()) == normalize_recovery_code(last)
        )

    def _start(self) -> None:
        passphrase = self._passphrase.form.passphrase() or ""
        name, role, zone = self._station.name(), self._station.role(), self._station.zone()
        vault_dir, kdf, code = self.session.vault_dir, self._kdf, self._code

        def create() -> Vault:
            vault, code.text = Vault.create(vault_dir, passphrase, name=name, role=role, kdf=kdf)
            if zone is not None:
                set_station_zone(vault.store, zone)
            return vault

        self._status.working()
        self.session.open(create, self._created, self._status.failed, self)

    def _created(self, _info: VaultInfo) -> None:
        self._passphrase.form.clear()
        if _cancelled_meanwhile(self, self.session):
            return
        self._status.idle()
        self.setTitle("Write down your recovery code")
        self._intro.setText(
            "If the passphrase is ever forgotten, this code is the only way back into the "
            "vault. Write it on paper now and keep the paper apart from this laptop; it will "
            "not be shown again."
        )
        self._code_label.setText(self._code.text)
        self._code_box.show()
        self._written.setFocus()


class _DemoPage(QWizardPage):
    def __init__(self, session: Session) -> None:
        super().__init__()
        self.setTitle("Building the demo vault")
        self.session = session
        self._status = _WorkStatus()
        self._status.retry.connect(self._start)
        layout = QVBoxLayout(self)
        layout.addWidget(
            explanation(
                "Opening the demo kept from last time, or inventing a few hundred people, "
                "organisations and meetings. Nothing in the demo is real, and nothing you do "
                "in it reaches your own vault. It opens without a passphrase: put nothing "
                "real in it."
            )
        )
        layout.addSpacing(12)
        layout.addWidget(self._status)
        layout.addStretch()

    def initializePage(self) -> None:
        self._start()

    def isComplete(self) -> bool:
        return self.session.is_unlocked

    def _start(self) -> None:
        demo_dir = self.session.vault_dir

        rebuild = bool(self.field(REBUILD_DEMO))

        def build() -> Vault:
            # The application's own demo folder: only demos are ever written there.
            return open_demo(demo_dir, rebuild=rebuild, replace_other=True)[0]

        self._status.working()
        self.session.open(build, self._built, self._status.failed, self)

    def _built(self, _info: VaultInfo) -> None:
        if _cancelled_meanwhile(self, self.session):
            return
        self._status.idle()
        self.wizard().accept()


class FirstRunWizard(QWizard):
    """Shown when there is no vault yet; ends with `opened(Session)` holding an unlocked vault."""

    opened = Signal(object)

    def __init__(
        self,
        vault_dir: Path,
        demo_dir: Path,
        runner: Runner,
        kdf: KdfParams | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Liaison Desk: first start")
        self.setOption(QWizard.WizardOption.DisabledBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        passphrase = _PassphrasePage()
        station = _StationPage()
        self._create = _CreatePage(Session(vault_dir, runner), kdf, passphrase, station)
        self._demo = _DemoPage(Session(demo_dir, runner, demo=True))
        self.setPage(_WELCOME, _WelcomePage())
        self.setPage(_PASSPHRASE, passphrase)
        self.setPage(_STATION, station)
        self.setPage(_CREATE, self._create)
        self.setPage(_DEMO, self._demo)
        self.setMinimumSize(560, 420)

    def done(self, result: int) -> None:
        """Hand the open vault on when finished; on cancel, lock any vault already opened."""
        session = (self._demo if self.currentId() == _DEMO else self._create).session
        super().done(result)
        if result == QDialog.DialogCode.Accepted:
            self.opened.emit(session)
        else:
            session.lock()
