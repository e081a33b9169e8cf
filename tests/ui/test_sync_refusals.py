"""The Sync section tells of refused changes and of this vault's clock run ahead.

Lagos's computer ran three days ahead for one edit: its Sync section says so;
HQ's import summary counts the change it refused, and Lagos reads in HQ's
next bundle that HQ refused it. A bundle HQ refused whole is told the same way,
with what to do, and stays in Lagos's Sync section until it is over.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.hlc import Stamp
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.sync.bundle_limit import set_max_bundle_mib
from tests.sync.helpers import enrol_station
from tests.ui.test_sync_section import (
    Vaults,
    answer,
    no_file_dialogs,  # noqa: F401 (an autouse fixture: no file dialog may open unanswered)
    run_batch,
    section,
)

DAY_MS = 24 * 3600 * 1000


@pytest.fixture
def vaults(qtbot: QtBot, tmp_path: Path, qapp: object) -> Iterator[Vaults]:
    pair = Vaults(qtbot, tmp_path)
    yield pair
    pair.close()


def test_a_clock_run_ahead_is_shown_and_its_refused_change_reported_both_ways(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    enrol_station(vaults.hq_vault, vaults.station_vault)
    lagos_vault = vaults.station_vault
    lagos_vault.store.add(Contact(full_name="Bola Ade"))
    now = lagos_vault.clock.now_ms()
    lagos_vault.store.observe(Stamp(now + 3 * DAY_MS, 0, lagos_vault.info.origin))
    lagos_vault.store.add(Contact(full_name="Written three days ahead"))
    hq_session, lagos_session = vaults.open()
    hq, lagos = section(qtbot, hq_session), section(qtbot, lagos_session)

    assert lagos.clock_warning.isVisible()
    assert lagos.clock_warning.text().startswith(
        "This vault's last change is stamped 3 days ahead of this computer's clock"
    )
    assert not hq.clock_warning.isVisible()

    usb = tmp_path / "usb"
    usb.mkdir()
    answer(monkeypatch, "getExistingDirectory", str(usb))
    run_batch(qtbot, lagos, lagos.export_button.click)
    (bundle,) = usb.iterdir()
    answer(monkeypatch, "getOpenFileNames", ([str(bundle)], ""))
    summary = run_batch(qtbot, hq, hq.import_button.click)
    assert summary == "From Lagos: 2 changes, 1 applied, 1 refused (1 clock-ahead)."

    back = tmp_path / "back"
    back.mkdir()
    answer(monkeypatch, "getExistingDirectory", str(back))
    run_batch(qtbot, hq, hq.export_button.click)
    (reply,) = back.iterdir()
    answer(monkeypatch, "getOpenFileNames", ([str(reply)], ""))
    summary = run_batch(qtbot, lagos, lagos.import_button.click)
    assert summary == (
        "From HQ: 0 changes, 0 applied. HQ refused 1 change this vault sent (1 clock-ahead)."
    )


def test_a_bundle_hq_refused_whole_is_shown_at_the_station_with_what_to_do(
    qtbot: QtBot, vaults: Vaults, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    enrol_station(vaults.hq_vault, vaults.station_vault)
    set_max_bundle_mib(vaults.hq_vault, 1)
    lagos_vault = vaults.station_vault
    owner = lagos_vault.store.add(Contact(full_name="Bola Ade"))
    scan = os.urandom(2 * 1024 * 1024)
    lagos_vault.store.add(Attachment(owner_id=owner.id, name="scan.pdf", mime="x/y", data=scan))
    hq_session, lagos_session = vaults.open()
    hq, lagos = section(qtbot, hq_session), section(qtbot, lagos_session)
    assert not lagos.refusal_warning.isVisible()

    usb = tmp_path / "usb"
    usb.mkdir()
    answer(monkeypatch, "getExistingDirectory", str(usb))
    run_batch(qtbot, lagos, lagos.export_button.click)
    (bundle,) = usb.iterdir()
    answer(monkeypatch, "getOpenFileNames", ([str(bundle)], ""))
    assert "refused (too-large)" in run_batch(qtbot, hq, hq.import_button.click)

    back = tmp_path / "back"
    back.mkdir()
    answer(monkeypatch, "getExistingDirectory", str(back))
    run_batch(qtbot, hq, hq.export_button.click)
    (reply,) = back.iterdir()
    answer(monkeypatch, "getOpenFileNames", ([str(reply)], ""))
    summary = run_batch(qtbot, lagos, lagos.import_button.click)
    advice = (
        "HQ refused this vault's bundle 1 (too-large): it is 2 MB, more than the 1 MiB HQ "
        "reads. Ask HQ's officer to raise that limit (`liaison-desk sync max-bundle` there); "
        "until then nothing this vault sends is read."
    )
    assert summary == f"From HQ: 0 changes, 0 applied. {advice}"
    qtbot.waitUntil(lambda: lagos.refusal_warning.isVisible())
    assert lagos.refusal_warning.text() == advice
    assert not hq.refusal_warning.isVisible()
