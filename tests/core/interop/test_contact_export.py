"""Contacts out as vCards: export then import gives the same contacts, in either version."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.interop.contact_export import export_vcards
from liaison_desk.core.interop.contact_import import apply_import
from liaison_desk.core.interop.vcard import read_vcards
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE, StepClock
from tests.core.interop.conftest import FIXTURES, described

EVERYTHING = ListQuery(limit=10_000)
_LOCAL = ("id", "created_at", "updated_at", "org_id", "photo_id", "distribution")


@pytest.fixture
def filled(vault: Vault) -> Vault:
    for name in (
        "apple-contacts-3.0.vcf",
        "google-contacts-3.0.vcf",
        "outlook-2.1.vcf",
        "vcard-4.0.vcf",
    ):
        apply_import(vault, read_vcards(FIXTURES / name))
    vault.store.update(
        Contact,
        vault.store.list(Contact, ListQuery(where={"full_name": "Wanjiru Mwangi"}))[0].id,
        {
            "how_met": "Maritime workshop, Mombasa",
            "trust_notes": "Frank; prefers phone calls.\nDo not copy her superiors.",
            "cadence_days": 60,
            "languages": ("sw", "en"),
            "marking": "RESTRICTED",
        },
    )
    return vault


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_export_then_import_into_another_vault_gives_the_same_contacts(
    filled: Vault, tmp_path: Path, version: str
) -> None:
    out = tmp_path / "contacts.vcf"

    written = export_vcards(filled, out, version=version)
    other, _ = Vault.create(
        tmp_path / "other", PASSPHRASE, name="Other", kdf=KdfParams.floor(), clock=StepClock()
    )
    try:
        apply_import(other, read_vcards(out))
        assert written == 6
        assert described(other) == described(filled, exported=True)
    finally:
        other.lock()


def test_importing_our_own_export_finds_every_contact_again(filled: Vault, tmp_path: Path) -> None:
    out = tmp_path / "contacts.vcf"
    export_vcards(filled, out)

    summary = apply_import(filled, read_vcards(out), on_duplicate="merge")

    assert (summary.created, summary.merged) == (0, 6)
    assert filled.store.count(Contact) == 6


def test_export_takes_the_list_filter_and_is_audited(filled: Vault, tmp_path: Path) -> None:
    out = tmp_path / "kenya.vcf"

    written = export_vcards(filled, out, ListQuery(where={"country": "KE"}), "4.0")

    assert written == 1
    text = out.read_bytes().decode("utf-8")
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n") and "Wanjiru Mwangi" in text
    assert "X-LIAISON-MARKING:RESTRICTED" in text
    assert out.stat().st_mode & 0o777 == 0o600
    [entry] = [e for e in audit.entries(filled.conn) if e.event == "export"]
    assert entry.detail == {
        "kind": "contact",
        "format": "vcard-4.0",
        "records": 1,
        "bytes": len(text.encode()),
    }
    assert not list(tmp_path.glob(".*"))  # no temporary file left beside it
