"""What the CLI says about changes a vault had no right to make, and about a clock run ahead.

HQ, Rome and Oslo, enrolled through the CLI. Rome shares a contact with Oslo
only; Oslo's officer tries to share it with everyone. A normal client says
no at once; a modified one (its own checks skipped) sends it, HQ refuses it
and says so, and Oslo's officer reads HQ's refusal in the next import.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import write_rights
from liaison_desk.core.hlc import Stamp
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from tests.cli.runner import PASSPHRASE, init_vault, one_sentence
from tests.cli.sync_desks import carry, enrol, export

DAY_MS = 24 * 3600 * 1000


def test_a_widening_is_refused_at_the_station_then_at_hq_and_both_officers_are_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    hq = init_vault(tmp_path / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(tmp_path / "rome", name="Rome DAO")[0]
    oslo = init_vault(tmp_path / "oslo", name="Oslo DAO")[0]
    _, hq_id = enrol(hq, rome, tmp_path)
    oslo_id, _ = enrol(hq, oslo, tmp_path)
    shared = rome.new_id(
        "contact", "add", "--name", "Giulia Conti", "--distribution", f"stations:{oslo_id}"
    )
    carry(rome, hq, hq_id, usb)
    carry(hq, oslo, oslo_id, usb)

    refused = oslo("contact", "edit", shared, "--distribution", "all")
    assert refused.code != 0
    assert one_sentence(refused.err) == (
        "Error: Only Rome DAO, which wrote this contact, and HQ can change who receives it."
    )

    with monkeypatch.context() as modified:
        modified.setattr(write_rights, "check_change", lambda *args: None)
        oslo.ok("contact", "edit", shared, "--distribution", "all")
    (written,) = export(oslo, usb)
    at_hq = hq.ok("sync", "import", written["path"])
    lines = at_hq.out.splitlines()
    assert lines[0].endswith("from Oslo DAO: 2 changes, 2 refused (below).")
    assert lines[1].strip() == "2 changes refused here:"
    assert all(
        line.strip().startswith(f"contact {shared} (change ")
        and line.endswith("not-authorised, its author had no right to make that change")
        for line in lines[2:4]
    )
    assert "Giulia" not in at_hq.out  # ids and counts, never content

    (back,) = export(hq, usb, oslo_id)
    told = oslo.ok("sync", "import", back["path"])
    assert "HQ Paris refused 2 changes this vault sent:" in told.out
    assert told.out.count(f"contact {shared} (change ") == 2
    (row,) = oslo.json("sync", "import", back["path"])
    assert row["status"] == "replayed"
    rows = hq.json("contact", "list")
    assert [r["distribution"] for r in rows if r["id"] == shared] == [f"stations:{oslo_id}"]


def test_a_vault_whose_last_change_is_days_ahead_is_warned_by_status_and_export(
    tmp_path: Path,
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    hq = init_vault(tmp_path / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(tmp_path / "rome", name="Rome DAO")[0]
    enrol(hq, rome, tmp_path)
    quiet = rome.ok("sync", "status")
    assert "Warning" not in quiet.err

    vault = Vault.unlock(rome.vault, PASSPHRASE)
    try:  # the computer's clock ran three days ahead for one edit
        now = vault.clock.now_ms()
        vault.store.observe(Stamp(now + 3 * DAY_MS, 0, vault.info.origin))
        vault.store.add(Contact(full_name="Written three days ahead"))
    finally:
        vault.lock()

    for args in (("sync", "status"), ("sync", "export", "--to", usb)):
        result = rome.ok(*args)
        assert result.err.startswith(
            "Warning: This vault's last change is stamped 3 days ahead of this computer's clock"
        ), result
        assert "clock-ahead" in result.err
