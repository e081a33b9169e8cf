"""Copied details leave the clipboard after a while; idleness is noticed.

The clock is injected and moved by hand: no test waits for the delays to pass.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from liaison_desk.ui.clipboard import CLEAR_AFTER_MS, ClearingClipboard
from liaison_desk.ui.idle import IdleWatcher
from tests.conftest import StepClock

TEN_MINUTES = 600_000


def timer_of(owner: ClearingClipboard | IdleWatcher) -> QTimer:
    timer = owner.findChild(QTimer)
    assert timer is not None
    return timer


def clipboard_text() -> str:
    return QGuiApplication.clipboard().text()


# -- clipboard ----------------------------------------------------------------------------


def test_clipboard_is_cleared_when_the_time_is_up_if_it_still_holds_our_value(
    qtbot: QtBot,
) -> None:
    clock = StepClock(step=0)
    clip = ClearingClipboard(clock=clock)
    clip.copy("+33 1 23 45 67 89")
    assert clipboard_text() == "+33 1 23 45 67 89"
    assert timer_of(clip).isActive() and timer_of(clip).interval() == CLEAR_AFTER_MS

    clock.ms += CLEAR_AFTER_MS - 1
    clip.clear_if_due()  # woken a millisecond early (the timer and the clock disagree)
    assert clipboard_text() == "+33 1 23 45 67 89"
    assert timer_of(clip).isActive() and timer_of(clip).interval() == 1

    clock.ms += 1
    clip.clear_if_due()
    assert clipboard_text() == ""
    assert not timer_of(clip).isActive()


def test_clipboard_keeps_what_the_user_copied_since(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    clip = ClearingClipboard(clock=clock)
    clip.copy("h.girard@example.fr")
    QGuiApplication.clipboard().setText("something of mine")

    clock.ms += CLEAR_AFTER_MS
    clip.clear_if_due()

    assert clipboard_text() == "something of mine"
    assert not timer_of(clip).isActive()


def test_copying_again_starts_the_delay_again(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    clip = ClearingClipboard(clock=clock)
    clip.copy("first")
    clock.ms += 20_000
    clip.copy("second")

    clock.ms += 10_000  # the first copy's time is up, not the second's
    clip.clear_if_due()
    assert clipboard_text() == "second"

    clock.ms += 20_000
    clip.clear_if_due()
    assert clipboard_text() == ""


def test_locking_clears_our_value_at_once(qtbot: QtBot) -> None:
    clip = ClearingClipboard(clock=StepClock(step=0))
    clip.copy("+254 20 123 4567")

    clip.clear_if_ours()

    assert clipboard_text() == ""
    assert not timer_of(clip).isActive()


def test_the_timer_does_the_clearing(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    clip = ClearingClipboard(clear_after_ms=0, clock=clock)  # due at the next turn of the loop

    clip.copy("+39 06 1234 5678")

    qtbot.waitUntil(lambda: clipboard_text() == "")


# -- idle ---------------------------------------------------------------------------------


def test_idle_fires_once_after_the_whole_timeout_without_input(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)
    fired: list[bool] = []
    watcher.idle.connect(lambda: fired.append(True))
    assert timer_of(watcher).isActive() and timer_of(watcher).interval() == TEN_MINUTES

    clock.ms += TEN_MINUTES - 1
    watcher.check()
    assert fired == []
    assert timer_of(watcher).isActive() and timer_of(watcher).interval() == 1

    clock.ms += 1
    watcher.check()
    assert fired == [True]
    assert not timer_of(watcher).isActive()

    clock.ms += TEN_MINUTES
    watcher.check()
    assert fired == [True]  # once, until restarted (the next unlock)


def test_typing_and_clicking_postpone_idle(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()

    with qtbot.assertNotEmitted(watcher.idle):
        clock.ms += 400_000
        qtbot.keyClicks(field, "a")
        clock.ms += 300_000  # eleven minutes since the start, five since the key
        watcher.check()
        assert timer_of(watcher).interval() == 300_000
        qtbot.mouseClick(field, Qt.MouseButton.LeftButton)
        clock.ms += 300_000
        watcher.check()
        assert timer_of(watcher).interval() == 300_000

    with qtbot.waitSignal(watcher.idle, timeout=0):
        clock.ms += 300_000
        watcher.check()


def test_the_timer_does_the_checking(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)
    clock.ms += TEN_MINUTES - 1
    watcher.check()  # the timer is now due in a millisecond

    with qtbot.waitSignal(watcher.idle):
        clock.ms += 1


def test_a_timeout_of_zero_turns_idle_off(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)

    watcher.set_timeout(0)

    assert not timer_of(watcher).isActive()
    with qtbot.assertNotEmitted(watcher.idle):
        clock.ms += 10 * TEN_MINUTES
        watcher.check()


def test_paused_while_locked_and_counting_again_from_the_unlock(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)
    watcher.pause()
    assert not timer_of(watcher).isActive()
    with qtbot.assertNotEmitted(watcher.idle):
        clock.ms += 2 * TEN_MINUTES
        watcher.check()

    watcher.restart()
    with qtbot.assertNotEmitted(watcher.idle):
        clock.ms += TEN_MINUTES - 1
        watcher.check()
    with qtbot.waitSignal(watcher.idle, timeout=0):
        clock.ms += 1
        watcher.check()


def test_a_clock_set_back_counts_the_quiet_from_then(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    watcher = IdleWatcher(TEN_MINUTES, clock=clock)

    clock.ms -= 3_600_000
    watcher.check()
    assert timer_of(watcher).isActive() and timer_of(watcher).interval() == TEN_MINUTES

    with qtbot.waitSignal(watcher.idle, timeout=0):
        clock.ms += TEN_MINUTES
        watcher.check()


def test_a_clock_set_back_still_clears_after_the_delay(qtbot: QtBot) -> None:
    clock = StepClock(step=0)
    clip = ClearingClipboard(clock=clock)
    clip.copy("+33 1 23 45 67 89")

    clock.ms -= 3_600_000
    clip.clear_if_due()
    assert timer_of(clip).interval() == CLEAR_AFTER_MS

    clock.ms += CLEAR_AFTER_MS
    clip.clear_if_due()
    assert clipboard_text() == ""
