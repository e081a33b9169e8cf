"""Names in any script: a Latin query finds a Cyrillic, Greek or Arabic name and back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.name_shadow import SCHEME, shadow
from liaison_desk.core.records import Contact, Organization
from liaison_desk.core.schema import MIGRATIONS
from liaison_desk.core.schema_names import names_index
from liaison_desk.core.search import search
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock

PEOPLE = {
    "petrov_cyr": Contact(full_name="Иван Петров"),
    "petrov_acc": Contact(full_name="Jean Pétrov"),
    "sokolov": Contact(full_name="Anna Sokolova"),
    "papadopoulos_gr": Contact(full_name="Γεώργιος Παπαδόπουλος"),
    "karamanlis": Contact(full_name="Kostas Karamanlis"),
    "hassan_ar": Contact(full_name="محمد الحسن"),
    "rashid": Contact(full_name="Rashid Al-Mansouri"),
    "mueller": Contact(full_name="Karl Müller"),
    "muller": Contact(full_name="Claire Muller"),
    "mori": Contact(full_name="Marie Mori"),
    "tanaka": Contact(full_name="田中 博", aliases=("Tanaka Hiroshi",)),
    "suzuki": Contact(full_name="Ichiro Suzuki", aliases=("鈴木 一郎",)),
}


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, dict[str, str]]]:
    folder = tmp_path_factory.mktemp("names") / "vault"
    vault, _ = Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF, clock=StepClock())
    ids = {key: vault.store.add(contact).id for key, contact in PEOPLE.items()}
    yield vault, ids
    vault.lock()


def found(vault: Vault, text: str) -> set[str]:
    return {hit.id for hit in search(vault.store, text)}


def names(people: tuple[Vault, dict[str, str]], text: str) -> set[str]:
    vault, ids = people
    keys = {id_: key for key, id_ in ids.items()}
    return {keys[id_] for id_ in found(vault, text)}


def test_cyrillic_from_latin(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Petrov") == {"petrov_cyr", "petrov_acc"}
    assert names(people, "Petr") == {"petrov_cyr", "petrov_acc"}  # still typing


def test_latin_from_cyrillic(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Петров") == {"petrov_cyr", "petrov_acc"}
    assert names(people, "Соколова") == {"sokolov"}


def test_greek_from_latin(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Papadopoulos") == {"papadopoulos_gr"}
    assert names(people, "Georgios") == {"papadopoulos_gr"}


def test_latin_from_greek(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Καραμανλής") == {"karamanlis"}
    assert names(people, "Κώστας") == {"karamanlis"}


def test_arabic_from_latin_without_its_short_vowels(people: tuple[Vault, dict[str, str]]) -> None:
    for spelling in ("Mohammed", "Muhammad", "Mohamed"):
        assert names(people, f"{spelling} ") == {"hassan_ar"}, spelling
    assert names(people, "Hassan ") == {"hassan_ar"}  # without the article
    assert names(people, "Al-Hassan ") == {"hassan_ar"}


def test_latin_from_arabic(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "رشيد") == {"rashid"}
    assert names(people, "المنصوري") == {"rashid"}


def test_accented_latin(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Mueller ") == {"mueller", "muller"}
    assert names(people, "Müller") == {"mueller", "muller"}
    assert names(people, "Pétrov") == {"petrov_cyr", "petrov_acc"}


def test_the_words_found_through_their_shadow_are_marked(
    people: tuple[Vault, dict[str, str]],
) -> None:
    vault, _ = people
    for text, title, marked in (
        ("Petrov", "Иван Петров", "Петров"),
        ("Hassan ", "محمد الحسن", "الحسن"),
        ("Mueller ", "Karl Müller", "Müller"),
    ):
        (hit,) = [h for h in search(vault.store, text) if h.title == title]
        assert [hit.title[a:b] for a, b in hit.title_marks] == [marked], text


def test_latin_names_do_not_meet_by_their_consonants(
    people: tuple[Vault, dict[str, str]],
) -> None:
    assert names(people, "Moreau ") == set()  # "Marie Mori" has the same consonants
    assert names(people, "Mori ") == {"mori"}


def test_the_name_as_typed_ranks_first(people: tuple[Vault, dict[str, str]]) -> None:
    vault, ids = people
    hits = [hit.id for hit in search(vault.store, "Petrov ")]
    assert hits == [ids["petrov_acc"], ids["petrov_cyr"]]


def test_a_japanese_name_by_its_alias(people: tuple[Vault, dict[str, str]]) -> None:
    assert names(people, "Tanaka") == {"tanaka"}
    assert names(people, "田中") == {"tanaka"}
    assert names(people, "鈴木") == {"suzuki"}


def test_the_list_filter_finds_names_in_another_script(
    people: tuple[Vault, dict[str, str]],
) -> None:
    vault, ids = people
    listed = vault.store.list(Contact, ListQuery(title_contains="Petro"))
    assert {c.id for c in listed} == {ids["petrov_cyr"], ids["petrov_acc"]}
    listed = vault.store.list(Contact, ListQuery(title_contains="Mohammed"))
    assert {c.id for c in listed} == {ids["hassan_ar"]}


def test_an_organization_name_in_another_script(vault: Vault) -> None:
    org = vault.store.add(Organization(name="Министерство обороны"))
    assert found(vault, "Ministerstvo oborony") == {org.id}
    listed = vault.store.list(Organization, ListQuery(title_contains="minister"))
    assert [o.id for o in listed] == [org.id]


def test_an_edited_name_is_found_by_its_new_shadow(vault: Vault) -> None:
    contact = vault.store.add(Contact(full_name="Иван Петров"))
    vault.store.update(Contact, contact.id, {"aliases": ["Ιωάννης"]})
    assert found(vault, "Ioannis") == {contact.id}
    assert found(vault, "Petrov") == {contact.id}


BEFORE_NAMES = MIGRATIONS[: [m.apply for m in MIGRATIONS].index(names_index)]


def test_names_stored_before_this_version_are_found(vault_dir: Path) -> None:
    old, _ = Vault.create(vault_dir, PASSPHRASE, name="Old", kdf=FAST_KDF, migrations=BEFORE_NAMES)
    # As that version stored it (today's store writes today's index).
    old.conn.execute(
        "INSERT INTO contacts (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "full_name) VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
        "'0000000000001-0000-aa', 'aa', '{}', '', 'Иван Петров')",
        (contact_id := "019e7044-8804-74bf-8383-2c18c328df1f",),
    )
    old.conn.execute(
        "INSERT INTO meetings (id, created_at, updated_at, hlc, origin, clocks, marking, "
        "title, starts_at) VALUES (?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', "
        "'0000000000001-0000-aa', 'aa', '{}', '', 'Staff talks', '2026-03-14T10:00Z')",
        (meeting_id := "019e7044-8804-74bf-8383-2c18c328df20",),
    )
    old.lock()
    vault = Vault.unlock(vault_dir, PASSPHRASE)
    try:
        assert found(vault, "Petrov") == {contact_id}
        assert found(vault, "staff talks") == {meeting_id}  # every kind indexed again
    finally:
        vault.lock()


def test_names_shadowed_by_other_rules_are_built_again_at_open(vault_dir: Path) -> None:
    vault, _ = Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    contact = vault.store.add(Contact(full_name="Иван Петров"))
    vault.conn.execute("UPDATE search SET names = NULL")
    vault.conn.execute("UPDATE meta SET value = 'an older scheme' WHERE key = 'name-shadow'")
    assert found(vault, "Petrov") == set()
    vault.lock()
    vault = Vault.unlock(vault_dir, PASSPHRASE)
    try:
        assert found(vault, "Petrov") == {contact.id}
        scheme = vault.conn.execute("SELECT value FROM meta WHERE key = 'name-shadow'")
        assert scheme.fetchone() == (SCHEME,)
    finally:
        vault.lock()


def test_no_transliteration_is_written_outside_the_vault(tmp_path: Path) -> None:
    vault_dir = tmp_path / "vault"
    vault, _ = Vault.create(vault_dir, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    vault.store.add(Contact(full_name="Иван Петров", aliases=("محمد",)))
    assert found(vault, "Mohammed ") and found(vault, "Petrov")
    (held,) = vault.conn.execute("SELECT names FROM search WHERE kind = 'contact'").fetchone()
    assert held == shadow("Иван Петров محمد")  # the shadow lives in the vault's index
    vault.lock()
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes().lower()
            for word in (b"petrov", b"ptrv1", b"mhmd", "петров".encode()):
                assert word not in data, (path.name, word)
