"""A new officer's first fifteen minutes, scripted end to end through the real widgets.

The application's own entry point (the Launcher) shows the first-run wizard; from the
window it opens: an organization created from the contact form, the contact, a meeting
with the contact as host and a follow-up, Ctrl+K by a prefix with accents folded, delete
and Ctrl+Z, lock and unlock, a new passphrase, and a backup restored into a new folder
that opens on the same records. One test, in the order a newcomer goes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QWizard,
)
from pytestqt.qtbot import QtBot

from liaison_desk.core import relations
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.ui.app import Launcher
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.vault_dialogs import ChangePassphraseDialog, RestoreDialog
from tests.conftest import FAST_KDF
from tests.ui.test_edit_actions import activate, delete_dialog, select
from tests.ui.test_first_run import child
from tests.ui.test_followup_people import _pick
from tests.ui.test_forms import create_button, type_org
from tests.ui.test_search_dialog import ctrl_k, titles
from tests.ui.test_vault_tools import unlock_with
from tests.ui.vault_work import on_vault

CTRL = Qt.KeyboardModifier.ControlModifier
FIRST_PASSPHRASE = "violet anchor gravel tundra 47 quay"
NEW_PASSPHRASE = "copper lantern fjord meadow 82 sable"
STATION = "Defence section, Paris"
ORG_NAME = "Direction générale de l'armement"
CONTACT_NAME = "Hélène Marchand"
MEETING_TITLE = "Staff talks"
ACTION = "Send the visit programme"
DUE = QDate(2027, 1, 15)


def section_of(window: MainWindow, kind: str) -> RecordSection:
    """The window's section for `kind` (sections are rebuilt at each unlock: ask again)."""
    return next(s for s in window.sections if s.kind.name == kind)


def open_list(qtbot: QtBot, window: MainWindow, kind: str) -> RecordSection:
    activate(qtbot, window)
    section = section_of(window, kind)
    window.open_section(section)
    qtbot.waitUntil(lambda: bool(section.markings) and not section.model.is_loading)
    return section


def new_record(qtbot: QtBot, section: RecordSection) -> None:
    section.table.setFocus()
    qtbot.keyClick(section.table, Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: section.stack.currentWidget() is section.editor)


def save_with_ctrl_s(qtbot: QtBot, section: RecordSection, field: str) -> str:
    with qtbot.waitSignal(section.saved) as saved:
        qtbot.keyClick(section.editor.fields[field].widget, Qt.Key.Key_S, CTRL)
    return str(saved.args[0])


def lock_with_ctrl_l(qtbot: QtBot, window: MainWindow) -> None:
    activate(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 1)
    assert not window.session.is_unlocked and window.sections == []


def wait_unlocked(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.pages.currentIndex() == 0 and bool(window.sections))
    assert window.session.is_unlocked


def host_of(vault: Vault, meeting_id: str) -> list[tuple[str, str | None]]:
    return [
        (a.contact.id, a.participant.role) for a in relations.participants(vault.store, meeting_id)
    ]


