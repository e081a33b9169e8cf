"""Partial uploads in the relay's folder (`relay.partial` says what they are).

    DATA/partial/<sender>/<name>.json    the plan the sender signed, with this upload's id
    DATA/partial/<sender>/<name>.<id>    the bytes so far (the file's size is the offset)

Each request appends where the file ends, checking before each write that
nobody else has written meanwhile: a request the relay has not yet seen cut
cannot write over the one that took its place. Bytes are the bundle's own, so
two requests at one offset carry the same bytes; a piece that does not match
its digest is cut off again. When the last piece is in, the whole file is
hashed once more (a relay killed between a write and its piece's check must
not leave an unchecked piece behind), then hard-linked into the mailbox.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from liaison_desk.core.atomic import atomic_write
from liaison_desk.core.clock import Clock
from liaison_desk.core.errors import StorageError
from liaison_desk.relay.dir_files import READ, sha384_file, store_error
from liaison_desk.relay.errors import DifferentBundle, PieceRefused, StoreError, UploadMoved
from liaison_desk.relay.partial import Partial, PieceHasher, UploadPlan
from liaison_desk.sync.upload_plan import PIECE

Publish = Callable[[Path, str, str, bytes], bool]  # source, recipient, name, sha384


class DirPartialWriter:
    def __init__(self, partials: DirPartials, partial: Partial, path: Path) -> None:
        self._partials = partials
        self._plan = plan = partial.plan
        self._path = path
        self.offset = partial.offset
        try:
            self._file: BinaryIO = open(path, "r+b", buffering=0)  # noqa: SIM115 (closed in close)
        except FileNotFoundError:
            raise UploadMoved() from None
        except OSError as exc:
            raise store_error(exc) from exc
        self._hasher = PieceHasher(plan, self.offset)
        # The piece's bytes that came before this request, to check it once whole.
        start = self._hasher.index * PIECE if self.offset < plan.size else self.offset
        self._file.seek(start)
        while start < self.offset:
            block = self._file.read(min(READ, self.offset - start))
            if not block:
                self.close()
                raise UploadMoved()
            self._hasher.update(block)
            start += len(block)

    def write(self, data: bytes) -> None:
        try:
            if os.fstat(self._file.fileno()).st_size != self.offset:
                raise UploadMoved()
            while data:
                end = self._plan.piece_end(self._hasher.index)
                take, data = data[: end - self.offset], data[end - self.offset :]
                self._file.seek(self.offset)
                self._file.write(take)
                self._hasher.update(take)
                self.offset += len(take)
                if self.offset == end:
                    start = self._hasher.index * PIECE
                    if not self._hasher.finish():
                        self._file.truncate(start)
                        self.offset = start
                        raise PieceRefused()
        except OSError as exc:
            raise store_error(exc) from exc

    def commit(self) -> bool:
        plan = self._plan
        try:
            os.fsync(self._file.fileno())
            if sha384_file(self._path) != plan.sha384:
                self._partials.drop(plan.sender, plan.name)
                raise PieceRefused()
            created = self._partials.publish(self._path, plan.recipient, plan.name, plan.sha384)
        except DifferentBundle:
            self._partials.drop(plan.sender, plan.name)
            raise
        except OSError as exc:
            raise store_error(exc) from exc
        finally:
            self.close()
        self._partials.drop(plan.sender, plan.name)
        return created

    def close(self) -> None:
        if not self._file.closed:
            with contextlib.suppress(OSError):  # the bytes are checked anyway, whatever survives
                os.fsync(self._file.fileno())
            self._file.close()


class DirPartials:
    def __init__(self, root: Path, clock: Clock, publish: Publish) -> None:
        self.root = root
        self.clock = clock
        self.publish = publish

    def _plan_path(self, sender: str, name: str) -> Path:
        return self.root / sender / f"{name}.json"

    def _data_path(self, plan: UploadPlan) -> Path:
        return self.root / plan.sender / f"{plan.name}.{plan.upload_id}"

    def begin(self, plan: UploadPlan) -> Partial:
        found = self.find(plan.sender, plan.name)
        if found is not None and found.plan.same_bundle(plan):
            return found
        if found is not None:
            self.drop(plan.sender, plan.name)
        plan = replace(plan, upload_id=os.urandom(12).hex())
        try:
            (self.root / plan.sender).mkdir(exist_ok=True, mode=0o700)
            open(self._data_path(plan), "xb").close()
            atomic_write(self._plan_path(plan.sender, plan.name), plan.to_json())
        except OSError as exc:
            raise store_error(exc) from exc
        except StorageError as exc:
            raise StoreError(exc.message) from exc
        return Partial(plan, 0, self.clock.now_ms() / 1000)

    def find(self, sender: str, name: str) -> Partial | None:
        try:
            plan = UploadPlan.from_json(self._plan_path(sender, name).read_bytes())
            st = self._data_path(plan).stat()
        except (FileNotFoundError, ValueError):
            return None
        except OSError as exc:
            raise store_error(exc) from exc
        return Partial(plan, min(st.st_size, plan.size), st.st_mtime)

    def of_sender(self, sender: str) -> list[Partial]:
        try:
            plans = (self.root / sender).glob("*.json")
            names = sorted(p.name.removesuffix(".json") for p in plans)
        except OSError as exc:
            raise store_error(exc) from exc
        return [p for p in (self.find(sender, n) for n in names) if p is not None]

    def resume(self, partial: Partial) -> DirPartialWriter:
        return DirPartialWriter(self, partial, self._data_path(partial.plan))

    def drop(self, sender: str, name: str) -> None:
        found = self.find(sender, name)
        try:
            self._plan_path(sender, name).unlink(missing_ok=True)
            if found is not None:
                self._data_path(found.plan).unlink(missing_ok=True)
        except OSError as exc:
            raise store_error(exc) from exc

    def expire(self, before_s: float) -> int:
        """Also removes bytes no plan names any more (two uploads begun at once leave one)."""
        dropped = 0
        try:
            senders = [d for d in self.root.iterdir() if d.is_dir()]
            for folder in senders:
                for partial in self.of_sender(folder.name):
                    if partial.touched_s < before_s:
                        self.drop(partial.plan.sender, partial.plan.name)
                        dropped += 1
                for leftover in folder.iterdir():
                    if leftover.suffix != ".json" and leftover.stat().st_mtime < before_s:
                        leftover.unlink(missing_ok=True)
        except FileNotFoundError:
            pass  # another relay process is tidying the same folder
        except OSError as exc:
            raise store_error(exc) from exc
        return dropped
