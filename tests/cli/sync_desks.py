"""HQ and stations made and enrolled through the CLI, and bundles carried between them.

Bundles travel through a folder standing in for the USB drive; every step is one
`liaison-desk` command (each unlocks a vault), so each helper says how many it runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.runner import Desk, init_vault


def enrol(hq: Desk, station: Desk, folder: Path) -> tuple[str, str]:
    """Request, approve, accept (three calls); returns the station's id and HQ's id."""
    request = folder / f"{station.vault.name}-request.json"
    approval = folder / f"{station.vault.name}-approval.json"
    station.ok("enrol", "request", "--out", request)
    hq.ok("enrol", "approve", request, "--out", approval, "--yes")
    station.ok("enrol", "accept", approval, "--yes")
    station_id = json.loads(request.read_text(encoding="utf-8"))["identity"]["fingerprint"]
    hq_id = json.loads(approval.read_text(encoding="utf-8"))["hq"]["fingerprint"]
    return station_id, hq_id


def new_station(hq: Desk, root: Path, name: str) -> tuple[Desk, str]:
    """A station vault enrolled with `hq` (four calls); returns it with its id."""
    station = init_vault(root / name.lower().replace(" ", "-"), name=name)[0]
    return station, enrol(hq, station, root)[0]


def export(src: Desk, usb: Path, peer: str | None = None) -> list[dict[str, Any]]:
    """`sync export --json` (one call): one row per bundle written."""
    rows: list[dict[str, Any]] = src.json(
        "sync", "export", "--to", usb, *(("--peer", peer) if peer else ())
    )
    return rows


def import_(dst: Desk, *paths: str | Path) -> list[dict[str, Any]]:
    """`sync import --json` of files that must all be accepted (one call)."""
    rows: list[dict[str, Any]] = dst.json("sync", "import", *paths)
    return rows


def carry(src: Desk, dst: Desk, dst_id: str, usb: Path) -> dict[str, Any]:
    """The next bundle from `src` to `dst`, written and imported (two calls)."""
    (written,) = export(src, usb, dst_id)
    (imported,) = import_(dst, written["path"])
    assert imported["status"] == "applied", imported
    return imported


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["id"]: row for row in rows}
