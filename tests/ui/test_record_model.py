"""The lazy record list: pages from SQL, sorts in SQL, follows writes, passes the model tester."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from liaison_desk.core.kinds import CONTACT, FOLLOWUP
from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.ui.record_fields import annotate_contacts, annotate_followups, due_text
from liaison_desk.ui.record_model import (
    PAGE_SIZE,
    Column,
    IdRole,
    RecordListModel,
    RecordRole,
)
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault

T = TypeVar("T")


COLUMNS = (
    Column("full_name", "Name", width_chars=30),
    Column("country", "Country"),
    Column("last_contact", "Last contact", formatter=lambda v: str(v or "")[:10]),
    Column("overdue", "Due", formatter=lambda v: "Overdue" if v else "", alert="overdue"),
)


def add_contacts(qtbot: QtBot, session: Session, count: int, timeout: int = 10_000) -> None:
    people = (Contact(full_name=f"Contact {i:06d}", country="FR") for i in range(count))
    on_vault(qtbot, session, lambda v: v.store.add_many(people), timeout)


def open_model(qtbot: QtBot, session: Session, **kwargs: Any) -> RecordListModel:
    model = RecordListModel(session, CONTACT, COLUMNS, **kwargs)
    qtbot.waitUntil(lambda: not model.is_loading)
    return model


def names(model: RecordListModel) -> list[str]:
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def test_model_passes_the_model_tester_empty(
    qtbot: QtBot, session: Session, qtmodeltester: Any
) -> None:
    model = open_model(qtbot, session)
    assert model.rowCount() == 0
    assert not model.canFetchMore(QModelIndex())
    qtmodeltester.check(model)


def test_model_passes_the_model_tester_with_one_row(
    qtbot: QtBot, session: Session, qtmodeltester: Any
) -> None:
    add_contacts(qtbot, session, 1)
    model = open_model(qtbot, session)
    assert names(model) == ["Contact 000000"]
    record = model.index(0, 0).data(RecordRole)
    assert isinstance(record, Contact)
    assert model.index(0, 0).data(IdRole) == record.id
    assert model.row_of(record.id) == 0
    assert model.record_at(0) == record
    qtmodeltester.check(model)


def test_model_passes_the_model_tester_while_pages_arrive(
    qtbot: QtBot, session: Session, qtmodeltester: Any
) -> None:
    add_contacts(qtbot, session, 2 * PAGE_SIZE + 50)
    model = open_model(qtbot, session)
    qtmodeltester.check(model)
    while model.rowCount() < model.total:  # the tester itself may have asked for a page
        model.fetchMore(QModelIndex())
        qtbot.waitUntil(lambda: not model.is_loading)
    assert model.rowCount() == model.total == 2 * PAGE_SIZE + 50
    assert names(model) == sorted(names(model))
    qtmodeltester.check(model)


def test_sorting_by_name_descending_comes_from_sql(qtbot: QtBot, session: Session) -> None:
    add_contacts(qtbot, session, 20_000, timeout=30_000)
    model = open_model(qtbot, session)
    with qtbot.waitSignal(model.loaded):
        model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.sort_column() == 0
    assert model.query.descending
    assert names(model)[:2] == ["Contact 019999", "Contact 019998"]
    assert model.rowCount() == PAGE_SIZE
    assert model.rows_fetched == 2 * PAGE_SIZE  # the first page twice, nothing in between


def test_columns_that_are_not_stored_do_not_sort(qtbot: QtBot, session: Session) -> None:
    model = open_model(qtbot, session)
    model.sort(2, Qt.SortOrder.AscendingOrder)
    assert not model.is_loading
    assert model.sort_field(2) is None
    assert model.headerData(2, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_filter_text_and_query_narrow_the_list_in_sql(qtbot: QtBot, session: Session) -> None:
    add_contacts(qtbot, session, 20_000, timeout=30_000)
    on_vault(
        qtbot, session, lambda v: v.store.add(Contact(full_name="Ana 100% García", country="ES"))
    )
    model = open_model(qtbot, session)
    with qtbot.waitSignal(model.loaded):
        model.set_filter_text("0001")
    assert model.total == sum("0001" in f"{i:06d}" for i in range(20_000))
    assert all("0001" in name for name in names(model))
    with qtbot.waitSignal(model.loaded):
        model.set_filter_text("100%")
    assert names(model) == ["Ana 100% García"]
    with qtbot.waitSignal(model.loaded):
        model.set_filter_text("")
        model.set_query(ListQuery(where={"country": "ES"}))
    assert names(model) == ["Ana 100% García"]


def test_a_write_reloads_the_model_and_keeps_selections(qtbot: QtBot, session: Session) -> None:
    add_contacts(qtbot, session, 3)
    model = open_model(qtbot, session)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.selectRow(1)
    chosen = model.record_at(1)
    assert chosen is not None

    def rename(vault: Vault) -> Contact:
        return vault.store.update(Contact, chosen.id, {"full_name": "Contact 000001 (Col.)"})

    with qtbot.waitSignal(model.loaded):
        session.write("contact", rename, lambda _: None, session)
    assert model.index(1, 0).data() == "Contact 000001 (Col.)"
    assert view.selectionModel().selectedRows()[0].row() == 1

    new = Contact(full_name="Aaron Abel")
    with qtbot.waitSignal(model.loaded):
        session.write("contact", lambda v: v.store.add(new), lambda _: None, session)
    assert names(model)[0] == "Aaron Abel"
    assert model.rowCount() == 4


def test_locking_drops_the_rows(qtbot: QtBot, session: Session) -> None:
    add_contacts(qtbot, session, 2)
    model = open_model(qtbot, session)
    assert model.rowCount() == 2
    session.lock()
    assert model.rowCount() == 0


def test_data_never_raises(qtbot: QtBot, session: Session) -> None:
    add_contacts(qtbot, session, 1)
    model = open_model(qtbot, session)
    assert model.data(QModelIndex()) is None
    assert model.data(model.index(5, 0)) is None
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is None
    assert model.headerData(9, Qt.Orientation.Horizontal) is None
    assert model.record_at(7) is None
    assert model.row_of("nope") is None


def _iso(day: date) -> str:
    return f"{day.isoformat()}T09:00:00Z"


def test_contacts_show_last_contact_and_overdue_from_sql(qtbot: QtBot, session: Session) -> None:
    today = datetime.now(UTC).date()

    def seed(vault: Vault) -> None:
        store = vault.store
        met, _, fine, _ = store.add_many(
            [
                Contact(full_name="A met long ago", cadence_days=30),
                Contact(full_name="B never met", cadence_days=30),
                Contact(full_name="C met recently", cadence_days=30),
                Contact(full_name="D no cadence"),
            ]
        )
        old = store.add(Meeting(title="Old", starts_at=_iso(today - timedelta(days=90))))
        recent = store.add(Meeting(title="New", starts_at=_iso(today - timedelta(days=3))))
        planned = store.add(Meeting(title="Later", starts_at=_iso(today + timedelta(days=30))))
        for meeting, person in ((old, met), (old, fine), (recent, fine), (planned, met)):
            store.add(Participant(meeting_id=meeting.id, contact_id=person.id))

    on_vault(qtbot, session, seed)
    model = open_model(qtbot, session, annotate=annotate_contacts, depends_on=("meeting",))
    rows = {model.index(r, 0).data(): r for r in range(model.rowCount())}
    assert model.index(rows["A met long ago"], 2).data() == (today - timedelta(days=90)).isoformat()
    assert model.index(rows["C met recently"], 2).data() == (today - timedelta(days=3)).isoformat()
    assert model.index(rows["B never met"], 2).data() == ""
    due = {name: model.index(row, 3).data() for name, row in rows.items()}
    assert due == {
        "A met long ago": "Overdue",
        "B never met": "Overdue",
        "C met recently": "",
        "D no cadence": "",
    }
    red = model.index(rows["A met long ago"], 3).data(Qt.ItemDataRole.ForegroundRole)
    assert red is not None
    assert model.index(rows["C met recently"], 3).data(Qt.ItemDataRole.ForegroundRole) is None


def test_followup_due_text() -> None:
    today = date(2026, 3, 14)
    assert due_text("2026-03-10", "open", today) == ("2026-03-10 · overdue 4 d", True)
    assert due_text("2026-03-14", "open", today) == ("2026-03-14 · today", False)
    assert due_text("2026-03-10", "done", today) == ("2026-03-10", False)
    assert due_text(None, "open", today) == ("No date", False)


def test_followups_are_marked_overdue(qtbot: QtBot, session: Session) -> None:
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()

    def seed(vault: Vault) -> None:
        person = vault.store.add(Contact(full_name="Hélène Girard"))
        vault.store.add(
            FollowUp(action="Send the agenda", due_date=yesterday, contact_ids=(person.id,))
        )

    on_vault(qtbot, session, seed)
    columns = (
        Column("action", "Action"),
        Column("due", "Due", sort_field="due_date", alert="overdue"),
        Column("about", "About"),
    )
    model = RecordListModel(session, FOLLOWUP, columns, annotate=annotate_followups)
    qtbot.waitUntil(lambda: model.rowCount() == 1)
    assert model.index(0, 1).data() == f"{yesterday} · overdue 1 d"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, 2).data() == "Hélène Girard"
    assert model.sort_field(1) == "due_date"
    assert model.sort_column() == 1
