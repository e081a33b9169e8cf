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

import os
from pathlib import Path

import pytest
import vobject

from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import apply_import
from liaison_desk.core.interop.vcard import parse_vcards, read_vcards
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.records import Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import PASSPHRASE, StepClock
from tests.core.interop.conftest import described

ROOT = Path(__file__).resolve().parents[3]
ENV = "LIAISON_DESK_INTEROP_CORPUS"
EVERYTHING = ListQuery(limit=10_000)


def corpus() -> Path | None:
    for folder in (os.environ.get(ENV), ROOT.parent / "shared" / "interop-corpus"):
        if folder and (Path(folder) / "vcf").is_dir():
            return Path(folder) / "vcf"
    return None


FOLDER = corpus()
FILES = sorted(p.name for p in FOLDER.glob("*.vcf")) if FOLDER else []

# file: (cards imported, lines of cards left out, lines of values dropped, not kept)
OUTCOMES: dict[str, tuple[int, tuple[int, ...], tuple[int, ...], dict[str, int]]] = {
    "ezvcard__John_Doe_ANDROID.vcf": (6, (), (44, 52, 82), {"ORG": 2}),
    "ezvcard__John_Doe_BLACK_BERRY.vcf": (1, (), (), {}),
    "ezvcard__John_Doe_EVOLUTION.vcf": (
        1,
        (),
        (),
        {"X-COUCHDB-APPLICATION-ANNOTATIONS": 1, "X-EVOLUTION-FILE-AS": 1},
    ),
    "ezvcard__John_Doe_GMAIL.vcf": (
        1,
        (),
        (),
        {"X-PHONETIC-FIRST-NAME": 1, "X-PHONETIC-LAST-NAME": 1},
    ),
    "ezvcard__John_Doe_IPHONE.vcf": (1, (), (), {}),
    "ezvcard__John_Doe_LOTUS_NOTES.vcf": (
        1,
        (),
        (),
        {
            "CLASS": 1,
            "GEO": 1,
            "LABEL": 1,
            "MAILER": 1,
            "NAME": 1,
            "PROFILE": 1,
            "ROLE": 1,
            "SORT-STRING": 1,
            "SOURCE": 1,
            "TZ": 1,
            "X-ABUID": 1,
            "X-GENERATOR": 1,
            "X-LONG-STRING": 1,
        },
    ),
    "ezvcard__John_Doe_MAC_ADDRESS_BOOK.vcf": (
        1,
        (),
        (),
        {"X-ABUID": 1, "X-PHONETIC-FIRST-NAME": 1, "X-PHONETIC-LAST-NAME": 1},
    ),
    "ezvcard__John_Doe_MS_OUTLOOK.vcf": (
        1,
        (),
        (),
        {"ROLE": 1, "X-MS-OL-DEFAULT-POSTAL-ADDRESS": 1, "X-MS-OL-DESIGN": 1},
    ),
    "ezvcard__fullcontact.vcf": (
        1,
        (),
        (),
        {
            "GENDER": 1,
            "ORG": 1,
            "PHOTO": 1,
            "TITLE": 1,
            "X-ETAG": 1,
            "X-FC-LIST-ID": 1,
            "X-FC-TAGS": 1,
            "X-FCENCODED-582D46432D4F7468657244617465733A416E6E6976657273617279": 1,
            "X-FCENCODED-582D46432D4F7468657244617465733A437573746F6D54595045": 1,
            "X-FCENCODED-582D46432D4F7468657244617465733A4F74686572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A417373697374616E74": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A42726F74686572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4368696C64": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A437573746F6D54595045": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A466174686572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4669616E63C3A9": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A467269656E64": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4D616E61676572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4D6F74686572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A4F74686572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A506172656E74": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A506172746E6572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A536973746572": 1,
            "X-FCENCODED-582D46432D52656C617465644E616D65733A53706F757365": 1,
            "X-GENDER": 1,
            "X-ID": 1,
        },
    ),
    "ezvcard__gmail-list.vcf": (3, (), (), {}),
    "ezvcard__gmail-single.vcf": (
        1,
        (),
        (),
        {"X-PHONETIC-FIRST-NAME": 1, "X-PHONETIC-LAST-NAME": 1},
    ),
    "ezvcard__gmail-single2.vcf": (
        1,
        (),
        (),
        {"X-ABDATE": 1, "X-ABLabel": 1, "X-PHONETIC-FIRST-NAME": 1, "X-PHONETIC-LAST-NAME": 1},
    ),
    "ezvcard__issue114.vcf": (1, (), (), {}),
    "ezvcard__outlook-2003.vcf": (1, (), (10, 11, 12, 13), {"FBURL": 1, "KEY": 1, "ROLE": 1}),
    "ezvcard__outlook-2007.vcf": (
        1,
        (),
        (),
        {
            "FBURL": 1,
            "KEY": 1,
            "ROLE": 1,
            "X-MS-OL-DEFAULT-POSTAL-ADDRESS": 1,
            "X-MS-OL-DESIGN": 1,
            "X-MS-TEL": 1,
        },
    ),
    "ezvcard__rfc2426-example.vcf": (2, (), (), {}),
    "ezvcard__rfc6350-example.vcf": (1, (), (), {"GENDER": 1, "GEO": 1, "KEY": 1, "TZ": 1}),
    "ezvcard__thunderbird-MoreFunctionsForAddressBook-extension.vcf": (1, (), (), {}),
}


def test_the_corpus_is_there_under_ci() -> None:
    if FOLDER is None:
        message = f"the interop corpus is missing (../shared/interop-corpus, or set {ENV})"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert set(FILES) == set(OUTCOMES), "a corpus file without its expected outcome, or gone"


def _vault(folder: Path) -> Vault:
    return Vault.create(
        folder, PASSPHRASE, name="Corpus", kdf=KdfParams.floor(), clock=StepClock()
    )[0]


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
