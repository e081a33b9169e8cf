"""The record editor's time: the vault's clock and the station's zone, as the CLI reads it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Meeting
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.ui.clocked import clocked_session
from tests.ui.test_record_section import field, open_section, start_new
from tests.ui.vault_work import on_vault

MAY_20_0830Z_MS = 1_779_265_800_000  # 2026-05-20T08:30:00Z, 17:30 in Tokyo


@pytest.fixture
def tokyo(qtbot: QtBot, vault_dir: Path, runner: Runner) -> Iterator[Session]:
    """A station whose zone is Asia/Tokyo, with a clock stopped at 2026-05-20T08:30Z."""
    session = clocked_session(qtbot, vault_dir, runner, MAY_20_0830Z_MS, "Asia/Tokyo")
    yield session
    session.lock()


def zone_box(section: object) -> QComboBox:
    box = field(section, "timezone")  # type: ignore[arg-type]
    assert isinstance(box, QComboBox)
    return box


def test_a_new_meeting_starts_at_the_next_hour_of_the_vaults_clock_in_the_station_zone(
    qtbot: QtBot, tokyo: Session
) -> None:
    meetings = open_section(qtbot, tokyo, "Meetings")
    start_new(qtbot, meetings)

    values = meetings.editor.values()
    assert (values["starts_at"], values["timezone"]) == ("2026-05-20T18:00", "Asia/Tokyo")
    line = zone_box(meetings).lineEdit()
    assert line is not None
    assert line.placeholderText() == "blank: Asia/Tokyo, this station's zone"


def test_a_time_with_a_blank_zone_is_read_in_the_station_zone(qtbot: QtBot, tokyo: Session) -> None:
    meetings = open_section(qtbot, tokyo, "Meetings")
    start_new(qtbot, meetings)
    qtbot.keyClicks(field(meetings, "title"), "Reception")
    zone_box(meetings).setCurrentText("")

    with qtbot.waitSignal(meetings.saved) as saved:
        meetings.save()

    stored = on_vault(qtbot, tokyo, lambda v: v.store.get(Meeting, saved.args[0]))
    assert (stored.starts_at, stored.timezone) == ("2026-05-20T09:00:00Z", "Asia/Tokyo")
    qtbot.waitUntil(
        lambda: "2026-05-20 18:00 (Asia/Tokyo)" in meetings.detail.browser.toPlainText()
    )


def test_a_meeting_stored_without_a_zone_is_edited_in_the_station_zone(
    qtbot: QtBot, tokyo: Session
) -> None:
    made = on_vault(
        qtbot, tokyo, lambda v: v.store.add(Meeting(title="Call", starts_at="2026-05-20T09:00Z"))
    )
    meetings = open_section(qtbot, tokyo, "Meetings")
    meetings.open_record(made.id)
    qtbot.waitUntil(meetings.edit_button.isEnabled)
    meetings.edit_record()
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.editor)

    values = meetings.editor.values()
    assert (values["starts_at"], values["timezone"]) == ("2026-05-20T18:00", None)
    qtbot.keyClicks(field(meetings, "title"), " back")
    with qtbot.waitSignal(meetings.saved):
        meetings.save()
    again = on_vault(qtbot, tokyo, lambda v: v.store.get(Meeting, made.id))
    assert (again.title, again.starts_at) == ("Call back", "2026-05-20T09:00:00Z")


def test_a_due_date_typed_from_no_date_starts_from_the_vaults_today(
    qtbot: QtBot, tokyo: Session
) -> None:
    followups = open_section(qtbot, tokyo, "Follow-ups")
    start_new(qtbot, followups)
    due = followups.editor.fields["due_date"].edit  # type: ignore[union-attr]
    assert followups.editor.values()["due_date"] is None

    due.setFocus()
    qtbot.keyClick(due, Qt.Key.Key_Down)

    # the field starts from 2026-05-20 (today at the station, by the vault's clock),
    # then Down steps the year it opens on
    assert followups.editor.values()["due_date"] == "2025-05-20"


def test_a_new_zone_keeps_the_hour_shown_as_the_cli_does(qtbot: QtBot, tokyo: Session) -> None:
    """`meeting edit --tz` (tests/cli/test_records.py) gives the same answer."""
    made = on_vault(
        qtbot,
        tokyo,
        lambda v: v.store.add(
            Meeting(title="Talks", starts_at="2026-05-20T16:00Z", timezone="Europe/Paris")
        ),
    )
    meetings = open_section(qtbot, tokyo, "Meetings")
    meetings.open_record(made.id)
    qtbot.waitUntil(meetings.edit_button.isEnabled)
    meetings.edit_record()
    qtbot.waitUntil(lambda: meetings.stack.currentWidget() is meetings.editor)
    assert meetings.editor.values()["starts_at"] == "2026-05-20T18:00"

    zone_box(meetings).setCurrentText("Africa/Lagos")
    with qtbot.waitSignal(meetings.saved):
        meetings.save()
    moved = on_vault(qtbot, tokyo, lambda v: v.store.get(Meeting, made.id))
    assert (moved.starts_at, moved.timezone) == ("2026-05-20T17:00:00Z", "Africa/Lagos")
