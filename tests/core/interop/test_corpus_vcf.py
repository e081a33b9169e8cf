"""Every .vcf of the shared interop corpus (real exports of phones, Outlook, Google, Apple,
Lotus Notes, Evolution, Thunderbird, and the RFC examples) through import, export as vCard
3.0 and 4.0, and import again.

The corpus lies beside the project (`../shared/interop-corpus`, as CI has it), or where
LIAISON_DESK_INTEROP_CORPUS says (a worktree elsewhere). Under CI=true a missing corpus
fails the test: it must never pass by not running. The files are read where they are,
never copied into the project.

For each file: no traceback; the cards imported, left out, values dropped and properties
not kept are the ones listed in OUTCOMES (asserted, not printed); each export parses with
vobject; and every contact, with everything the model has a place for, comes back from
the re-import as it was after the first import.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
import vobject

from liaison_desk.core.contact_details import details_for
from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import apply_import
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.interop.vcard import parse_vcards, read_vcards
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE, StepClock

ROOT = Path(__file__).resolve().parents[3]
ENV = "LIAISON_DESK_INTEROP_CORPUS"
EVERYTHING = ListQuery(limit=10_000)
# Fields that belong to this vault, not to the person: they differ from vault to vault.
_LOCAL = {"id", "created_at", "updated_at", "org_id", "photo_id", "contact_id", "other_id"}
_LOCAL |= {"distribution", "e164", "uid"}


def corpus() -> Path | None:
    for folder in (os.environ.get(ENV), ROOT.parent / "shared" / "interop-corpus"):
        if folder and (Path(folder) / "vcf").is_dir():
            return Path(folder) / "vcf"
    return None


FOLDER = corpus()
FILES = sorted(p.name for p in FOLDER.glob("*.vcf")) if FOLDER else []

# file: (cards imported, lines of cards left out, lines of values dropped, not kept)
OUTCOMES: dict[str, tuple[int, tuple[int, ...], tuple[int, ...], dict[str, int]]] = {}


def test_the_corpus_is_there_under_ci() -> None:
    if FOLDER is None:
        message = f"the interop corpus is missing (../shared/interop-corpus, or set {ENV})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert set(FILES) == set(OUTCOMES), "a corpus file without its expected outcome, or gone"


def _vault(folder: Path) -> Vault:
    return Vault.create(folder, PASSPHRASE, name="Corpus", kdf=KdfParams.floor(), clock=StepClock())[0]


def described(vault: Vault, *, exported: bool = False) -> dict[str, Any]:
    """Each contact as a person reads it: fields, organization chain, details, photo, and
    its UID (`exported`: as the export writes it, the contact's id when it came with none)."""
    orgs = Organizations(vault.store)
    contacts = vault.store.list(Contact, EVERYTHING)
    details = details_for(vault.store, [c.id for c in contacts])
    names = {c.id: c.full_name for c in contacts}

    def plain(item: Any) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(item).items() if k not in _LOCAL}

    out: dict[str, Any] = {}
    for contact in contacts:
        detail = details.get(contact.id)
        photo = vault.store.get(Attachment, contact.photo_id) if contact.photo_id else None
        out.setdefault(contact.full_name, []).append(
            {
                **plain(contact),
                "uid": (contact.uid or contact.id) if exported else contact.uid,
                "organization": orgs.chain(contact.org_id),
                "points": [plain(p) for p in detail.points] if detail else [],
                "postings": [
                    {**plain(p), "chain": orgs.chain(p.org_id)} for p in detail.postings
                ]
                if detail
                else [],
                "relations": [
                    {**plain(r), "other": names.get(r.other_id or "")} for r in detail.relations
                ]
                if detail
                else [],
                "photo": (photo.mime, photo.data) if photo else None,
            }
        )
    return out


@pytest.mark.parametrize("name", FILES)
def test_each_file_imports_exports_and_comes_back_the_same(tmp_path: Path, name: str) -> None:
    assert FOLDER is not None
    found = read_vcards(FOLDER / name)
    cards, skipped, dropped, not_kept = OUTCOMES[name]

    first = _vault(tmp_path / "first")
    try:
        summary = apply_import(first, found, on_duplicate="create")
        assert (summary.created + summary.merged, tuple(p.line for p in summary.left_out)) == (
            cards,
            skipped,
        )
        assert tuple(p.line for p in summary.dropped) == dropped
        assert dict(summary.not_kept) == not_kept
        before = described(first, exported=True)
        for version in ("3.0", "4.0"):
            data, count = vcard_bytes(first.store, ListQuery(), version)
            text = data.decode("utf-8")
            parsed = list(vobject.readComponents(text))
            assert len(parsed) == count == first.store.count(Contact)
            again = _vault(tmp_path / f"again-{version}")
            try:
                back = parse_vcards(text, f"export-{version}.vcf")
                assert (back.skipped, back.dropped, back.not_kept) == ((), (), ())
                apply_import(again, back, on_duplicate="create")
                assert described(again) == before
            finally:
                again.lock()
    finally:
        first.lock()
