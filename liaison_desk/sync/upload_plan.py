"""What a sender announces before an upload that can resume: the wire form both ends share.

The announcement travels as the body of a signed request (`POST /v1/uploads/...`),
so its sender vouches for every digest in it:

    {"size": 52428800, "sha384": "<hex>", "piece": 8388608,
     "pieces": ["<hex SHA-384 of each 8 MiB piece, the last one shorter>", ...],
     "head": "<hex of the bundle's first bytes: its header>", "supersede": true}

The relay checks the header at once, then keeps a piece only when it matches
its digest; the bundle appears in its mailbox when the last piece is in.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, BinaryIO

from liaison_desk.sync.bundle import PREFIX
from liaison_desk.sync.errors import RequestRefused

PIECE = 8 * 1024 * 1024  # S3 parts must be at least 5 MiB (but the last)
MAX_ANNOUNCEMENT = 1024 * 1024  # 8 MiB pieces of a 64 GiB bundle fit
_HEX384 = re.compile(r"[0-9a-f]{96}")
_READ = 1024 * 1024


@dataclass(frozen=True)
class Announcement:
    size: int
    sha384: bytes
    pieces: tuple[bytes, ...]
    head: bytes
    supersede: bool

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "size": self.size,
                "sha384": self.sha384.hex(),
                "piece": PIECE,
                "pieces": [p.hex() for p in self.pieces],
                "head": self.head.hex(),
                "supersede": self.supersede,
            }
        ).encode()


def pieces_of(size: int) -> int:
    return max(1, -(-size // PIECE))


def announce(f: BinaryIO, supersede: bool) -> Announcement:
    """Read a bundle once: its size, its SHA-384, each piece's, and its header."""
    whole, piece = hashlib.sha384(), hashlib.sha384()
    pieces: list[bytes] = []
    head = bytearray()
    size = in_piece = 0
    while block := f.read(_READ):
        size += len(block)
        whole.update(block)
        if len(head) < PREFIX:
            head += block[: PREFIX - len(head)]
        while block:
            take, block = block[: PIECE - in_piece], block[PIECE - in_piece :]
            piece.update(take)
            in_piece += len(take)
            if in_piece == PIECE:
                pieces.append(piece.digest())
                piece, in_piece = hashlib.sha384(), 0
    if in_piece or not pieces:
        pieces.append(piece.digest())
    return Announcement(size, whole.digest(), tuple(pieces), bytes(head), supersede)


def read_announcement(data: bytes, max_size: int) -> Announcement:
    """The announcement a sender signed; RequestRefused if it is not one, or too large."""
    try:
        found: dict[str, Any] = json.loads(data)
        size, piece = found["size"], found["piece"]
        sha384, pieces, head = found["sha384"], found["pieces"], found["head"]
        supersede = found.get("supersede", False)
        if not (isinstance(size, int) and isinstance(piece, int) and isinstance(supersede, bool)):
            raise TypeError("not a number")
        if not (isinstance(pieces, list) and isinstance(head, str)):
            raise TypeError("not a list")
        digests = [sha384, *pieces]
        if not all(isinstance(d, str) and _HEX384.fullmatch(d) for d in digests):
            raise TypeError("not a digest")
        announced = Announcement(
            size,
            bytes.fromhex(sha384),
            tuple(bytes.fromhex(p) for p in pieces),
            bytes.fromhex(head),
            supersede,
        )
    except (ValueError, KeyError, TypeError):
        raise RequestRefused("bad-plan", "The upload's announcement is not understood.") from None
    if size > max_size:
        raise RequestRefused(
            "too-large", f"The bundle is larger than this relay accepts ({max_size} bytes)."
        )
    fits = len(announced.head) == min(PREFIX, size) and len(announced.pieces) == pieces_of(size)
    if size < 1 or piece != PIECE or not fits:
        raise RequestRefused("bad-plan", "The upload's announcement does not add up.")
    return announced
