"""Files on records and a contact's photo, through the core functions the window and CLI share."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.attachments import (
    attach_file,
    attachments_of,
    clear_photo,
    delete_attachment,
    export_attachment,
    open_copy,
    photo_of,
    set_photo,
)
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import ATTACHMENT
from liaison_desk.core.open_copies import OpenCopies
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import Vault


def test_attach_list_open_export_delete(vault: Vault, tmp_path: Path) -> None:
    contact = vault.store.add(Contact(full_name="Hélène Girard", marking="CONFIDENTIAL"))
    source = tmp_path / "card.pdf"
    source.write_bytes(b"%PDF card")
    record = attach_file(vault, contact.id, source)
    assert record.marking == "CONFIDENTIAL"  # as sensitive as its record
    [info] = attachments_of(vault, contact.id)
    assert (info.id, info.name, info.mime, info.size) == (
        record.id,
        "card.pdf",
        "application/pdf",
        9,
    )
    opened = open_copy(vault, record.id, OpenCopies(tmp_path))
    assert opened.read_bytes() == b"%PDF card"
    out = tmp_path / "out" / "exported.pdf"
    out.parent.mkdir()
    assert export_attachment(vault, record.id, out) == 9
    assert out.read_bytes() == b"%PDF card"
    events = [e.event for e in audit.entries(vault.conn)]
    assert events[:3] == ["export", "export", "import"]
    delete_attachment(vault, record.id)
    assert attachments_of(vault, contact.id) == []


def test_a_photo_is_set_replaced_and_cleared(vault: Vault, tmp_path: Path) -> None:
    contact = vault.store.add(Contact(full_name="Kenji Sato"))
    first, second = tmp_path / "a.png", tmp_path / "b.jpg"
    first.write_bytes(b"png bytes")
    second.write_bytes(b"jpeg bytes")
    old = set_photo(vault, contact.id, first).photo_id
    changed = set_photo(vault, contact.id, second)
    photo = photo_of(vault, contact.id)
    assert photo is not None and photo.id == changed.photo_id and photo.data == b"jpeg bytes"
    assert old is not None and not vault.store.exists(ATTACHMENT, old)  # the one it replaced
    assert clear_photo(vault, contact.id).photo_id is None
    assert photo_of(vault, contact.id) is None and attachments_of(vault, contact.id) == []


def test_deleting_the_photo_file_leaves_the_contact_without_one(
    vault: Vault, tmp_path: Path
) -> None:
    contact = vault.store.add(Contact(full_name="Ana Souza"))
    image = tmp_path / "ana.png"
    image.write_bytes(b"png")
    photo_id = set_photo(vault, contact.id, image).photo_id
    assert photo_id is not None
    delete_attachment(vault, photo_id)
    assert vault.store.get(Contact, contact.id).photo_id is None


def test_a_photo_must_be_an_image(vault: Vault, tmp_path: Path) -> None:
    contact = vault.store.add(Contact(full_name="Ana Souza"))
    text = tmp_path / "notes.txt"
    text.write_text("not a face")
    with pytest.raises(ValidationError, match="must be a JPEG"):
        set_photo(vault, contact.id, text)
