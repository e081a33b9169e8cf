"""The Sync section's revoke dialog: a reason is required; a date of compromise and a wipe
are the officer's to add. And a record HQ flagged says so in its detail."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import QDialogButtonBox, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.record_detail import record_detail
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.ui.detail_page import FLAGGED, detail_html
from liaison_desk.ui.revoke_dialog import RevokeChoice, RevokeDialog

NOW = 1_780_000_000_000


def test_the_choice_carries_reason_date_and_wipe(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = RevokeDialog(parent, "Lagos", "f" * 96, NOW)
    dialog.open()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.windowTitle() == "Revoke Lagos"
    assert not ok.isEnabled() and not dialog.since.isEnabled()
    dialog.reason.setText("  Taken at the border  ")
    dialog.compromised.setChecked(True)
    assert dialog.since.isEnabled()
    dialog.since.setDateTime(QDateTime.fromMSecsSinceEpoch(NOW - 3_600_000, QTimeZone.utc()))
    dialog.wipe.setChecked(True)

    with qtbot.waitSignal(dialog.chosen) as chosen:
        ok.click()

    choice = chosen.args[0]
    assert isinstance(choice, RevokeChoice)
    assert choice.reason.strip() == "Taken at the border"
    assert choice.compromised_since_ms == NOW - 3_600_000
    assert choice.wipe and choice.fingerprint == "f" * 96
    assert not dialog.isVisible()


def test_a_flagged_record_says_so_in_its_detail(vault: Vault) -> None:
    contact = vault.store.add(Contact(full_name="Colonel After"))
    plain = record_detail(vault.store, vault.clock, CONTACT, contact.id)
    assert not plain.flagged and FLAGGED not in detail_html(plain)[0]
    with vault.store.transaction():
        vault.conn.execute(
            "INSERT INTO flagged_records VALUES ('contact', ?, '2026-05-28T00:00:00.000Z')",
            (contact.id,),
        )
    flagged = record_detail(vault.store, vault.clock, CONTACT, contact.id)
    assert flagged.flagged and FLAGGED in detail_html(flagged)[0]
