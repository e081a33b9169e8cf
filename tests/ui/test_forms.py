"""Forms that fit the work: dates empty until chosen, a distribution picked from a list,
an organization created from the contact form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDateEdit, QLineEdit, QPushButton, QToolButton
from pytestqt.qtbot import QtBot

from liaison_desk.core.records import Contact, Organization
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.sync.enrol import approve, own_request
from liaison_desk.sync.peers import set_group
from liaison_desk.ui.distribution_picker import DistributionPicker
from liaison_desk.ui.editor_fields import FollowUpsField
from liaison_desk.ui.record_fields import EditState
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.ui.test_record_section import open_section, show_field, start_new
from tests.ui.vault_work import on_vault


def save(qtbot: QtBot, section: RecordSection) -> str:
    with qtbot.waitSignal(section.saved) as saved:
        section.save()
    return str(saved.args[0])


# -- dates ------------------------------------------------------------------------------------


def test_a_new_follow_up_in_the_meeting_editor_has_no_date_until_chosen(
    qtbot: QtBot, session: Session
) -> None:
    meetings = open_section(qtbot, session, "Meetings")
    start_new(qtbot, meetings)
    row = meetings.editor.findChild(FollowUpsField)
    assert row is not None
    due = row.due.edit
    assert due.text() == "No date"  # not 2000-01-01
    assert row.due.get() is None
    clear = row.findChild(QToolButton)
    assert clear is not None and clear.text() == "Clear" and not clear.isEnabled()

    due.setDate(QDate(2026, 4, 2))
    assert row.due.get() == "2026-04-02" and clear.isEnabled()
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert row.due.get() is None and due.text() == "No date"

    due.setDate(QDate(2026, 4, 2))
    qtbot.keyClicks(row.action, "Send the agenda")
    qtbot.keyClick(row.action, Qt.Key.Key_Return)
    assert row.get() == [{"action": "Send the agenda", "due_date": "2026-04-02"}]
    assert row.due.get() is None  # the next one starts empty again
    meetings.discard_changes()


def test_the_follow_up_form_due_date_starts_empty_and_clears(
    qtbot: QtBot, session: Session
) -> None:
    followups = open_section(qtbot, session, "Follow-ups")
    start_new(qtbot, followups)
    due = followups.editor.fields["due_date"]
    edit = due.widget.findChild(QDateEdit)
    assert edit is not None and edit.text() == "No date"
    edit.setDate(QDate(2026, 5, 1))
    assert followups.editor.values()["due_date"] == "2026-05-01"
    clear = due.widget.findChild(QToolButton)
    assert clear is not None
    qtbot.mouseClick(clear, Qt.MouseButton.LeftButton)
    assert followups.editor.values()["due_date"] is None
    followups.discard_changes()


# -- distribution -----------------------------------------------------------------------------


@pytest.fixture
def hq(qtbot: QtBot, tmp_path: Path, runner: Runner) -> Iterator[tuple[Session, dict[str, str]]]:
    """HQ with two stations enrolled (real requests and approvals) and a group "europe"."""
    hq_dir = tmp_path / "hq"
    hq_vault = Vault.create(hq_dir, PASSPHRASE, name="HQ", role="hq", kdf=FAST_KDF)[0]
    ids: dict[str, str] = {}
    for name in ("Paris", "Tokyo"):
        station = Vault.create(tmp_path / name, PASSPHRASE, name=name, kdf=FAST_KDF)[0]
        identity, request = own_request(station)
        approve(hq_vault, request)
        ids[name] = identity.fingerprint
        station.lock()
    with hq_vault.store.transaction():
        set_group(hq_vault.conn, "europe", [ids["Paris"]])
    hq_vault.lock()
    session = Session(hq_dir, runner)
    session.open(lambda: Vault.unlock(hq_dir, PASSPHRASE), lambda _: None, pytest.fail, session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    yield session, ids
    session.lock()


def picker_of(section: RecordSection) -> DistributionPicker:
    picker = section.editor.fields["distribution"].widget
    assert isinstance(picker, DistributionPicker)
    return picker


def test_distribution_is_picked_from_the_vaults_stations_and_groups(
    qtbot: QtBot, hq: tuple[Session, dict[str, str]]
) -> None:
    session, ids = hq
    contacts = open_section(qtbot, session, "Contacts")
    picker = picker_of(contacts)
    qtbot.waitUntil(lambda: picker.stations.count() == 2)
    start_new(qtbot, contacts)
    show_field(contacts, "distribution")
    scopes = [picker.scope.itemText(i) for i in range(picker.scope.count())]
    assert scopes == ["Default (HQ only)", "HQ only", "All stations", "Chosen stations", "A group"]
    assert picker.get() is None and not picker.stations.isVisible()

    contacts.editor.fields["full_name"].set("Hélène Girard")  # QTest types ASCII only
    picker.scope.setCurrentIndex(picker.scope.findText("Chosen stations"))
    assert picker.stations.isVisible()
    names = [picker.stations.item(i).text() for i in range(picker.stations.count())]
    assert [n.split(" (")[0] for n in names] == ["Paris", "Tokyo"]
    picker.stations.item(1).setCheckState(Qt.CheckState.Checked)
    assert picker.get() == f"stations:{ids['Tokyo']}"
    saved = save(qtbot, contacts)
    stored = on_vault(qtbot, session, lambda v: v.store.get(Contact, saved))
    assert stored.distribution == f"stations:{ids['Tokyo']}"

    contacts.edit_record()
    qtbot.waitUntil(lambda: contacts.stack.currentWidget() is contacts.editor)
    assert picker.scope.currentText() == "Chosen stations"
    assert picker.stations.item(1).checkState() == Qt.CheckState.Checked
    assert picker.stations.item(0).checkState() == Qt.CheckState.Unchecked
    picker.scope.setCurrentIndex(picker.scope.findText("A group"))
    assert picker.group.currentText() == "europe"
    save(qtbot, contacts)
    stored = on_vault(qtbot, session, lambda v: v.store.get(Contact, saved))
    assert stored.distribution == "group:europe"


def test_a_protocol_reference_at_hq_defaults_to_all_stations(
    qtbot: QtBot, hq: tuple[Session, dict[str, str]]
) -> None:
    session, _ids = hq
    library = open_section(qtbot, session, "Protocol library")
    assert picker_of(library).scope.itemText(0) == "Default (All stations)"


def test_a_station_picks_hq_only_or_all(qtbot: QtBot, session: Session) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    picker = picker_of(contacts)
    qtbot.keyClicks(contacts.editor.fields["full_name"].widget, "Kenji Sato")
    picker.scope.setCurrentIndex(picker.scope.findText("All stations"))
    saved = save(qtbot, contacts)
    stored = on_vault(qtbot, session, lambda v: v.store.get(Contact, saved))
    assert stored.distribution == "all"


# -- a new organization from the contact form -------------------------------------------------


def org_line(section: RecordSection) -> QLineEdit:
    line = section.editor.fields["org_id"].widget.findChild(QLineEdit)
    assert line is not None
    return line


def type_org(section: RecordSection, text: str) -> None:
    """As typing does (QTest's keys are ASCII only): the text, then textEdited."""
    line = org_line(section)
    line.setFocus()
    line.setText(text)
    line.textEdited.emit(text)


def create_button(section: RecordSection) -> QPushButton:
    button = section.editor.fields["org_id"].widget.findChild(QPushButton)
    assert button is not None
    return button


def test_an_unknown_organization_is_created_with_the_contact(
    qtbot: QtBot, session: Session
) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    contacts.editor.fields["full_name"].set("Hélène Girard")  # QTest types ASCII only
    qtbot.keyClicks(contacts.editor.fields["country"].widget, "FR")
    type_org(contacts, "Direction générale de l'armement")
    button = create_button(contacts)
    assert button.isVisible()
    assert button.text() == "Create organization “Direction générale de l'armement”"

    contacts.save()  # not chosen yet: the form says so and nothing is saved
    assert "Choose the organization from the list" in contacts.editor.error.text()

    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    saved = save(qtbot, contacts)

    def stored(vault: Vault) -> tuple[Contact, list[Organization]]:
        return vault.store.get(Contact, saved), vault.store.list(Organization)

    contact, orgs = on_vault(qtbot, session, stored)
    assert [(o.name, o.country) for o in orgs] == [("Direction générale de l'armement", "FR")]
    assert contact.org_id == orgs[0].id


def test_a_name_already_in_the_vault_is_linked_not_created_twice(
    qtbot: QtBot, session: Session
) -> None:
    org = on_vault(qtbot, session, lambda v: v.store.add(Organization(name="NATO")))
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    qtbot.keyClicks(contacts.editor.fields["full_name"].widget, "Jonas Berg")
    type_org(contacts, "NATO")
    create_button(contacts).setChecked(True)
    saved = save(qtbot, contacts)
    contact = on_vault(qtbot, session, lambda v: v.store.get(Contact, saved))
    assert contact.org_id == org.id
    count = on_vault(qtbot, session, lambda v: v.store.count(Organization, ListQuery()))
    assert count == 1


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_picking_a_known_organization_hides_the_offer(qtbot: QtBot, session: Session) -> None:
    on_vault(qtbot, session, lambda v: v.store.add(Organization(name="Ministry of Defence")))
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    line = org_line(contacts)
    line.setFocus()
    qtbot.waitUntil(line.hasFocus)
    qtbot.keyClicks(line, "Minis")
    assert create_button(contacts).isVisible()
    popup = contacts.editor.fields["org_id"].completer.completer.popup()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: popup is not None and popup.isVisible())
    assert popup is not None
    qtbot.waitUntil(lambda: popup.model().rowCount() == 1)
    popup.setCurrentIndex(popup.model().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: line.text() == "Ministry of Defence")
    assert not create_button(contacts).isVisible()
    assert contacts.editor.unresolved() == []
    contacts.discard_changes()


def test_a_draft_keeps_the_organization_to_create(qtbot: QtBot, session: Session) -> None:
    """Typing saved as a draft (a crash, an auto-lock) comes back with the offer still taken."""
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    contacts.editor.fields["full_name"].set("Kenji Sato")
    type_org(contacts, "Japan Ground Self-Defense Force")
    create_button(contacts).setChecked(True)
    kept = contacts.editor.values()
    assert kept["new_organization"] == "Japan Ground Self-Defense Force"
    contacts.discard_changes()

    contacts.editor.load(EditState(None, {}, draft=kept))
    assert create_button(contacts).isChecked()
    assert org_line(contacts).text() == "Japan Ground Self-Defense Force"
    assert contacts.editor.values()["new_organization"] == "Japan Ground Self-Defense Force"
