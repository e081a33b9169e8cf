"""Mailboxes in a folder: the relay's default store.

    DATA/mailboxes/<recipient>/<bundle>   complete bundles only
    DATA/incoming/<random>.part           uploads being received
    DATA/partial/<sender>/<name>.json     a partial upload's signed plan (`relay.dir_partial`)
    DATA/partial/<sender>/<name>.<id>     its bytes so far
    DATA/nonces/<minute>/<digest>         nonces claimed, by the minute they were made
    DATA/roster.json                      HQ's signed roster

An upload is written under `incoming/`, fsynced, then linked into the
mailbox (a link never replaces an existing file, so two processes racing on
one name cannot overwrite each other) and the folder fsynced: a relay killed
mid-upload leaves a `.part` file nobody reads, removed when a relay next starts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.clock import Clock, SystemClock
from liaison_desk.core.errors import StorageError
from liaison_desk.relay.dir_files import READ, publish, sha384_file, store_error
from liaison_desk.relay.dir_partial import DirPartials
from liaison_desk.relay.errors import StoreError
from liaison_desk.relay.partial import PartialStore
from liaison_desk.relay.store import NONCE_LIFETIME_S, StoredBundle

_STALE_PART_S = 3600


def _tag(st: os.stat_result) -> str:
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


class DirUpload:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._done = False
        self._path = root / "incoming" / f"{os.urandom(12).hex()}.part"
        try:
            self._file: BinaryIO = open(self._path, "xb")  # noqa: SIM115 (closed by commit/abort)
        except OSError as exc:
            raise store_error(exc) from exc

    def write(self, data: bytes) -> None:
        try:
            self._file.write(data)
        except OSError as exc:
            self.abort()
            raise store_error(exc) from exc

    def commit(self, recipient: str, name: str, sha384: bytes) -> bool:
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            return publish(self._root, self._path, recipient, name, sha384)
        except OSError as exc:
            raise store_error(exc) from exc
        finally:
            self.abort()

    def abort(self) -> None:
        if not self._done:
            self._done = True
            self._file.close()
            self._path.unlink(missing_ok=True)


class DirDownload:
    def __init__(self, f: BinaryIO, start: int) -> None:
        self._file = f
        self.size = os.fstat(f.fileno()).st_size
        f.seek(start)

    def chunks(self) -> Iterator[bytes]:
        while block := self._file.read(READ):
            yield block

    def close(self) -> None:
        self._file.close()


class DirStore:
    local = True

    def __init__(self, root: Path, clock: Clock | None = None) -> None:
        self.root = root
        self.clock = clock or SystemClock()
        try:
            for part in ("mailboxes", "incoming", "nonces", "partial"):
                (root / part).mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StorageError(
                f"The relay's folder {root} cannot be used: {exc.strerror}."
            ) from exc
        self._drop_stale_parts()
        self.partials: PartialStore = DirPartials(root / "partial", self.clock, self.publish)

    def _drop_stale_parts(self) -> None:
        """Leftovers of uploads cut short; recent ones may belong to another relay process."""
        cutoff = self.clock.now_ms() / 1000 - _STALE_PART_S
        for part in (self.root / "incoming").iterdir():
            if part.stat().st_mtime < cutoff:
                part.unlink(missing_ok=True)

    def upload(self) -> DirUpload:
        return DirUpload(self.root)

    def waiting(self, recipient: str, prefix: str = "") -> list[StoredBundle]:
        box = self.root / "mailboxes" / recipient
        try:
            entries = sorted(
                (e for e in os.scandir(box) if e.name.startswith(prefix)), key=lambda e: e.name
            )
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise store_error(exc) from exc
        found = []
        for entry in entries:
            try:
                found.append(StoredBundle(entry.name, entry.stat().st_size))
            except FileNotFoundError:  # acknowledged or superseded meanwhile
                continue
        return found

    def publish(self, source: Path, recipient: str, name: str, sha384: bytes) -> bool:
        return publish(self.root, source, recipient, name, sha384)

    def download(self, recipient: str, name: str, start: int = 0) -> DirDownload | None:
        try:
            return DirDownload(open(self.root / "mailboxes" / recipient / name, "rb"), start)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise store_error(exc) from exc

    def stored_sha384(self, recipient: str, name: str) -> bytes | None:
        try:
            return sha384_file(self.root / "mailboxes" / recipient / name)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise store_error(exc) from exc

    def delete(self, recipient: str, name: str) -> bool:
        try:
            (self.root / "mailboxes" / recipient / name).unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise store_error(exc) from exc
        return True

    def claim_nonce(self, keyid: str, nonce: str, created_s: int) -> bool:
        folder = self.root / "nonces" / str(created_s // 60)
        key = hashlib.sha256(f"{keyid}:{nonce}".encode()).hexdigest()
        flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY
        try:
            try:
                os.close(os.open(folder / key, flags, 0o600))
            except FileNotFoundError:  # the minute's first nonce
                folder.mkdir(exist_ok=True)
                os.close(os.open(folder / key, flags, 0o600))
        except FileExistsError:
            return False
        except OSError as exc:
            raise store_error(exc) from exc
        return True

    def prune_nonces(self, now_s: int) -> int:
        oldest = (now_s - NONCE_LIFETIME_S) // 60
        dropped = 0
        for folder in (self.root / "nonces").iterdir():
            if folder.name.isdigit() and int(folder.name) < oldest:
                shutil.rmtree(folder, ignore_errors=True)
                dropped += 1
        return dropped

    def read_roster(self) -> tuple[bytes, str] | None:
        try:
            with open(self.root / "roster.json", "rb") as f:
                return f.read(), _tag(os.fstat(f.fileno()))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise store_error(exc) from exc

    def roster_tag(self) -> str | None:
        try:
            return _tag((self.root / "roster.json").stat())
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise store_error(exc) from exc

    def write_roster(self, data: bytes) -> None:
        try:
            atomic_write(self.root / "roster.json", data)
        except StorageError as exc:
            raise StoreError(exc.message) from exc
