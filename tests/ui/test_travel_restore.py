"""The lock screen of a sealed vault restores it through a real relay on 127.0.0.1: the request
sent, its code shown to read to HQ, HQ's grant fetched, a new passphrase set, data intact."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import recovery, recovery_relay
from liaison_desk.sync.online import set_relay_url, sync_online
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.unlock import UnlockWidget
from tests.conftest import FAST_KDF
from tests.relay.relay_process import export_identity, relay_process
from tests.sync.helpers import enrol_station, make_vault

NEW = "a fresh passphrase after the border"


def test_a_sealed_vault_is_restored_from_the_lock_screen_through_the_relay(
    qtbot: QtBot, runner: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(KdfParams, "default", classmethod(lambda cls: FAST_KDF))
    hq = make_vault(tmp_path, "hq", "hq")
    lagos = make_vault(tmp_path, "lagos")
    enrol_station(hq, lagos)
    lagos.store.add(Contact(full_name="Adaeze Okafor"))
    folder = lagos.path
    recovery.seal_for_travel(lagos)
    with relay_process(export_identity(hq, tmp_path / "hq.json"), tmp_path / "relay") as relay:
        sync_online(hq, relay.url)
        set_relay_url(hq, relay.url)
        session = Session(folder, runner)
        widget = UnlockWidget(session, title="Lagos")
        qtbot.addWidget(widget)
        widget.show()
        assert widget.restore_button.isVisible()
        widget.restore_button.click()
        dialog = widget.restore_dialog
        assert dialog is not None
        assert not dialog.send_button.isEnabled()  # no address yet
        dialog.relay.setText(relay.url)
        dialog.send_button.click()
        qtbot.waitUntil(lambda: "read them this code" in dialog.code.text())
        code = dialog.code.text().splitlines()[-1]
        assert not dialog.apply_button.isEnabled()  # no passphrase yet

        # Before HQ grants it: said, and nothing opens.
        dialog.passphrase.first.edit.setText(NEW)
        dialog.passphrase.again.edit.setText(NEW)
        dialog.apply_button.click()
        qtbot.waitUntil(lambda: "not granted the request yet" in dialog.error.text())
        assert not session.is_unlocked and recovery.is_sealed(folder)

        recovery_relay.grant_through_relay(hq, code)  # after the call, at HQ
        dialog.passphrase.first.edit.setText(NEW)
        dialog.passphrase.again.edit.setText(NEW)
        dialog.apply_button.click()
        qtbot.waitUntil(lambda: "new recovery code" in dialog.new_code.text())
        assert session.is_unlocked
        with qtbot.waitSignal(widget.unlocked):
            dialog.buttons.rejected.emit()  # Close, once the code is written down
    names = session.on_vault(lambda v: [c.full_name for c in v.store.list(Contact)])
    assert names == ["Adaeze Okafor"]
    session.lock()
    qtbot.waitUntil(lambda: not session.is_unlocked)
    assert not recovery.is_sealed(folder)
    Vault.unlock(folder, NEW).lock()
    hq.lock()
