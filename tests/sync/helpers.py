"""Vaults for sync tests: an HQ and stations, enrolled with each other, and ways to compare them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from liaison_desk.core.kinds import ALL_KINDS
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.importing import ImportResult, import_bundle
from liaison_desk.sync.own_identity import load_identity
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock


def make_vault(root: Path, name: str, role: str = "station", start_ms: int = 0) -> Vault:
    clock = StepClock(start_ms) if start_ms else StepClock()
    vault, _ = Vault.create(
        root / name, PASSPHRASE, name=name, role=role, kdf=FAST_KDF, clock=clock
    )
    return vault


@contextmanager
def hq_and_two_stations(root: Path) -> Iterator[tuple[Vault, Vault, Vault]]:
    """HQ with Paris and Tokyo enrolled; every vault locked when the block ends."""
    hq = make_vault(root, "hq", "hq")
    a = make_vault(root, "paris")
    b = make_vault(root, "tokyo")
    enrol_station(hq, a)
    enrol_station(hq, b)
    try:
        yield hq, a, b
    finally:
        for vault in (hq, a, b):
            vault.lock()


def hq_and_paris_sharing_a_contact(root: Path) -> tuple[Vault, Vault, str, Path]:
    """HQ and Paris, both holding one contact written at Paris; its id and the usb folder."""
    hq = make_vault(root, "HQ", "hq")
    paris = make_vault(root, "Paris")
    enrol_station(hq, paris)
    contact = paris.store.add(Contact(full_name="Hélène Girard", notes="first meeting"))
    usb = root / "usb"
    exchange(paris, hq, usb)
    exchange(hq, paris, usb)
    return hq, paris, contact.id, usb


def round_trip(hq: Vault, station: Vault, usb: Path) -> None:
    """The station's bundle to HQ, then HQ's back."""
    exchange(station, hq, usb)
    exchange(hq, station, usb)


def fingerprint(vault: Vault) -> str:
    return load_identity(vault.conn).fingerprint


def enrol_station(hq: Vault, station: Vault) -> None:
    request = enrol.write_request(load_identity(station.conn), station.clock)
    _, approval = enrol.approve(hq, request)
    enrol.accept(station, approval)


def send(src: Vault, dst: Vault, folder: Path) -> ExportResult:
    folder.mkdir(parents=True, exist_ok=True)
    return export_bundle(src, fingerprint(dst), folder)


def deliver(dst: Vault, bundle: ExportResult) -> ImportResult:
    return import_bundle(dst, bundle.path)


def exchange(src: Vault, dst: Vault, folder: Path) -> ImportResult:
    return deliver(dst, send(src, dst, folder))


def canonical_dump(vault: Vault, ids: set[str] | None = None) -> dict[str, Any]:
    """Every record's content and tombstone, keyed by kind and id (clocks excluded)."""
    out: dict[str, Any] = {}
    for kind in ALL_KINDS:
        rows = vault.conn.execute(
            f"SELECT {kind.columns()}, deleted FROM {kind.table} ORDER BY id"
        ).fetchall()
        for row in rows:
            if ids is not None and row[0] not in ids:
                continue
            values = dict(
                zip(("id", "created_at", "updated_at", *kind.fields, "deleted"), row, strict=True)
            )
            values.pop("updated_at")
            if isinstance(values.get("data"), bytes):
                values["data"] = values["data"].hex()
            out[f"{kind.name}/{row[0]}"] = json.dumps(values, sort_keys=True, default=str)
    return out
