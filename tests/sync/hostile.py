"""A real HQ vault that hostile bundles are fed to, and how to tell it stayed unchanged.

"Unchanged" is checked on the files themselves (vault.db, its -wal and -shm,
keys.json: hashed, and their size, time and inode) and on the canonical dump
of every record. The fixtures that use these are in tests/sync/conftest.py.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from liaison_desk.core.records import Attachment, Contact
from liaison_desk.core.vault import Vault
from liaison_desk.sync import peers
from liaison_desk.sync.identity import Identity
from liaison_desk.sync.own_identity import load_identity
from tests.bundle_vectors import craft
from tests.sync.helpers import enrol_station, make_vault, send

VAULT_FILES = ("vault.db", "vault.db-wal", "vault.db-shm", "keys.json")


@dataclass
class World:
    root: Path
    hq: Vault
    station: Vault
    small: bytes  # a real bundle of three ops, one chunk
    large: bytes  # a real bundle with an attachment, three chunks
    revoked: bytes  # a real bundle from a station HQ has since revoked

    @property
    def hq_identity(self) -> Identity:
        return load_identity(self.hq.conn)

    @property
    def station_identity(self) -> Identity:
        return load_identity(self.station.conn)

    def file_key(self, parts: craft.Parts) -> bytes:
        return craft.unseal(parts, self.hq_identity)

    def resealed(self, parts: craft.Parts, header: craft.Header) -> bytes:
        """`parts` under a changed header, sealed and signed again by the station."""
        sealed = craft.seal(self.file_key(parts), self.hq_identity.public, header)
        return craft.sign(
            replace(parts, header=header, sealed=sealed), self.station_identity
        ).assemble()

    def signed_payload(self, payload: bytes, **header: Any) -> bytes:
        """A bundle from the enrolled station carrying `payload`, properly sealed and signed."""
        origin = self.station.info.origin
        key = os.urandom(32)
        parts = craft.build(
            self.station_identity, self.hq_identity.public, payload, key, origin=origin, **header
        )
        return parts.assemble()

    def close(self) -> None:
        self.hq.lock()
        self.station.lock()


def make_world(root: Path) -> World:
    """HQ with an enrolled station and a revoked one, and real bundles from each."""
    hq = make_vault(root, "hq", "hq")
    station = make_vault(root, "station")
    gone = make_vault(root, "gone")
    for s in (station, gone):
        enrol_station(hq, s)
    for n in range(3):
        station.store.add(Contact(full_name=f"Contact {n}", notes="Met at the reception."))
    small = send(station, hq, root / "out").path.read_bytes()
    owner = station.store.list(Contact)[0]
    data = os.urandom(150 * 1024)  # incompressible: three 64 KiB chunks
    station.store.add(
        Attachment(owner_id=owner.id, name="scan.pdf", mime="application/pdf", data=data)
    )
    large = send(station, hq, root / "out").path.read_bytes()
    gone.store.add(Contact(full_name="Someone"))
    revoked = send(gone, hq, root / "out").path.read_bytes()
    peers.revoke(hq, load_identity(gone.conn).fingerprint)
    gone.lock()
    return World(root, hq, station, small, large, revoked)


def files_of(vault: Vault) -> dict[str, str]:
    """The bytes of each of the vault's files (hashed)."""
    return {
        name: hashlib.sha256((vault.path / name).read_bytes()).hexdigest()
        for name in VAULT_FILES
        if (vault.path / name).exists()
    }


def stats_of(vault: Vault) -> dict[str, tuple[int, int, int]]:
    """Size, modification time and inode of each file: any write or replacement changes them."""
    out = {}
    for name in VAULT_FILES:
        if (vault.path / name).exists():
            st = (vault.path / name).stat()
            out[name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out
