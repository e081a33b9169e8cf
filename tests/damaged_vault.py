"""A real vault damaged in its middle pages, as a failing disk or a bad copy leaves one.

The records go in over several transactions and a few more follow, so the
middle of vault.db holds contacts and their search index while the pages
unlocking reads (the first pages, the newest oplog and audit rows at the end)
stay whole: the vault opens, and reading its contacts hits the damage.
"""

from __future__ import annotations

import random
from pathlib import Path

from liaison_desk.core.records import Contact, Organization
from liaison_desk.core.vault import DB_FILE, Vault
from tests.conftest import FAST_KDF, PASSPHRASE

PAGE = 4096  # SQLCipher 4's page size
SENTENCE = "The vault's database is damaged; restore it from a backup."


def make_damaged_vault(folder: Path) -> None:
    """Create a vault in `folder` (opened with tests.conftest.PASSPHRASE), then damage it."""
    vault, _ = Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    order = list(range(2000))
    random.Random(1).shuffle(order)  # names in no order of writing: a page of them spans the file
    for batch in range(8):
        vault.store.add_many(
            Contact(full_name=f"Contact {n:05d}", notes=f"{'reception embassy ' * 20}{n}")
            for n in order[batch * 250 : (batch + 1) * 250]
        )
    vault.store.add(Organization(name="Ministry of Defence"))
    for n in range(20):
        vault.store.add(Contact(full_name=f"Late {n}", notes="x" * 400))
    vault.lock()
    damage_middle(folder / DB_FILE)


def damage_middle(db: Path) -> None:
    """Overwrite the middle fifth of the file's pages with random bytes."""
    data = bytearray(db.read_bytes())
    pages = len(data) // PAGE
    noise = random.Random(2)
    for page in range(pages * 2 // 5, pages * 3 // 5):
        data[page * PAGE : (page + 1) * PAGE] = noise.randbytes(PAGE)
    db.write_bytes(data)
