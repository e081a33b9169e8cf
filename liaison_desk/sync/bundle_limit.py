"""The largest bundle this vault reads: a setting of the vault, checked before any hashing.

A bundle is hashed whole before its signatures can be checked, so its size is
the one thing a stranger controls before anything is verified: a 12 KiB sparse
file can claim a terabyte. The reader refuses a file larger than this limit
after reading its header (`sync.bundle.open_bundle`). The default, 2 GiB, is
four times the largest bundle HQ's relay takes by default (512 MiB), room for a
first exchange carrying dozens of 64 MiB attachments; a desk that moves larger
bundles by drive raises it with `liaison-desk sync max-bundle`. The setting is
kept in `meta` (inside the encryption, never synced), like the station's zone.
"""

from __future__ import annotations

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle import DEFAULT_MAX_BUNDLE

SETTING_KEY = "max-bundle-mib"
MIB = 1 << 20
DEFAULT_MIB = DEFAULT_MAX_BUNDLE // MIB
LARGEST_MIB = 1 << 20  # 1 TiB, the largest payload the format can describe


def max_bundle_mib(conn: Connection) -> int:
    """The limit set for this vault, in MiB (the default until one is set)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SETTING_KEY,)).fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else DEFAULT_MIB


def max_bundle_bytes(conn: Connection) -> int:
    return max_bundle_mib(conn) * MIB


def set_max_bundle_mib(vault: Vault, mib: int | None) -> int:
    """Set the limit (None: back to the default); returns the limit now in force, in MiB."""
    if mib is not None and not 1 <= mib <= LARGEST_MIB:
        raise ValidationError(f"The bundle limit must be between 1 and {LARGEST_MIB:,} MiB.")
    with vault.store.transaction():
        if mib is None:
            vault.conn.execute("DELETE FROM meta WHERE key = ?", (SETTING_KEY,))
        else:
            vault.set_meta(SETTING_KEY, str(mib))
    return max_bundle_mib(vault.conn)
