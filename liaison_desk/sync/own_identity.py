"""This vault's own identity, read from the vault: its secret keys, name, role and post.

Kept apart from `sync.identity` (public identities and signatures, part of
the wire format the relay reads) because it needs the open vault.
"""

from __future__ import annotations

from liaison_desk.core.identity_keys import SecretKeys
from liaison_desk.core.sqlite_types import Connection
from liaison_desk.sync.identity import Identity


def load_identity(conn: Connection) -> Identity:
    row = conn.execute(
        "SELECT mldsa87_seed, ecdsa_p384, mlkem1024_seed, kem_p384 FROM identity"
    ).fetchone()
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    return Identity(
        SecretKeys(bytes(row[0]), bytes(row[1]), bytes(row[2]), bytes(row[3])),
        name=meta["name"],
        role=meta["role"],
        post=meta.get("post", ""),
    )
