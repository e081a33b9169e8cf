"""`attachment delete`: a file leaves its record here and, once synced, everywhere it went.

HQ and a station made through the CLI; every step is one `liaison-desk` command.
The station deletes only what the write rights let it (HQ's protocol library is
HQ's alone), and the deletion travels like any other change.
"""

from __future__ import annotations

from pathlib import Path

from tests.cli.runner import Desk, init_vault, one_sentence
from tests.cli.sync_desks import carry, enrol


def _file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.7 " + name.encode())
    return path


def _names(desk: Desk, owner: str) -> list[str]:
    return [row["name"] for row in desk.json("attachment", "list", owner)]


def test_a_deleted_attachment_leaves_the_station_then_hq(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    hq = init_vault(tmp_path / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(tmp_path / "rome", name="Rome DAO")[0]
    rome_id, hq_id = enrol(hq, rome, tmp_path)
    owner = rome.new_id("contact", "add", "--name", "Giulia Conti")
    scan = rome.new_id("attachment", "add", owner, _file(tmp_path, "scan.pdf"))
    rome.new_id("attachment", "add", owner, _file(tmp_path, "card.pdf"))
    carry(rome, hq, hq_id, usb)
    carry(hq, rome, rome_id, usb)
    assert sorted(_names(hq, owner)) == ["card.pdf", "scan.pdf"]

    deleted = rome("attachment", "delete", scan)
    assert deleted.code == 0, deleted
    assert _names(rome, owner) == ["card.pdf"]
    imported = carry(rome, hq, hq_id, usb)
    assert imported["ops"] == 1
    assert _names(hq, owner) == ["card.pdf"]


def test_a_station_cannot_delete_a_file_of_hq_s_library(tmp_path: Path) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    hq = init_vault(tmp_path / "hq", name="HQ Paris", role="hq")[0]
    oslo = init_vault(tmp_path / "oslo", name="Oslo DAO")[0]
    oslo_id, _ = enrol(hq, oslo, tmp_path)
    ref = hq.new_id(
        "protocol", "add", "--title", "Flag order", "--body", "Host first.", "--distribution", "all"
    )
    guide = hq.new_id("attachment", "add", ref, _file(tmp_path, "guide.pdf"))
    carry(hq, oslo, oslo_id, usb)

    refused = oslo("attachment", "delete", guide)
    assert refused.code != 0
    assert one_sentence(refused.err) == (
        "Error: The protocol library is published by HQ; only HQ changes it."
    )
    assert _names(oslo, ref) == ["guide.pdf"]


def test_deleting_an_unknown_attachment_says_so(tmp_path: Path) -> None:
    desk = init_vault(tmp_path / "desk", name="Desk")[0]
    ghost = "00000000-0000-7000-8000-000000000000"
    result = desk("attachment", "delete", ghost)
    assert result.code == 1
    assert one_sentence(result.err) == f"Error: There is no attachment with id {ghost}."
