"""A station whose bundle HQ refuses whole is told by HQ's next bundle, and what to do.

HQ Paris reads bundles of at most 1 MiB; Rome DAO's next bundle carries a 2 MiB
scan. HQ refuses it (`too-large`) and its next bundle says so: Rome's officer
reads it in `sync drive`, in `sync status` until it is over, and the sentence
says what to ask for. Once HQ raises its limit, Rome's bundle is applied and the
warning goes.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.runner import init_vault
from tests.cli.sync_desks import enrol

ADVICE = (
    "HQ Paris refused this vault's bundle 1 (too-large): it is 2 MB, more than the "
    "1 MiB HQ Paris reads. Ask HQ Paris's officer to raise that limit "
    "(`liaison-desk sync max-bundle` there); until then nothing this vault sends is read."
)


def test_a_bundle_refused_as_too_large_is_reported_to_its_station_with_what_to_do(
    tmp_path: Path,
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    hq = init_vault(tmp_path / "hq", name="HQ Paris", role="hq")[0]
    rome = init_vault(tmp_path / "rome", name="Rome DAO")[0]
    enrol(hq, rome, tmp_path)
    hq.ok("sync", "max-bundle", "1")
    owner = rome.new_id("contact", "add", "--name", "Giulia Conti")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(os.urandom(2 * 1024 * 1024))
    rome.new_id("attachment", "add", owner, scan)

    rome.ok("sync", "drive", usb)
    at_hq = hq("sync", "drive", usb)
    assert at_hq.code == 1 and "(too-large)" in at_hq.out
    assert "wrote     0 changes and 0 files for Rome DAO" in at_hq.out  # owed the news

    told = rome("sync", "drive", usb)
    assert told.code == 0, told
    assert ADVICE in " ".join(told.out.split())
    assert "Giulia" not in told.out and "scan.pdf" not in told.out
    status = rome.ok("sync", "status")
    assert " ".join(status.err.split()) == f"Warning: {ADVICE}"

    hq.ok("sync", "max-bundle", "--default")
    at_hq = hq.json("sync", "drive", usb)
    assert [r["ops"] for r in at_hq["applied"]] == [2]
    back = rome.json("sync", "drive", usb)
    assert [r["bundle_refused_by_peer"] for r in back["applied"]] == [None]
    assert rome.ok("sync", "status").err == ""