# Showing a completer's popup on the offscreen platform logs that it cannot raise it.
@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_new_officers_first_fifteen_minutes(
    qtbot: QtBot, tmp_path: Path, runner: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    vault_dir = tmp_path / "vault"
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)

    # -- 1. First start: no vault yet, so the Launcher shows the wizard. -----------------------
    launcher = Launcher(vault_dir, tmp_path / "demo", settings, runner, kdf=FAST_KDF)
    launcher.start()
    wizard = launcher.dialog
    assert isinstance(wizard, FirstRunWizard)
    qtbot.addWidget(wizard)
    qtbot.waitExposed(wizard)
    qtbot.keyClick(child(wizard, QRadioButton, "chooseCreate"), Qt.Key.Key_Return)
    first = child(wizard, QLineEdit, "passphrase")
    again = child(wizard, QLineEdit, "passphraseAgain")
    qtbot.keyClicks(first, FIRST_PASSPHRASE)
    qtbot.keyClicks(again, FIRST_PASSPHRASE)
    assert child(wizard, QProgressBar, "strengthMeter").value() >= 3  # zxcvbn: strong
    assert child(wizard, QLabel, "strengthReason").text().startswith(("Strong", "Very strong"))
    qtbot.keyClick(again, Qt.Key.Key_Return)
    station = child(wizard, QLineEdit, "stationName")
    qtbot.waitUntil(station.isVisible)
    qtbot.keyClicks(station, STATION)
    child(wizard, QComboBox, "stationZone").setCurrentText("Europe/Paris")
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    qtbot.keyClick(station, Qt.Key.Key_Return)  # "Create the vault"
    code_label = child(wizard, QLabel, "recoveryCode")
    qtbot.waitUntil(lambda: code_label.text() != "")
    qtbot.keyClick(child(wizard, QCheckBox, "recoveryWritten"), Qt.Key.Key_Space)
    confirm = child(wizard, QLineEdit, "recoveryLastGroup")
    qtbot.keyClicks(confirm, code_label.text().rsplit("-", 1)[-1])
    qtbot.keyClick(confirm, Qt.Key.Key_Return)  # Finish: the main window opens
    qtbot.waitUntil(lambda: launcher.window is not None)
    window = launcher.window
    assert isinstance(window, MainWindow)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: bool(window.sections) and window.counts_label.text() != "")
    assert window.windowTitle() == f"{STATION} — Liaison Desk"
    assert not wizard.isVisible()
    session = window.session

    # -- 2. A contact, with their organization created from the contact form. ----------------
    contacts = open_list(qtbot, window, "contact")
    new_record(qtbot, contacts)
    contacts.editor.fields["full_name"].set(CONTACT_NAME)  # QTest types ASCII only
    type_org(contacts, ORG_NAME)
    offer = create_button(contacts)
    assert offer.isVisible() and offer.text() == f"Create organization “{ORG_NAME}”"
    qtbot.mouseClick(offer, Qt.MouseButton.LeftButton)
    contact_id = save_with_ctrl_s(qtbot, contacts, "full_name")

    def org_and_contact(vault: Vault) -> tuple[list[Organization], Contact]:
        return vault.store.list(Organization), vault.store.get(Contact, contact_id)

    orgs, contact = on_vault(qtbot, session, org_and_contact)
    assert [o.name for o in orgs] == [ORG_NAME]
    org_id = orgs[0].id
    assert (contact.full_name, contact.org_id) == (CONTACT_NAME, org_id)
    qtbot.waitUntil(lambda: ORG_NAME in contacts.detail.browser.toPlainText())

    # -- 3. A meeting with the contact as host, and a follow-up with a due date. -------------
    meetings = open_list(qtbot, window, "meeting")
    new_record(qtbot, meetings)
    editor = meetings.editor
    qtbot.keyClicks(editor.fields["title"].widget, MEETING_TITLE)
    people = editor.people
    assert people is not None
    _pick(qtbot, people, "marc")  # the completer finds Hélène Marchand
    role = people.role_box(contact_id)
    role.setFocus()
    role.setCurrentIndex(role.findData("host"))
    followups = editor.new_followups
    assert followups is not None
    followups.due.edit.setDate(DUE)  # chosen in the date edit (its calendar or typing)
    qtbot.keyClicks(followups.action, ACTION)
    qtbot.keyClick(followups.action, Qt.Key.Key_Return)
    assert followups.get() == [{"action": ACTION, "due_date": "2027-01-15"}]
    meeting_id = save_with_ctrl_s(qtbot, meetings, "title")
    qtbot.waitUntil(lambda: f"{CONTACT_NAME} (Host)" in meetings.detail.browser.toPlainText())

    def the_followup(vault: Vault) -> FollowUp:
        (only,) = vault.store.list(FollowUp, ListQuery(limit=10))
        return only

    followup = on_vault(qtbot, session, the_followup)
    assert (followup.action, followup.due_date, followup.meeting_id) == (
        ACTION,
        "2027-01-15",
        meeting_id,
    )
    assert on_vault(qtbot, session, lambda v: host_of(v, meeting_id)) == [(contact_id, "host")]

    # The contact's page lists what is still owed.
    window.open_record("contact", contact_id)
    contacts = section_of(window, "contact")
    qtbot.waitUntil(lambda: contacts.current_record_id() == contact_id)
    page = contacts.detail.browser
    qtbot.waitUntil(lambda: "Open follow-ups" in page.toPlainText())
    owed = page.toPlainText()[page.toPlainText().index("Open follow-ups") :]
    assert ACTION in owed and "None yet" not in owed

    # -- 4. Ctrl+K from another section: "hel" finds Hélène; Enter opens her page. -----------
    open_list(qtbot, window, "meeting")
    search = ctrl_k(qtbot, window)
    qtbot.keyClicks(search.box, "hel")
    qtbot.waitUntil(lambda: CONTACT_NAME in titles(search))
    with qtbot.waitSignal(search.chosen) as chosen:
        qtbot.keyClick(search.box, Qt.Key.Key_Return)
    assert chosen.args == ["contact", contact_id]
    qtbot.waitUntil(lambda: window.current_section() is contacts)
    qtbot.waitUntil(lambda: contacts.current_record_id() == contact_id)

    # -- 5. Delete the contact from the list (with the question), then Ctrl+Z. ---------------
    select(qtbot, window, contacts, contact_id)
    qtbot.keyClick(contacts.table, Qt.Key.Key_Delete)
    question = delete_dialog(qtbot, window)
    assert MEETING_TITLE in question.links_label.text()  # what she is linked to, said first
    question.delete_button.click()
    qtbot.waitUntil(lambda: contacts.model.row_of(contact_id) is None)
    assert not on_vault(qtbot, session, lambda v: v.store.exists(CONTACT, contact_id))
    assert on_vault(qtbot, session, lambda v: host_of(v, meeting_id)) == []
    undo = window.edit_actions.undo_action
    qtbot.waitUntil(lambda: undo.text() == f"&Undo Delete contact “{CONTACT_NAME}”")
    activate(qtbot, window)  # the question had the focus
    qtbot.keyClick(contacts.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: contacts.model.row_of(contact_id) is not None)
    back = on_vault(qtbot, session, lambda v: v.store.get(Contact, contact_id))
    assert (back.id, back.full_name, back.org_id) == (contact_id, CONTACT_NAME, org_id)
    assert on_vault(qtbot, session, lambda v: host_of(v, meeting_id)) == [(contact_id, "host")]

    # -- 6. Ctrl+L locks; the lock screen's passphrase opens the vault again. ----------------
    lock_with_ctrl_l(qtbot, window)
    unlock_with(qtbot, window, FIRST_PASSPHRASE)
    wait_unlocked(qtbot, window)
    contacts = section_of(window, "contact")
    qtbot.waitUntil(lambda: contacts.model.row_of(contact_id) is not None)

    # -- 7. Vault, Change passphrase: the old one is refused after, the new one opens. -------
    tools = window.vault_tools
    tools.passphrase_action.trigger()
    change = tools.dialog
    assert isinstance(change, ChangePassphraseDialog) and change.isVisible()
    new_first = change.form.findChild(QLineEdit, "passphrase")
    new_again = change.form.findChild(QLineEdit, "passphraseAgain")
    assert new_first is not None and new_again is not None
    qtbot.keyClicks(change.current, FIRST_PASSPHRASE)
    qtbot.keyClicks(new_first, NEW_PASSPHRASE)
    qtbot.keyClicks(new_again, NEW_PASSPHRASE)
    assert change.change_button.isEnabled()
    change.change_button.click()
    qtbot.waitUntil(lambda: "Passphrase changed" in window.statusBar().currentMessage())
    qtbot.waitUntil(lambda: not shiboken6.isValid(change))  # gone with the secrets it held

    lock_with_ctrl_l(qtbot, window)
    unlock_with(qtbot, window, FIRST_PASSPHRASE)
    refused = child(window.lock_screen, QLabel, "unlockError")
    qtbot.waitUntil(refused.isVisible)
    assert window.pages.currentIndex() == 1 and not session.is_unlocked
    unlock_with(qtbot, window, NEW_PASSPHRASE)
    wait_unlocked(qtbot, window)

    # -- 8. Vault, Back up; then Vault, Restore into a new folder, opened in its own window. -
    usb = tmp_path / "usb"
    usb.mkdir()
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (str(usb / "paris-backup"), "")
    )
    tools.backup_action.trigger()
    qtbot.waitUntil(lambda: "Backup written" in window.statusBar().currentMessage())
    written = usb / "paris-backup.ldbackup"
    assert written.stat().st_size > 0 and tools.progress is None

    restored_dir = tmp_path / "restored vault"
    restored_dir.mkdir()  # a new, empty folder, made in the folder picker
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(written), ""))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(restored_dir))
    tools.restore_action.trigger()
    restore = tools.dialog
    assert isinstance(restore, RestoreDialog) and restore.isVisible()
    browse_file, browse_folder = (
        b for b in restore.findChildren(QPushButton) if b.text() == "Browse…"
    )
    qtbot.mouseClick(browse_file, Qt.MouseButton.LeftButton)
    assert restore.source.text() == str(written)
    qtbot.mouseClick(browse_folder, Qt.MouseButton.LeftButton)
    assert restore.dest.text() == str(restored_dir)
    qtbot.keyClicks(restore.secret, NEW_PASSPHRASE)  # the passphrase when the backup was made
    restore.restore_button.click()
    qtbot.waitUntil(lambda: len(tools.windows) == 1)
    other = tools.windows[0]
    assert isinstance(other, MainWindow) and other.session.vault_dir == restored_dir
    assert other is not window and window.session.vault_dir == vault_dir

    # The restored window shows the same records, the host at the meeting included.
    qtbot.waitUntil(lambda: bool(other.sections))
    other_contacts, other_meetings = section_of(other, "contact"), section_of(other, "meeting")
    qtbot.waitUntil(lambda: other_contacts.model.row_of(contact_id) is not None)
    other.open_record("meeting", meeting_id)
    qtbot.waitUntil(lambda: other_meetings.detail.detail is not None)
    detail = other_meetings.detail.detail
    assert detail is not None
    assert [(p.contact.id, p.participant.role) for p in detail.people] == [(contact_id, "host")]

    def everything(vault: Vault) -> tuple[Organization, Contact, Meeting, FollowUp, list[str]]:
        return (
            vault.store.get(Organization, org_id),
            vault.store.get(Contact, contact_id),
            vault.store.get(Meeting, meeting_id),
            vault.store.get(FollowUp, followup.id),
            [f.id for f in relations.open_followups(vault.store, contact_id)],
        )

    def check(found: tuple[Organization, Contact, Meeting, FollowUp, list[str]]) -> None:
        org, person, meeting, task, owed_ids = found
        assert org.name == ORG_NAME
        assert (person.full_name, person.org_id) == (CONTACT_NAME, org_id)
        assert meeting.title == MEETING_TITLE
        assert (task.action, task.due_date, task.meeting_id) == (ACTION, "2027-01-15", meeting_id)
        assert owed_ids == [followup.id]

    check(on_vault(qtbot, other.session, everything))
    assert on_vault(qtbot, other.session, lambda v: host_of(v, meeting_id)) == [
        (contact_id, "host")
    ]

    # Closed, the restored vault opens again from its folder with the passphrase alone.
    other.close()  # which locks its vault, on the worker
    qtbot.waitUntil(lambda: not tools.windows)
    after_the_lock = runner.run(
        lambda: None, lambda _: None, lambda e: pytest.fail(e.message), window
    )
    qtbot.waitUntil(after_the_lock.done)
    reopened = Vault.unlock(restored_dir, NEW_PASSPHRASE)
    try:
        check(everything(reopened))
        assert host_of(reopened, meeting_id) == [(contact_id, "host")]
    finally:
        reopened.lock()
    assert QApplication.activeModalWidget() is None
