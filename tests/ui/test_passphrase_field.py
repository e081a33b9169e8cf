"""Every passphrase field: zxcvbn's meter and advice, a show/hide toggle, a Caps Lock warning."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QProgressBar, QToolButton

from liaison_desk.core.passphrase_policy import ACCEPTED_SCORE, assess, weakness
from liaison_desk.ui.first_run import NewPassphraseForm
from liaison_desk.ui.passphrase_field import CAPS_LOCK_WARNING, PassphraseField

SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def form(qtbot: Any) -> NewPassphraseForm:
    form = NewPassphraseForm()
    qtbot.addWidget(form)
    form.show()
    form.activateWindow()
    qtbot.waitActive(form)
    return form


def meter_and_words(form: NewPassphraseForm) -> tuple[int, str, str]:
    meter = form.findChild(QProgressBar, "strengthMeter")
    reason = form.findChild(QLabel, "strengthReason")
    advice = form.findChild(QLabel, "strengthAdvice")
    assert meter is not None and reason is not None and advice is not None
    return meter.value(), reason.text(), advice.text() if advice.isVisible() else ""


@pytest.mark.parametrize(
    ("typed", "score"),
    [("hunter2hunter2", 1), ("abcdefghijklmnop", 0), ("Password2026!", 2), ("qwertyuiop123", 1)],
)
def test_guessable_passphrases_are_refused_with_zxcvbn_words(
    qtbot: Any, form: NewPassphraseForm, typed: str, score: int
) -> None:
    """Long enough for the old rule (12 characters, 6 different ones), weak by zxcvbn."""
    qtbot.keyClicks(form.first.edit, typed)
    qtbot.keyClicks(form.again.edit, typed)
    rating = assess(typed)
    assert rating.score == score < ACCEPTED_SCORE
    value, reason, _advice = meter_and_words(form)
    assert value == score
    assert rating.warning and rating.warning in reason  # zxcvbn's own warning, in words
    assert form.passphrase() is None
    assert weakness(typed) is not None  # and the vault refuses it too


def test_a_strong_passphrase_says_how_long_it_would_take(
    qtbot: Any, form: NewPassphraseForm
) -> None:
    typed = "quiet lantern harbour ninety"
    qtbot.keyClicks(form.first.edit, typed)
    qtbot.keyClicks(form.again.edit, typed)
    value, reason, _advice = meter_and_words(form)
    assert value == 4
    assert reason == "Very strong: about centuries to guess, even with a copy of the vault."
    assert form.passphrase() == typed


def test_the_product_name_is_a_dictionary_word(qtbot: Any, form: NewPassphraseForm) -> None:
    qtbot.keyClicks(form.first.edit, "liaisondesk2026")
    assert assess("liaisondesk2026").score < ACCEPTED_SCORE
    value, reason, _advice = meter_and_words(form)
    assert value < ACCEPTED_SCORE and reason.startswith(("Very weak:", "Weak:", "Fair:"))


def test_short_passphrase_names_the_length(qtbot: Any, form: NewPassphraseForm) -> None:
    qtbot.keyClicks(form.first.edit, "Zq8#vT")
    _value, reason, _advice = meter_and_words(form)
    assert "at least 12 characters" in reason


def test_show_hide_toggle_reveals_then_hides_again(qtbot: Any) -> None:
    field = PassphraseField("secret")
    qtbot.addWidget(field)
    field.show()
    qtbot.keyClicks(field.edit, "amber lantern")
    assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    toggle = field.findChild(QToolButton, "secretShow")
    assert toggle is not None and toggle.text() == "Show"
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)
    assert field.edit.echoMode() == QLineEdit.EchoMode.Normal
    assert toggle.text() == "Hide"
    assert field.edit.displayText() == "amber lantern"
    field.hide()  # a lock or another page: never left readable
    field.show()
    assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    assert toggle.text() == "Show"


def test_caps_lock_is_read_from_the_letters_typed(qtbot: Any) -> None:
    """Qt cannot ask the keyboard; a capital typed without Shift means Caps Lock is on."""
    field = PassphraseField("secret")
    qtbot.addWidget(field)
    field.show()
    field.activateWindow()
    qtbot.waitActive(field)
    field.edit.setFocus()
    qtbot.waitUntil(field.edit.hasFocus)
    warning = field.findChild(QLabel, "secretCapsLock")
    assert warning is not None and warning.text() == CAPS_LOCK_WARNING

    qtbot.keyClicks(field.edit, "7 ")  # digits and spaces say nothing
    assert field.caps_lock() is None and not warning.isVisible()
    qtbot.keyClick(field.edit, "A")  # a capital without Shift
    assert field.caps_lock() is True and warning.isVisible()
    qtbot.keyClick(field.edit, "b", SHIFT)  # Shift gives a small letter
    assert field.caps_lock() is True and warning.isVisible()
    qtbot.keyClick(field.edit, Qt.Key.Key_CapsLock)  # the key itself turns it off
    assert field.caps_lock() is False and not warning.isVisible()
    qtbot.keyClick(field.edit, "C", SHIFT)  # Shift and a capital: off
    assert field.caps_lock() is False and not warning.isVisible()
    qtbot.keyClick(field.edit, "D")
    assert warning.isVisible()
    qtbot.keyClick(field.edit, "e")  # a small letter without Shift: off
    assert field.caps_lock() is False and not warning.isVisible()
    assert field.edit.text() == "7 AbCDe"


def test_unlock_and_new_passphrase_fields_all_have_the_toggle_and_warning(
    qtbot: Any, form: NewPassphraseForm
) -> None:
    for name in ("passphrase", "passphraseAgain"):
        assert form.findChild(QToolButton, f"{name}Show") is not None
        assert form.findChild(QLabel, f"{name}CapsLock") is not None
