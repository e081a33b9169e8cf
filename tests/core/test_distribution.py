"""Every record says who it is synced to; defaults follow the vault's role."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Contact, ProtocolRef
from liaison_desk.core.routing import parse
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock

STATION_A = "a" * 96
STATION_B = "b" * 96


def _vault(path: Path, role: str) -> Vault:
    vault, _ = Vault.create(path, PASSPHRASE, name=role, role=role, kdf=FAST_KDF, clock=StepClock())
    return vault


def test_defaults_follow_the_role(tmp_path: Path) -> None:
    station = _vault(tmp_path / "s", "station")
    hq = _vault(tmp_path / "h", "hq")
    assert station.store.add(Contact(full_name="A")).distribution == "hq"
    assert station.store.add(ProtocolRef(title="T", body="B")).distribution == "hq"
    assert hq.store.add(ProtocolRef(title="T", body="B")).distribution == "all"
    assert hq.store.add(Contact(full_name="A")).distribution == "hq"


def test_values_are_normalised_and_bad_ones_refused(vault: Vault) -> None:
    contact = vault.store.add(
        Contact(full_name="A", distribution=f" Stations:{STATION_B},{STATION_A},{STATION_B} ")
    )
    assert contact.distribution == f"stations:{STATION_A},{STATION_B}"
    assert vault.store.update(
        Contact, contact.id, {"distribution": "group:rome-post"}
    ).distribution == ("group:rome-post")
    assert vault.store.update(Contact, contact.id, {"distribution": ""}).distribution == (
        "group:rome-post"
    )
    for bad in ("everyone", "stations:", "stations:abc", "group:", "group:Bad Name", "group:a,b"):
        with pytest.raises(ValidationError, match="distribution"):
            vault.store.update(Contact, contact.id, {"distribution": bad})
    assert str(parse("ALL")) == "all"


def test_widening_logs_the_whole_record(vault: Vault) -> None:
    contact = vault.store.add(Contact(full_name="A", notes="kept"))
    vault.store.update(Contact, contact.id, {"notes": "changed"})
    vault.store.update(Contact, contact.id, {"distribution": "all"})
    fields, clocks = vault.conn.execute(
        "SELECT fields, clocks FROM oplog ORDER BY n DESC LIMIT 1"
    ).fetchone()
    assert '"notes":"changed"' in fields and '"full_name":"A"' in fields
    assert clocks is not None and '"*"' in clocks
