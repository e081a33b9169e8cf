"""Files kept in the vault on a record, and a contact's photo: what the window and CLI do with them.

An attachment is immutable (new content is a new attachment). Listing reads
names and sizes only, never the bytes, so a record with large files lists fast.
A file leaves the vault in two ways only: a copy opened for the viewer
(core.open_copies, in a private RAM folder, removed at the lock) or an export
to a file the user chose, written atomically and audited.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.core.open_copies import OpenCopies
from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.user_files import read_bounded
from liaison_desk.core.validation import MAX_ATTACHMENT
from liaison_desk.core.vault import Vault
from liaison_desk.core.write_rights import OWNER_KINDS

PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")


@dataclass(frozen=True)
class AttachmentInfo:
    """An attachment without its bytes."""

    id: str
    name: str
    mime: str
    size: int
    marking: str
    created_at: str


def mime_of(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def owner_marking(vault: Vault, owner_id: str) -> str:
    """The marking of the record a file is attached to: the file is at least as sensitive."""
    for name in OWNER_KINDS:
        kind = BY_NAME[name]
        if vault.store.exists(kind, owner_id):
            return str(vault.store.get(kind.cls, owner_id).marking)
    raise ValidationError(f"There is no record {owner_id} to attach the file to.")


def attach_file(vault: Vault, owner_id: str, path: Path, marking: str | None = None) -> Attachment:
    """Read `path` (a regular file, at most 64 MiB) into the vault, on the record `owner_id`.

    Without a marking, the file takes its record's.
    """
    data = read_bounded(path, MAX_ATTACHMENT, "attachments")
    if marking is None:
        marking = owner_marking(vault, owner_id)
    record = vault.store.add(
        Attachment(
            owner_id=owner_id, name=path.name, mime=mime_of(path.name), data=data, marking=marking
        )
    )
    vault.audit("import", kind="attachment", bytes=record.size)
    return record


def attachments_of(vault: Vault, owner_id: str) -> list[AttachmentInfo]:
    """A record's files, oldest first, without their bytes."""
    rows = vault.conn.execute(
        "SELECT id, name, mime, size, marking, created_at FROM attachments "
        "WHERE owner_id = ? AND deleted = 0 ORDER BY created_at, id",
        (owner_id,),
    ).fetchall()
    return [AttachmentInfo(*row) for row in rows]


def export_attachment(vault: Vault, attachment_id: str, dest: Path) -> int:
    """Write an attachment, unencrypted, where the user chose; returns the bytes written."""
    record = vault.store.get(Attachment, attachment_id)
    atomic_write(dest, record.data)
    vault.audit("export", kind="attachment", bytes=record.size)
    return record.size


def open_copy(vault: Vault, attachment_id: str, copies: OpenCopies) -> Path:
    """A copy of the attachment for the system's viewer, in the private RAM folder."""
    record = vault.store.get(Attachment, attachment_id)
    path = copies.write(record.name, record.data)
    vault.audit("export", kind="attachment", to="viewer", bytes=record.size)
    return path


def delete_attachment(vault: Vault, attachment_id: str) -> None:
    """Delete a file; a contact whose photo it was is left without one, in the same change."""
    store = vault.store
    with store.transaction():
        record = store.get(Attachment, attachment_id)
        owner = record.owner_id
        if (
            store.exists(BY_NAME["contact"], owner)
            and store.get(Contact, owner).photo_id == attachment_id
        ):
            store.update(Contact, owner, {"photo_id": None})
        store.delete(Attachment, attachment_id)


def photo_of(vault: Vault, contact_id: str) -> Attachment | None:
    """A contact's photo with its bytes, or None (no photo, or its file was deleted)."""
    photo_id = vault.store.get(Contact, contact_id).photo_id
    if not photo_id or not vault.store.exists(BY_NAME["attachment"], photo_id):
        return None
    return vault.store.get(Attachment, photo_id)


def set_photo(vault: Vault, contact_id: str, path: Path) -> Contact:
    """Make the image at `path` the contact's photo; the one it replaces is deleted."""
    mime = mime_of(path.name)
    if mime not in PHOTO_TYPES:
        raise ValidationError("A photo must be a JPEG, PNG, GIF, WebP or BMP image.")
    data = read_bounded(path, MAX_ATTACHMENT, "photos")
    store = vault.store
    with store.transaction():
        contact = store.get(Contact, contact_id)
        photo = store.add(
            Attachment(
                owner_id=contact_id, name=path.name, mime=mime, data=data, marking=contact.marking
            )
        )
        old = contact.photo_id
        contact = store.update(Contact, contact_id, {"photo_id": photo.id})
        if old and store.exists(BY_NAME["attachment"], old):
            store.delete(Attachment, old)
    vault.audit("import", kind="photo", bytes=photo.size)
    return contact


def clear_photo(vault: Vault, contact_id: str) -> Contact:
    """The contact has no photo any more; its file is deleted with it."""
    store = vault.store
    with store.transaction():
        old = store.get(Contact, contact_id).photo_id
        contact = store.update(Contact, contact_id, {"photo_id": None})
        if old and store.exists(BY_NAME["attachment"], old):
            store.delete(Attachment, old)
    return contact
