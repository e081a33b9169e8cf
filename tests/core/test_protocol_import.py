"""Importing HQ's Markdown protocol library: all files or none, re-import changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core.errors import FileRefused, ImportFormatError
from liaison_desk.core.protocol_import import import_directory, parse_markdown
from liaison_desk.core.records import ProtocolRef
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.search import search
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.hostile_files import never_written_pipe


def test_sample_library_imports_and_is_searchable(vault: Vault) -> None:
    summary = import_directory(vault.store, resource_dir() / "protocol")
    assert summary.added == len(list((resource_dir() / "protocol").glob("*.md"))) >= 8
    refs = vault.store.list(ProtocolRef, ListQuery(limit=100))
    assert {r.country for r in refs} >= {None, "FR", "JP", "BR"}
    assert all(r.category for r in refs)
    assert search(vault.store, "Vienna Convention")[0].kind == "protocol"
    again = import_directory(vault.store, resource_dir() / "protocol")
    assert (again.added, again.updated, again.unchanged) == (0, 0, summary.added)


def test_changed_file_updates_in_place(vault: Vault, tmp_path: Path) -> None:
    page = tmp_path / "gifts.md"
    page.write_text("---\ntitle: Gifts\ncategory: gifts-hospitality\n---\n# Gifts\nOld rule.\n")
    import_directory(vault.store, tmp_path)
    page.write_text("---\ntitle: Gifts\ncategory: gifts-hospitality\n---\n# Gifts\nNew rule.\n")
    summary = import_directory(vault.store, tmp_path)
    assert (summary.added, summary.updated) == (0, 1)
    [ref] = vault.store.list(ProtocolRef)
    assert "New rule." in ref.body


def test_bad_file_names_the_line_and_imports_nothing(vault: Vault, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# Fine\nText.\n")
    (tmp_path / "b.md").write_text("---\ntitle: X\nthis line is wrong\n---\nBody\n")
    with pytest.raises(ImportFormatError, match=r"b\.md, line 3"):
        import_directory(vault.store, tmp_path)
    assert vault.store.count(ProtocolRef) == 0


def test_invalid_category_and_encoding_are_named(vault: Vault, tmp_path: Path) -> None:
    (tmp_path / "c.md").write_text("---\ncategory: gossip\n---\nBody\n")
    with pytest.raises(ImportFormatError, match=r"c\.md: The category"):
        import_directory(vault.store, tmp_path)
    (tmp_path / "c.md").write_bytes(b"# Title\nline two\n\xff\xfe bad bytes\n")
    with pytest.raises(ImportFormatError, match=r"c\.md, line 3: not UTF-8"):
        import_directory(vault.store, tmp_path)
    assert vault.store.count(ProtocolRef) == 0


def test_title_falls_back_to_heading_then_file_name() -> None:
    assert parse_markdown("x.md", "# Seating plans\nText").title == "Seating plans"
    assert parse_markdown("toasts-and-anthems.md", "Text only").title == "toasts and anthems"


def test_a_link_leading_out_of_the_folder_is_refused_and_nothing_imported(
    vault: Vault, tmp_path: Path
) -> None:
    """A folder for HQ's library must not carry HQ's own files to every station."""
    secret = tmp_path / "hq-only" / "plans.md"
    secret.parent.mkdir()
    secret.write_text("# Visit plans\nNot for stations.\n")
    library = tmp_path / "library"
    library.mkdir()
    (library / "gifts.md").write_text("# Gifts\nText.\n")
    (library / "plans.md").symlink_to(secret)
    with pytest.raises(FileRefused, match=r"^plans\.md leads outside .*library through a link"):
        import_directory(vault.store, library)
    assert vault.store.count(ProtocolRef) == 0


def test_a_link_inside_the_folder_is_read(vault: Vault, tmp_path: Path) -> None:
    (tmp_path / "gifts.md").write_text("# Gifts\nText.\n")
    (tmp_path / "cadeaux.md").symlink_to(tmp_path / "gifts.md")
    assert import_directory(vault.store, tmp_path).added == 1  # the same title, once


@pytest.mark.parametrize("kind", ["device", "pipe"])
def test_a_device_or_a_pipe_named_md_is_refused_at_once(
    vault: Vault, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "gifts.md").write_text("# Gifts\nText.\n")
    if kind == "device":  # /dev/zero never ends: read whole, it was a MemoryError
        (tmp_path / "zero.md").symlink_to("/dev/zero")
        with pytest.raises(FileRefused, match=r"^zero\.md leads outside .* through a link"):
            import_directory(vault.store, tmp_path)
    else:
        with (
            never_written_pipe(tmp_path / "pipe.md"),
            pytest.raises(FileRefused, match=r"^pipe\.md is a named pipe, not a regular file"),
        ):
            import_directory(vault.store, tmp_path)
    assert vault.store.count(ProtocolRef) == 0


def test_each_file_finds_the_reference_of_its_title_and_country(
    vault: Vault, tmp_path: Path
) -> None:
    """Held references are matched by title and country (general is no country); a title
    held twice updates the first by id; a file matching one added earlier in the same
    folder updates it; a title in another country is another reference."""
    first, second = vault.store.add_many(
        [
            ProtocolRef(title="Precedence", country="FR", body="Old order."),
            ProtocolRef(title="Precedence", country="FR", body="A copy."),
        ]
    )
    general = vault.store.add(ProtocolRef(title="Gifts", body="Old gifts rule."))
    deleted = vault.store.add(ProtocolRef(title="Toasts", body="Gone."))
    vault.store.delete(ProtocolRef, deleted.id)
    pages = {
        "a.md": "---\ntitle: Precedence\ncountry: fr\n---\nNew order.\n",
        "b.md": "---\ntitle: Gifts\ncountry: General\n---\nNew gifts rule.\n",
        "c.md": "---\ntitle: Gifts\ncountry: JP\n---\nGifts in Japan.\n",
        "d.md": "---\ntitle: Toasts\n---\nFirst toast.\n",
        "e.md": "---\ntitle: Toasts\n---\nSecond toast.\n",
        "f.md": "---\ntitle: Gifts\ncountry: JP\n---\nGifts in Japan.\n",
    }
    for name, text in pages.items():
        (tmp_path / name).write_text(text)

    summary = import_directory(vault.store, tmp_path)

    assert (summary.added, summary.updated, summary.unchanged) == (2, 3, 1)
    refs = {(r.title, r.country, r.body) for r in vault.store.list(ProtocolRef)}
    assert refs == {
        ("Precedence", "FR", "New order."),
        ("Precedence", "FR", "A copy."),
        ("Gifts", None, "New gifts rule."),
        ("Gifts", "JP", "Gifts in Japan."),
        ("Toasts", None, "Second toast."),
    }
    assert vault.store.get(ProtocolRef, first.id).body == "New order."
    assert vault.store.get(ProtocolRef, second.id).body == "A copy."
    assert vault.store.get(ProtocolRef, general.id).body == "New gifts rule."
