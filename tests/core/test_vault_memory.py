"""After lock, the process's memory holds neither the data key nor its hex text (nor the
key derived from the passphrase that unwraps it).

A child process unlocks a vault, works in it, makes a backup and locks it; this
process reads the child's memory through /proc/<pid>/mem, every writable region,
looking for the key: once while the vault is open (where the search must find
the vault's own copy, or it proves nothing) and once after the lock. Reading
another process keeps our own copies of the key (we need them to search) out of
what is searched.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import liaison_desk
from liaison_desk.core.keyslots import normalize_passphrase, read_keyfile
from liaison_desk.core.records import Contact
from liaison_desk.core.vault import KEY_FILE, Vault
from tests.conftest import FAST_KDF, PASSPHRASE

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/mem").exists(), reason="reads memory through Linux's /proc"
)

SCAN_SECONDS = 60

CHILD = textwrap.dedent(
    """
    import gc
    import sys
    from pathlib import Path

    from liaison_desk.core.backup import create_backup
    from liaison_desk.core.records import Contact
    from liaison_desk.core.search import search
    from liaison_desk.core.vault import Vault

    folder, passphrase, backup = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    vault = Vault.unlock(folder, passphrase)
    vault.store.add(Contact(full_name="Hélène Girard", notes="met at the embassy"))
    search(vault.store, "girard", limit=10)
    create_backup(vault, backup)
    vault.change_passphrase(passphrase, passphrase + " and more")
    print("open", flush=True)
    sys.stdin.readline()
    vault.lock()
    del vault
    gc.collect()
    print("locked", flush=True)
    sys.stdin.readline()
    """
)


def writable_regions(pid: int) -> list[tuple[int, int, str]]:
    """Start, end and name of every region the process can write (where a key copy can be)."""
    regions = []
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(maxsplit=5)
        start, end = (int(part, 16) for part in fields[0].split("-"))
        if fields[1].startswith("rw"):
            regions.append((start, end, fields[5] if len(fields) > 5 else "[anonymous]"))
    return regions


def find_in_memory(pid: int, needles: dict[str, bytes]) -> list[str]:
    """Where each needle occurs in the process's writable memory ("what in which region")."""
    found: list[str] = []
    deadline = time.monotonic() + SCAN_SECONDS
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for start, end, name in writable_regions(pid):
            assert time.monotonic() < deadline, "reading the child's memory took too long"
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except OSError:
                continue  # a region the kernel will not hand out ([vvar] and the like)
            found += [f"{what} in {name}" for what, needle in needles.items() if needle in data]
    return found


def keys_of(folder: Path) -> tuple[bytes, bytes]:
    """The vault's data key, and the key Argon2id derives from the passphrase to unwrap it."""
    keyfile = read_keyfile(folder / KEY_FILE)
    slot = keyfile.slot("passphrase")
    secret = normalize_passphrase(PASSPHRASE)
    return bytes(slot.open(secret, keyfile.vault_id)), bytes(slot.kdf.derive(secret, slot.salt))


def test_lock_leaves_neither_the_key_nor_its_hex_in_memory(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    vault, _ = Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF)
    vault.store.add(Contact(full_name="Jonas Berg"))
    vault.lock()
    key, wrapping_key = keys_of(folder)
    needles = {
        "the raw key": key,
        "its hex text": key.hex().encode(),
        "its hex text in capitals": key.hex().upper().encode(),
        "the passphrase's Argon2id key": wrapping_key,
    }
    source_root = str(Path(liaison_desk.__file__).parent.parent)
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(folder), PASSPHRASE, str(tmp_path / "vault.ldbackup")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env={"PYTHONPATH": source_root, "PATH": "/usr/bin:/bin"},
        text=True,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        try:
            assert child.stdout.readline().strip() == "open"
            try:
                while_open = find_in_memory(child.pid, needles)
            except PermissionError:
                pytest.skip("this system does not let a process read its child's memory")
            child.stdin.write("lock\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "locked"
            after_lock = find_in_memory(child.pid, needles)
        finally:
            child.stdin.close()
            child.wait(timeout=30)
    assert child.returncode == 0
    assert "the raw key in [anonymous]" in while_open or "the raw key in [heap]" in while_open
    assert after_lock == []
