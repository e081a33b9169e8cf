"""A rich contact through the editor and the detail pane, against a real vault.

Three phones, two addresses, two postings and a spouse typed in from the
keyboard come back from the store as typed; editing one phone changes that
phone alone; a removed row is a deleted detail; a draft keeps the rows; undo
puts a phone back; the detail pane shows them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core.contact_details import ContactDetails, add_contact, details_of
from liaison_desk.core.drafts import Draft, drafts
from liaison_desk.core.records import Contact, ContactPoint, ContactRelation, Posting
from liaison_desk.core.vault import Vault
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.repeated_rows import RepeatedRows
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.ui.clocked import clocked_session
from tests.ui.test_record_section import CTRL, field, open_section, show_field, start_new
from tests.ui.vault_work import on_vault

MARCH_14_2026_NOON_MS = 1_773_489_600_000
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def station(qtbot: QtBot, vault_dir: Path, runner: Runner) -> Iterator[Session]:
    """A station whose clock stands at noon on 14 March 2026 (ages are counted from it)."""
    session = clocked_session(qtbot, vault_dir, runner, MARCH_14_2026_NOON_MS)
    yield session
    session.lock()


@pytest.fixture
def contacts(qtbot: QtBot, station: Session) -> RecordSection:
    return open_section(qtbot, station, "Contacts")


def rows(section: RecordSection, name: str) -> RepeatedRows:
    found = section.editor.fields[name]
    assert isinstance(found, RepeatedRows)
    return found


def cell(section: RecordSection, name: str, row: int, index: int) -> QWidget:
    return rows(section, name).rows[row].cells[index].widget


def add_row(
    qtbot: QtBot, section: RecordSection, name: str, label: str | None, *typed: str
) -> None:
    """Add a row from the keyboard: Space on Add puts the cursor in its first text; Shift+Tab
    goes back to its type when `label` is given; each text goes in a cell, Tab to the next."""
    show_field(section, name)
    listed = rows(section, name)
    listed.add_button.setFocus()
    qtbot.keyClick(listed.add_button, Qt.Key.Key_Space)
    if label is not None:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)  # type: ignore[arg-type]
        qtbot.keyClicks(QApplication.focusWidget(), label)  # type: ignore[arg-type]
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # type: ignore[arg-type]
    for text in typed:
        focus = QApplication.focusWidget()
        assert focus is not None
        if text:
            qtbot.keyClicks(focus, text)
        qtbot.keyClick(focus, Qt.Key.Key_Tab)


def rich(session: Session, qtbot: QtBot) -> Contact:
    """Hélène Girard with three phones, two addresses, two postings and a spouse."""
    details = ContactDetails(
        points=(
            ContactPoint(contact_id="", channel="phone", label="work",
                         value="+33 1 42 19 30 11", extension="12"),
            ContactPoint(contact_id="", channel="phone", label="mobile", value="+33 6 12 34 56 78"),
            ContactPoint(contact_id="", channel="phone", label="fax", value="+33 1 42 19 30 99"),
            ContactPoint(contact_id="", channel="email", label="work",
                         value="helene.girard@defense.gouv.example"),
            ContactPoint(contact_id="", channel="address", label="work",
                         street="14 rue Saint-Dominique", postcode="75007", locality="Paris",
                         country="France"),
            ContactPoint(contact_id="", channel="address", label="home",
                         street="3 avenue de Tourville", postcode="75007", locality="Paris",
                         country="France"),
        ),
        postings=(
            Posting(contact_id="", title="Defence attaché", organization="French Embassy Berlin",
                    starts_on="2016-09", ends_on="2019-07"),
            Posting(contact_id="", title="Deputy director", organization="DGRIS",
                    starts_on="2019-09"),
        ),
        relations=(ContactRelation(contact_id="", relation="spouse", name="Marc Girard"),),
    )  # fmt: skip
    person = Contact(full_name="Hélène Girard", given_name="Hélène", family_name="Girard",
                     rank="Colonel", birthday="1974-03-14", anniversary="--06-21")  # fmt: skip
    made = on_vault(qtbot, session, lambda v: add_contact(v.store, person, details))
    session.changed.emit("contact")
    return made


def open_editor(qtbot: QtBot, section: RecordSection, record_id: str) -> None:
    section.open_record(record_id)
    qtbot.waitUntil(section.edit_button.isEnabled)
    section.edit_record()
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)


def save(qtbot: QtBot, section: RecordSection) -> str:
    with qtbot.waitSignal(section.saved) as saved:
        focus = QApplication.focusWidget() or section.editor
        qtbot.keyClick(focus, Qt.Key.Key_S, CTRL)
    return str(saved.args[0])


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_three_phones_two_addresses_two_postings_and_a_spouse_typed_in_are_stored(
    qtbot: QtBot, station: Session, contacts: RecordSection
) -> None:
    start_new(qtbot, contacts)
    qtbot.keyClicks(field(contacts, "full_name"), "Helene Girard")
    add_row(qtbot, contacts, "phones", None, "+33 1 42 19 30 11", "12")  # Work: offered first
    add_row(qtbot, contacts, "phones", "Mobile", "+33 6 12 34 56 78")
    add_row(qtbot, contacts, "phones", "Satellite", "+881 631 234 567")  # typed, kept so
    add_row(qtbot, contacts, "addresses", None, "14 rue Saint-Dominique", "75007", "Paris", "",
            "France")  # fmt: skip
    add_row(qtbot, contacts, "addresses", "Home", "3 avenue de Tourville", "75007", "Paris")
    add_row(qtbot, contacts, "postings", None, "Deputy director", "2019-09", "", "DGRIS")
    add_row(qtbot, contacts, "postings", None, "Defence attache", "2016-09", "2019-07",
            "French Embassy Berlin")  # fmt: skip
    add_row(qtbot, contacts, "relations", None, "Marc Girard")  # Spouse: offered first
    contact_id = save(qtbot, contacts)

    details = on_vault(qtbot, station, lambda v: details_of(v.store, contact_id))
    phones = [(p.label, p.value, p.extension) for p in details.points if p.channel == "phone"]
    assert phones == [
        ("work", "+33 1 42 19 30 11", "12"),
        ("mobile", "+33 6 12 34 56 78", None),
        ("Satellite", "+881 631 234 567", None),
    ]
    addresses = [
        (p.label, p.street, p.postcode, p.locality, p.country)
        for p in details.points
        if p.channel == "address"
    ]
    assert addresses == [
        ("work", "14 rue Saint-Dominique", "75007", "Paris", "France"),
        ("home", "3 avenue de Tourville", "75007", "Paris", None),
    ]
    career = [(p.title, p.organization, p.starts_on, p.ends_on) for p in details.postings]
    assert career == [  # in date order, whatever order they were typed in
        ("Defence attache", "French Embassy Berlin", "2016-09", "2019-07"),
        ("Deputy director", "DGRIS", "2019-09", None),
    ]
    assert [(r.relation, r.other_id, r.name) for r in details.relations] == [
        ("spouse", None, "Marc Girard")
    ]
    assert not contacts.has_unsaved_changes()


def test_editing_one_phone_changes_that_phone_only(
    qtbot: QtBot, station: Session, contacts: RecordSection
) -> None:
    helene = rich(station, qtbot)
    before = on_vault(qtbot, station, lambda v: details_of(v.store, helene.id))
    open_editor(qtbot, contacts, helene.id)
    show_field(contacts, "phones")
    number = cell(contacts, "phones", 1, 1)
    assert isinstance(number, QLineEdit)
    number.setFocus()
    number.selectAll()
    qtbot.keyClicks(number, "+33 7 98 76 54 32")
    last_seq = on_vault(qtbot, station, lambda v: v.conn.execute(
        "SELECT max(seq) FROM oplog").fetchone()[0])  # fmt: skip
    save(qtbot, contacts)

    after = on_vault(qtbot, station, lambda v: details_of(v.store, helene.id))
    changed = [(b, a) for b, a in zip(before.points, after.points, strict=True) if b != a]
    assert len(changed) == 1
    old, new = changed[0]
    assert (old.id, new.value) == (before.points[1].id, "+33 7 98 76 54 32")
    assert (after.postings, after.relations) == (before.postings, before.relations)
    ops = on_vault(qtbot, station, lambda v: v.conn.execute(
        "SELECT entity, record_id, fields FROM oplog WHERE seq > ?", (last_seq,)
    ).fetchall())  # fmt: skip
    assert [(entity, record_id) for entity, record_id, _ in ops] == [
        ("contact_point", before.points[1].id)
    ]
    assert '"value"' in ops[0][2] and '"label"' not in ops[0][2]


def test_a_row_removed_is_a_detail_deleted(
    qtbot: QtBot, station: Session, contacts: RecordSection
) -> None:
    helene = rich(station, qtbot)
    open_editor(qtbot, contacts, helene.id)
    show_field(contacts, "addresses")
    street = cell(contacts, "addresses", 1, 2)  # after its text as written and its type
    street.setFocus()
    qtbot.keyClick(street, Qt.Key.Key_Delete, CTRL_SHIFT)
    assert len(rows(contacts, "addresses").rows) == 1
    save(qtbot, contacts)

    details = on_vault(qtbot, station, lambda v: details_of(v.store, helene.id))
    streets = [p.street for p in details.points if p.channel == "address"]
    assert streets == ["14 rue Saint-Dominique"]
    assert len([p for p in details.points if p.channel == "phone"]) == 3


def test_the_detail_pane_shows_the_details_compactly(
    qtbot: QtBot, station: Session, contacts: RecordSection
) -> None:
    helene = rich(station, qtbot)
    spouse = on_vault(qtbot, station, lambda v: v.store.add(Contact(full_name="Marc Girard")))
    on_vault(qtbot, station, lambda v: v.store.update(
        ContactRelation, details_of(v.store, helene.id).relations[0].id,
        {"other_id": spouse.id, "name": None}))  # fmt: skip
    contacts.open_record(helene.id)
    text = contacts.detail.browser.toPlainText
    qtbot.waitUntil(lambda: "Marc Girard" in text())

    page = text()
    assert "given Hélène" in page and "family Girard" in page
    assert "1974-03-14 · 52 years old" in page  # 14 March 2026 is her birthday
    assert "06-21 (year not known)" in page
    assert "Work +33 1 42 19 30 11 ext. 12" in page
    assert "Fax +33 1 42 19 30 99" in page
    assert "Spouse Marc Girard" in page
    assert "Work 14 rue Saint-Dominique\n75007 Paris\nFrance" in page  # as on an envelope
    assert page.index("2016-09 \N{EN DASH} 2019-07 Defence attaché") < page.index(
        "2019-09 \N{EN DASH} now Deputy director"
    )
    with qtbot.waitSignal(contacts.copy_requested) as copied:
        contacts.detail.browser.anchorClicked.emit(QUrl("copy:0"))
    assert copied.args == ["+33 1 42 19 30 11"]
    contacts.detail.browser.anchorClicked.emit(QUrl(f"record:contact/{spouse.id}"))
    qtbot.waitUntil(lambda: contacts.current_record_id() == spouse.id)  # the spouse's page


def test_a_draft_keeps_the_rows(qtbot: QtBot, station: Session, contacts: RecordSection) -> None:
    contacts.draft_interval_ms = 20
    start_new(qtbot, contacts)
    qtbot.keyClicks(field(contacts, "full_name"), "Kenji Sato")
    add_row(qtbot, contacts, "phones", "Mobile", "+81 90 1234 5678")
    add_row(qtbot, contacts, "postings", None, "Naval attache", "2024", "", "Embassy of Japan")
    found: list[list[Draft]] = []

    def drafted() -> bool:
        station.read(drafts, found.append, contacts)
        return any(d.fields.get("postings") for batch in found for d in batch)

    qtbot.waitUntil(drafted, timeout=5_000)
    draft = next(d for batch in found for d in batch if d.fields.get("postings"))
    contacts.discard_changes()
    contacts.restore_draft(draft)
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)

    values = contacts.editor.values()
    assert [(p["label"], p["value"]) for p in values["phones"]] == [("mobile", "+81 90 1234 5678")]
    assert [(p["title"], p["starts_on"]) for p in values["postings"]] == [("Naval attache", "2024")]
    assert contacts.has_unsaved_changes()


def test_undo_puts_the_phone_back(qtbot: QtBot, station: Session, contacts: RecordSection) -> None:
    helene = rich(station, qtbot)
    open_editor(qtbot, contacts, helene.id)
    show_field(contacts, "phones")
    number = cell(contacts, "phones", 0, 1)
    assert isinstance(number, QLineEdit)
    number.selectAll()
    qtbot.keyClicks(number, "+33 1 00 00 00 00")
    save(qtbot, contacts)

    def undo(vault: Vault) -> None:
        station.history.undo(vault.store)

    on_vault(qtbot, station, undo)
    details = on_vault(qtbot, station, lambda v: details_of(v.store, helene.id))
    assert details.points[0].value == "+33 1 42 19 30 11"
