"""Preferences: the station's time zone is a vault setting, seen and set beside the others."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.station_zone import station_zone_setting
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.preferences import PreferencesDialog
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault


def answering(zone: str, seen: list[PreferencesDialog]) -> Callable[[PreferencesDialog], int]:
    """Stand in for exec(): type `zone` in the field and press OK."""

    def exec_(dialog: PreferencesDialog) -> int:
        seen.append(dialog)
        dialog.zone.setCurrentText(zone)
        dialog.accept()
        return dialog.result()

    return exec_


def setting(qtbot: QtBot, session: Session) -> str | None:
    return on_vault(qtbot, session, lambda v: station_zone_setting(v.store))


@pytest.fixture
def in_tokyo(monkeypatch: pytest.MonkeyPatch) -> None:
    """The computer's zone, as the window reads it on unlocking."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")


def test_the_station_zone_is_set_in_preferences_and_used_by_the_meeting_editor(
    in_tokyo: None,
    qtbot: QtBot,
    window: MainWindow,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    qtbot.waitUntil(lambda: window.system_zone == "Asia/Tokyo")
    seen: list[PreferencesDialog] = []
    monkeypatch.setattr(PreferencesDialog, "exec", answering("Africa/Lagos", seen))

    window.edit_prefs()

    line = seen[0].zone.lineEdit()
    assert line is not None and line.placeholderText() == "blank: Asia/Tokyo, this computer's zone"
    qtbot.waitUntil(lambda: window.station_zone == "Africa/Lagos")
    assert setting(qtbot, session) == "Africa/Lagos"
    meetings = window.sections[2]
    meetings.new_record()
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.editor)
    assert meetings.editor.values()["timezone"] == "Africa/Lagos"

    window.edit_prefs()  # opens with the zone set; blank goes back to the computer's
    assert seen[1].zone.currentText() == "Africa/Lagos"
    monkeypatch.setattr(PreferencesDialog, "exec", answering("", seen))
    window.edit_prefs()
    qtbot.waitUntil(lambda: window.station_zone is None)
    assert setting(qtbot, session) is None


def test_an_unknown_zone_keeps_the_dialog_open_and_changes_nothing(
    qtbot: QtBot, window: MainWindow, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[PreferencesDialog] = []
    monkeypatch.setattr(PreferencesDialog, "exec", answering("Europe/Atlantis", seen))

    window.edit_prefs()

    assert seen[0].result() == PreferencesDialog.DialogCode.Rejected
    assert "Unknown time zone 'Europe/Atlantis'" in seen[0].zone_error.text()
    assert setting(qtbot, session) is None


def test_the_lock_timeout_is_set_in_preferences_and_kept(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exec_(dialog: PreferencesDialog) -> int:
        dialog.autolock.setValue(12)
        dialog.accept()
        return dialog.result()

    monkeypatch.setattr(PreferencesDialog, "exec", exec_)
    window.edit_prefs()
    assert window.prefs.autolock_minutes == 12
    assert int(window.settings.value("autolock_minutes")) == 12
