"""`audit --verify` at the station and `peers audit ID` at HQ: the chain marked and checked."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.vault import Vault
from tests.cli.runner import PASSPHRASE, Desk, init_vault, one_sentence
from tests.cli.sync_desks import carry, new_station


def test_station_and_hq_see_the_chain_and_name_an_edited_entry(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    paris, paris_id = new_station(hq, tmp_path, "Paris")
    usb = tmp_path / "usb"
    usb.mkdir()
    paris.ok("passphrase", "change", LIAISON_DESK_NEW_PASSPHRASE="a new passphrase for paris")
    paris = Desk(paris.vault, "a new passphrase for paris")
    assert "intact" in paris.ok("audit", "--verify").out

    carry(paris, hq, hq_id(hq), usb)

    shown = hq.ok("peers", "audit", paris_id[:12])
    assert "Paris: chain verified" in shown.out
    assert "passphrase-changed" in shown.out and "✓" in shown.out
    rows = hq.json("peers", "audit", paris_id[:12])
    assert rows["intact"] is True
    assert {"vault-created", "enrolment", "passphrase-changed"} <= {
        e["event"] for e in rows["entries"]
    }

    with Vault.unlock(hq.vault, PASSPHRASE) as vault:  # someone at HQ edits its copy
        vault.conn.execute(
            "UPDATE station_audit SET at = '2020-01-01T00:00:00.000Z' "
            "WHERE event = 'passphrase-changed'"
        )
    broken = hq("peers", "audit", paris_id[:12])
    assert broken.code == 1
    assert "BROKEN" in broken.out and "✗" in broken.out
    assert "was edited" in one_sentence(broken.err)

    with Vault.unlock(paris.vault, "a new passphrase for paris") as vault:
        vault.conn.execute("DELETE FROM audit WHERE n = 2")
    failed = paris("audit", "--verify")
    assert failed.code == 1
    assert "Entries were removed: #2." in failed.out


def hq_id(hq: Desk) -> str:
    return str(hq.json("identity", "show")["fingerprint"])
