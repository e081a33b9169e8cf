"""`liaison-desk gift …`: entries flagged against HQ's sample limits, declarations listed at HQ."""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import PROTOCOL_DIR, init_vault
from tests.cli.sync_desks import carry, new_station


def test_register_flags_and_hq_lists_the_declarations(tmp_path: Path) -> None:
    hq = init_vault(tmp_path / "hq", name="HQ", role="hq")[0]
    hq.ok("protocol", "import", PROTOCOL_DIR)
    tokyo, tokyo_id = new_station(hq, tmp_path, "Tokyo DAO")
    hq_id = hq.json("identity", "show")["fingerprint"]
    usb = tmp_path / "usb"
    usb.mkdir()
    carry(hq, tokyo, tokyo_id, usb)  # the library, with its limits, reaches the station

    sato = tokyo.new_id("contact", "add", "--name", "Cdr Aiko Sato", "--country", "JP")
    entry = ["gift", "add", "--direction", "received", "--contact", sato]
    over = tokyo.ok(
        *entry, "--what", "Lacquer box", "--value", "12000", "--currency", "jpy",
        "--date", "2026-07-14", "--occasion", "JMSDF anniversary",
    )  # fmt: skip
    over_id = over.out.strip()
    assert "Flagged for declaration to HQ: 12000 JPY is over the limit of 10000 JPY" in over.err
    under = tokyo.ok(
        *entry, "--what", "Tea", "--value", "40", "--currency", "EUR", "--date", "2026-07-15"
    )
    assert under.err == ""
    under_id = under.out.strip()

    listed = tokyo.json("gift", "list", "--contact", sato)
    assert [g["id"] for g in listed] == [under_id, over_id]  # newest first
    assert [g["declaration"] is None for g in listed] == [True, False]
    shown = tokyo.json("gift", "show", over_id)
    assert shown["country"] == "JP" and shown["currency"] == "JPY" and shown["rules_id"]

    lowered = tokyo.ok("gift", "edit", under_id, "--value", "90")  # 14760 JPY: over
    assert "14760.00 JPY" in lowered.err

    carry(tokyo, hq, hq_id, usb)
    declared = hq.json("gift", "declarations")
    assert [(d["station"], d["station_name"]) for d in declared] == [(tokyo_id, "Tokyo DAO")] * 2
    assert {d["gift"]["id"] for d in declared} == {over_id, under_id}
    table = hq.ok("gift", "declarations").out
    assert "Tokyo DAO" in table and "Lacquer box" in table and "12000 JPY" in table


def test_a_malformed_entry_is_one_sentence(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    result = desk(
        "gift", "add", "--direction", "given", "--what", "Coin", "--value", "1,5",
        "--currency", "EUR", "--date", "2026-07-14",
    )  # fmt: skip
    assert result.code != 0
    assert result.err.strip() == "Error: The value '1,5' is not an amount like 150 or 89.90."
    assert desk.json("gift", "list") == []
