"""What every passphrase field has: a show/hide toggle and a Caps Lock warning.

Qt has no portable way to ask whether Caps Lock is on, so it is read from what
is typed: a letter whose case is the opposite of what Shift says means Caps
Lock is on, a letter whose case agrees means it is off, and the Caps Lock key
itself flips what was known. Until a letter is typed nothing is claimed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QHideEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout, QWidget

CAPS_LOCK_WARNING = "Caps Lock is on."
SHOW = "Show the passphrase"
HIDE = "Hide the passphrase"


def caps_lock_from(event: QKeyEvent, known: bool | None) -> bool | None:
    """Caps Lock as this key press shows it: True, False, or `known` when it says nothing."""
    if event.key() == Qt.Key.Key_CapsLock:
        return None if known is None else not known
    text = event.text()
    if len(text) != 1 or not text.isalpha() or text.lower() == text.upper():
        return known  # a digit, a symbol or a letter without case tells nothing
    shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
    return text.isupper() != shifted


class PassphraseField(QWidget):
    """A passphrase line with a Show/Hide button beside it and a Caps Lock warning under it.

    `edit` is the line itself (focus given to the field goes to it); the text
    is shown only while the button is down, and hidden again whenever the
    field is hidden (a lock, another page).
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._caps: bool | None = None
        self.edit = QLineEdit()
        self.edit.setObjectName(name)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.installEventFilter(self)
        self.toggle = QToolButton()
        self.toggle.setObjectName(f"{name}Show")
        self.toggle.setText("Show")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip(SHOW)
        self.toggle.toggled.connect(self._show)
        self.warning = QLabel(CAPS_LOCK_WARNING)
        self.warning.setObjectName(f"{name}CapsLock")
        self.warning.setStyleSheet("color: #b35c00; font-weight: bold;")
        self.warning.hide()
        self.setFocusProxy(self.edit)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.toggle)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addLayout(row)
        column.addWidget(self.warning)

    def caps_lock(self) -> bool | None:
        """What the keys typed so far say of Caps Lock (None: nothing yet)."""
        return self._caps

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit:
            if event.type() == QEvent.Type.KeyPress:
                assert isinstance(event, QKeyEvent)
                self._caps = caps_lock_from(event, self._caps)
                self._update()
            elif event.type() in (QEvent.Type.FocusIn, QEvent.Type.FocusOut):
                self._update()
        return False

    def hideEvent(self, event: QHideEvent) -> None:
        self.toggle.setChecked(False)  # never left readable behind a lock or another page
        super().hideEvent(event)

    def _update(self) -> None:
        # It speaks of typing in this field: shown only while this field has the focus.
        self.warning.setVisible(bool(self._caps) and self.edit.hasFocus())

    def _show(self, on: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)
        self.toggle.setText("Hide" if on else "Show")
        self.toggle.setToolTip(HIDE if on else SHOW)
