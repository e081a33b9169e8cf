"""The Today page in the real window: what it lists at a fixed moment, where each line goes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.today import SHOWN
from liaison_desk.core.vault import Vault
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.today_lines import sidebar_title
from liaison_desk.ui.today_section import TargetRole, TodaySection
from tests.sync.helpers import enrol_station, exchange, make_vault
from tests.ui.clocked import clocked_session
from tests.ui.test_main_window import unlock_again
from tests.ui.vault_work import on_vault

# Monday 16 March 2026, 20:00 UTC: Tuesday 09:00 at a station in Auckland (UTC+13).
NOW_MS = int(datetime(2026, 3, 16, 20, 0, tzinfo=UTC).timestamp() * 1000)


def open_window(qtbot: QtBot, session: Session, tmp_path: Path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(session, settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.today_section is not None and win.today_section.desk is not None)
    return win


def page(window: MainWindow) -> TodaySection:
    assert window.today_section is not None
    return window.today_section


def lines(window: MainWindow) -> list[str]:
    model = page(window).model
    return [str(model.index(row).data()) for row in range(model.rowCount())]


def activate(qtbot: QtBot, window: MainWindow, target: tuple[str, str]) -> None:
    """Select the line that opens `target` and press Enter on it, as an officer would."""
    view, model = page(window).view, page(window).model
    rows = [r for r in range(model.rowCount()) if model.index(r).data(TargetRole) == target]
    assert rows, f"no line opens {target}"
    view.setFocus()
    view.setCurrentIndex(model.index(rows[0]))
    qtbot.keyClick(view, Qt.Key.Key_Return)


@pytest.fixture
def auckland(
    qtbot: QtBot, vault_dir: Path, runner: Runner
) -> Iterator[tuple[Session, dict[str, str]]]:
    """A station in Auckland, at NOW_MS, with something of everything the page shows."""
    session = clocked_session(qtbot, vault_dir, runner, NOW_MS, zone="Pacific/Auckland")

    def work(vault: Vault) -> dict[str, str]:
        add = vault.store.add
        ids = {
            "ana": add(Contact(full_name="Ana Costa", cadence_days=30, marking="SECRET")).id,
            "ben": add(Contact(full_name="Ben Okoro", cadence_days=30)).id,
            "cal": add(Contact(full_name="Cal Reyes", cadence_days=30)).id,
        }
        for who, when in (("ana", "2026-02-01T10:00Z"), ("ben", "2026-02-15T10:00Z")):
            met = add(Meeting(title=f"Lunch with {who}", starts_at=when))
            add(Participant(meeting_id=met.id, contact_id=ids[who]))
        cal_met = add(Meeting(title="Call with Cal", starts_at="2026-03-10T10:00Z"))
        add(Participant(meeting_id=cal_met.id, contact_id=ids["cal"]))
        ids["owe"] = add(FollowUp(action="Send the agenda", due_date="2026-03-15")).id
        ids["owed"] = add(
            FollowUp(action="Return the visit list", owner="Col. Haddad", due_date="2026-03-17")
        ).id
        add(FollowUp(action="Sent already", due_date="2026-03-01", status="done"))
        ids["today"] = add(Meeting(title="Port visit", starts_at="2026-03-17T05:00Z")).id
        ids["week"] = add(Meeting(title="Staff talks", starts_at="2026-03-23T10:00Z")).id
        add(Meeting(title="Yesterday here", starts_at="2026-03-16T09:00Z"))
        return ids

    yield session, on_vault(qtbot, session, work)
    session.lock()


def test_the_window_opens_on_today(qtbot: QtBot, window: MainWindow) -> None:
    assert window.sidebar.item(0).text() == "Today"
    assert window.sidebar.currentRow() == 0
    assert window.stack.currentWidget() is window.today_section
    assert window.current_section() is None
    qtbot.waitUntil(lambda: "Nobody is due for contact." in lines(window))
    assert "Not enrolled with HQ yet. Set it up in Sync." in lines(window)


def test_today_lists_what_is_due_at_the_station(
    qtbot: QtBot, auckland: tuple[Session, dict[str, str]], tmp_path: Path
) -> None:
    window = open_window(qtbot, auckland[0], tmp_path)
    shown = lines(window)
    assert shown[0] == "Tuesday 17 March 2026 (Pacific/Auckland)"
    at = shown.index
    assert shown[at("Get in touch (2)") + 1 : at("Follow-ups I owe (1)")] == [
        "Ana Costa — 14 days overdue (every 30 days, last met 2026-02-01)",
        "Ben Okoro — due today (every 30 days, last met 2026-02-15)",
    ]
    assert shown[at("Follow-ups I owe (1)") + 1] == "Send the agenda — 2 days overdue"
    assert (
        shown[at("Follow-ups owed to me (1)") + 1]
        == "Col. Haddad: Return the visit list — due today"
    )
    assert shown[at("Meetings today (1)") + 1] == "18:00  Port visit"
    assert shown[at("This week (1)") + 1] == "Mon 23 Mar 23:00  Staff talks"
    assert "Sent already — " not in " ".join(shown)
    assert window.sidebar.item(0).text() == sidebar_title(2, 2) == "Today\n2 late, 2 due"
    assert window.sidebar.item(0).toolTip().startswith("2 overdue, 2 due today")
    qtbot.waitUntil(lambda: window.marking_label.text().strip() == "SECRET")  # Ana is on screen
    qtbot.waitUntil(lambda: re.search(r"· 1 (open )?follow-ups? ?", window.counts_label.text()))


@pytest.mark.parametrize(
    ("key", "kind"), [("ana", "contact"), ("owed", "followup"), ("today", "meeting")]
)
def test_each_line_opens_its_record(
    qtbot: QtBot,
    auckland: tuple[Session, dict[str, str]],
    tmp_path: Path,
    key: str,
    kind: str,
) -> None:
    window = open_window(qtbot, auckland[0], tmp_path)
    record_id = auckland[1][key]
    activate(qtbot, window, (kind, record_id))
    section = next(s for s in window.sections if s.kind.name == kind)
    qtbot.waitUntil(lambda: window.current_section() is section)
    qtbot.waitUntil(lambda: section.current_record_id() == record_id)
    assert window.sidebar.currentRow() == window.stack.indexOf(section)


def test_a_follow_up_done_leaves_the_page_and_the_counts(
    qtbot: QtBot, auckland: tuple[Session, dict[str, str]], tmp_path: Path
) -> None:
    session, ids = auckland
    window = open_window(qtbot, session, tmp_path)
    done: list[object] = []
    session.write(
        "followup",
        lambda v: v.store.update(FollowUp, ids["owe"], {"status": "done"}),
        done.append,
        window,
    )
    qtbot.waitUntil(lambda: "Follow-ups I owe" in lines(window) and bool(done))
    assert lines(window)[lines(window).index("Follow-ups I owe") + 1] == "Nothing due."
    assert window.sidebar.item(0).text() == "Today\n1 late, 2 due"
    qtbot.waitUntil(lambda: re.search(r"· 0 (open )?follow-ups", window.counts_label.text()))


def test_the_sidebar_counts_while_another_section_is_shown(
    qtbot: QtBot, auckland: tuple[Session, dict[str, str]], tmp_path: Path
) -> None:
    session, ids = auckland
    window = open_window(qtbot, session, tmp_path)
    window.open_section(window.sections[0])
    session.write(
        "followup",
        lambda v: v.store.update(FollowUp, ids["owed"], {"status": "done"}),
        lambda _: None,
        window,
    )
    qtbot.waitUntil(lambda: window.sidebar.item(0).text() == "Today\n2 late, 1 due")
    assert "Follow-ups owed to me (1)" in lines(window)  # read again only once on screen
    window.open_section(page(window))
    qtbot.waitUntil(lambda: "Follow-ups owed to me" in lines(window))


def test_locking_empties_the_page_and_unlocking_opens_it_again(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    today = page(window)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert today.model.rowCount() == 0 and window.today_section is None
    unlock_again(qtbot, window, session)
    qtbot.waitUntil(lambda: window.today_section is not None and bool(lines(window)))
    assert window.stack.currentWidget() is window.today_section


def test_sync_and_conflicts_open_their_sections(
    qtbot: QtBot, tmp_path: Path, runner: Runner
) -> None:
    hq, station = make_vault(tmp_path, "HQ", "hq"), make_vault(tmp_path, "Lagos")
    enrol_station(hq, station)
    ada = station.store.add(Contact(full_name="Ada Okafor", notes="Met at the port.")).id
    exchange(station, hq, tmp_path / "bundles")
    hq.store.update(Contact, ada, {"notes": "Met at the harbour."})
    station.store.update(Contact, ada, {"notes": "Met at the port in May."})
    assert exchange(hq, station, tmp_path / "bundles").conflicts == 1
    hq.lock()
    session = Session(station.path, runner)
    session.open(lambda: station, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    window = open_window(qtbot, session, tmp_path)

    shown = lines(window)
    assert shown[shown.index("Conflicts waiting (1)") + 1] == "Notes of Ada Okafor"
    sync_line = shown[shown.index("Sync") + 1]
    assert re.fullmatch(r"HQ: last exchange 20\d\d-.* UTC; 1 change waiting to go", sync_line)
    activate(qtbot, window, ("section", "conflicts"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.conflicts_section)
    window.open_section(page(window))
    activate(qtbot, window, ("section", "sync"))
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sync_section)
    session.lock()


def test_counts_are_written_as_people_say_them() -> None:
    assert [sidebar_title(0, 0), sidebar_title(3, 0), sidebar_title(0, 1)] == [
        "Today",
        "Today\n3 late",
        "Today\n1 due",
    ]


def test_the_page_model_is_a_well_behaved_qt_model(
    qtbot: QtBot, qtmodeltester: Any, auckland: tuple[Session, dict[str, str]], tmp_path: Path
) -> None:
    window = open_window(qtbot, auckland[0], tmp_path)
    model = page(window).model
    qtmodeltester.check(model)
    headings = [r for r in range(model.rowCount()) if not model.index(r).data(TargetRole)]
    assert all(
        not model.flags(model.index(r)) & Qt.ItemFlag.ItemIsSelectable for r in headings
    )  # headings and notes cannot be chosen, so Enter on them opens nothing


def test_the_rest_of_a_long_list_opens_its_section(
    qtbot: QtBot, window: MainWindow, session: Session
) -> None:
    def work(vault: Vault) -> None:
        with vault.store.transaction():
            for i in range(SHOWN + 2):
                vault.store.add(FollowUp(action=f"Action {i:02d}", due_date="2026-01-05"))

    on_vault(qtbot, session, work)
    session.changed.emit("followup")
    qtbot.waitUntil(lambda: f"Follow-ups I owe ({SHOWN + 2})" in lines(window))
    assert "… and 2 more" in lines(window)
    activate(qtbot, window, ("section", "followup"))
    followups = next(s for s in window.sections if s.kind.name == "followup")
    qtbot.waitUntil(lambda: window.current_section() is followups)
