"""The folder store's file operations, shared by whole uploads and partial ones."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from liaison_desk.core.atomic import fsync_dir
from liaison_desk.relay.errors import DifferentBundle, StoreError

READ = 1024 * 1024


def store_error(exc: OSError) -> StoreError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreError("The relay's disk is full.", full=True)
    return StoreError(f"The relay's storage failed ({exc.strerror or exc}).")


def sha384_file(path: Path) -> bytes:
    digest = hashlib.sha384()
    with open(path, "rb") as f:
        while block := f.read(READ):
            digest.update(block)
    return digest.digest()


def publish(root: Path, source: Path, recipient: str, name: str, sha384: bytes) -> bool:
    """Hard-link a complete, fsynced file into its mailbox; False if the same bundle was there.

    A link never replaces a file, so two processes racing on one name cannot overwrite
    each other; the loser compares contents (DifferentBundle if they differ).
    """
    box = root / "mailboxes" / recipient
    target = box / name
    try:
        os.link(source, target)
    except FileNotFoundError:  # the mailbox's first bundle
        box.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except FileExistsError:
            return _same(target, sha384)
    except FileExistsError:
        return _same(target, sha384)
    fsync_dir(box)
    return True


def _same(target: Path, sha384: bytes) -> bool:
    if sha384_file(target) != sha384:
        raise DifferentBundle()
    return False
