"""Uploads that resume: what a partial upload is, whichever store keeps it.

A sender announces a bundle before sending it (`sync.upload_plan`): its size,
its SHA-384, the SHA-384 of each 8 MiB piece, and its first bytes (the header
the relay checks at once). The announcement comes in a signed request, and the
store keeps it as the upload's `UploadPlan`, so every piece the
store keeps has been checked against a digest the sender signed: a piece is
kept only once it is whole and matches. Bytes of a piece still arriving may be
kept too, unchecked, so that a cut connection loses only what was in flight;
they are checked when their piece is whole, and dropped if it does not match.
Nothing partial is ever in a mailbox: the bundle appears there, whole, when
its last piece is in (`PartialWriter.commit`).

A partial upload is keyed by its sender and the bundle's name, so no other
sender can find it, let alone continue it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from liaison_desk.sync.upload_plan import PIECE, Announcement


@dataclass(frozen=True)
class UploadPlan:
    sender: str
    recipient: str
    name: str
    size: int
    sha384: bytes
    pieces: tuple[bytes, ...]
    head: bytes  # the bundle's first bytes, as its first piece must begin
    supersede: bool
    upload_id: str = ""  # the store's own handle (an S3 multipart upload's id)

    @classmethod
    def of(cls, announced: Announcement, sender: str, recipient: str, name: str) -> UploadPlan:
        return cls(
            sender,
            recipient,
            name,
            announced.size,
            announced.sha384,
            announced.pieces,
            announced.head,
            announced.supersede,
        )

    def piece_end(self, index: int) -> int:
        return min(self.size, (index + 1) * PIECE)

    def same_bundle(self, other: UploadPlan) -> bool:
        return (self.recipient, self.size, self.sha384, self.pieces, self.head) == (
            other.recipient,
            other.size,
            other.sha384,
            other.pieces,
            other.head,
        )

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "sender": self.sender,
                "recipient": self.recipient,
                "name": self.name,
                "size": self.size,
                "sha384": self.sha384.hex(),
                "pieces": [p.hex() for p in self.pieces],
                "head": self.head.hex(),
                "supersede": self.supersede,
                "upload_id": self.upload_id,
            }
        ).encode()

    @classmethod
    def from_json(cls, data: bytes) -> UploadPlan:
        """A plan the store wrote itself (ValueError if it is not one)."""
        try:
            found: dict[str, Any] = json.loads(data)
            return cls(
                sender=str(found["sender"]),
                recipient=str(found["recipient"]),
                name=str(found["name"]),
                size=int(found["size"]),
                sha384=bytes.fromhex(found["sha384"]),
                pieces=tuple(bytes.fromhex(p) for p in found["pieces"]),
                head=bytes.fromhex(found["head"]),
                supersede=bool(found["supersede"]),
                upload_id=str(found["upload_id"]),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("not an upload plan") from exc


def piece_matches(plan: UploadPlan, index: int, digest: bytes, start: bytes) -> bool:
    """Whether piece `index` (its SHA-384, and its first bytes) is the one the sender signed."""
    if digest != plan.pieces[index]:
        return False
    return index > 0 or start[: len(plan.head)] == plan.head


class PieceHasher:
    """The SHA-384 of the piece being received, and the first bytes of the first one."""

    def __init__(self, plan: UploadPlan, offset: int) -> None:
        self.plan = plan
        self.index = offset // PIECE
        self._hash = hashlib.sha384()
        self._start = bytearray()

    def update(self, data: bytes) -> None:
        self._hash.update(data)
        if self.index == 0 and len(self._start) < len(self.plan.head):
            self._start += data[: len(self.plan.head) - len(self._start)]

    def finish(self) -> bool:
        """Whether the piece just completed matches; the hasher moves on to the next."""
        matched = piece_matches(self.plan, self.index, self._hash.digest(), bytes(self._start))
        self.index += 1
        self._hash = hashlib.sha384()
        return matched


@dataclass(frozen=True)
class Partial:
    plan: UploadPlan
    offset: int  # bytes kept so far
    touched_s: float  # when bytes last came (the store's time)


class PartialWriter(Protocol):
    """One request's bytes, appended at `offset`; `close` keeps what came, even when cut."""

    offset: int

    def write(self, data: bytes) -> None:
        """Append; raises PieceRefused if a piece it completes does not match its digest, and
        UploadMoved if another request wrote past this one meanwhile."""
        ...

    def commit(self) -> bool:
        """All bytes in: put the bundle in its mailbox and forget the partial upload.

        False if the same bundle was there already (DifferentBundle if another is)."""
        ...

    def close(self) -> None: ...


class PartialStore(Protocol):
    def begin(self, plan: UploadPlan) -> Partial:
        """The partial upload of this bundle, new or as it stands (one of another plan under
        the same name is replaced)."""
        ...

    def find(self, sender: str, name: str) -> Partial | None: ...

    def of_sender(self, sender: str) -> list[Partial]: ...

    def resume(self, partial: Partial) -> PartialWriter:
        """A writer at `partial.offset` (UploadMoved if the upload is no longer there)."""
        ...

    def drop(self, sender: str, name: str) -> None: ...

    def expire(self, before_s: float) -> int:
        """Drop the partial uploads no bytes came to since `before_s`; how many."""
        ...
