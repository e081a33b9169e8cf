"""Writing an export out of the vault: atomically, at the user's request, and audited.

The file is written to a temporary name beside its destination, fsynced and
renamed (core.atomic), so a crash leaves the old file or the new one, and no
plaintext ever goes to a temporary folder. The audit entry holds counts only.
"""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.vault import Vault

# What the user reads before anything leaves the vault unencrypted.
NOT_ENCRYPTED = (
    "The file will NOT be encrypted: anyone who gets hold of it can read it. Keep it on an "
    "encrypted disk and delete it when you no longer need it."
)


def write_export(
    vault: Vault, path: Path, data: bytes, *, kind: str, format: str, count: int
) -> int:
    """Write `data` to `path` and log an "export" audit entry; returns the bytes written."""
    atomic_write(path, data)
    vault.audit("export", kind=kind, format=format, records=count, bytes=len(data))
    return len(data)
