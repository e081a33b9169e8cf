"""Where the relay keeps mailboxes, nonces and the roster: one small interface, two backends.

It also keeps partial uploads (`relay.partial`), for transfers that resume.
`DirStore` keeps them in a folder (one relay process, or several on one
machine); `S3Store` in an S3-compatible bucket, so several relay processes
behind a load balancer share them. Every bundle appears whole or not at all,
and a nonce can be claimed once across all processes sharing the store.
A store's own failure is a StoreError (`relay.errors`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from liaison_desk.relay.partial import PartialStore

RECIPIENT = re.compile(r"[0-9a-f]{96}")
NONCE_LIFETIME_S = 11 * 60  # the ±5 minute window, and a minute to spare


@dataclass(frozen=True)
class StoredBundle:
    name: str
    size: int


class Upload(Protocol):
    """A bundle being received; invisible to readers until `commit`."""

    def write(self, data: bytes) -> None: ...

    def commit(self, recipient: str, name: str, sha384: bytes) -> bool:
        """Make it visible; False if the same bundle was there already (raises DifferentBundle)."""
        ...

    def abort(self) -> None: ...


class Download(Protocol):
    size: int  # the whole bundle's, wherever the download starts

    def chunks(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class MailboxStore(Protocol):
    # True when its operations are quick local file operations, which the relay may run on
    # its event loop for small bundles; False when they go over a network.
    local: bool
    partials: PartialStore

    def upload(self) -> Upload: ...

    def waiting(self, recipient: str, prefix: str = "") -> list[StoredBundle]:
        """The bundles waiting for `recipient` (those whose names start with `prefix`), by name."""
        ...

    def download(self, recipient: str, name: str, start: int = 0) -> Download | None:
        """The bundle from byte `start` on (`start` below its size)."""
        ...

    def stored_sha384(self, recipient: str, name: str) -> bytes | None:
        """The SHA-384 of the bundle waiting under that name, if one does."""
        ...

    def delete(self, recipient: str, name: str) -> bool: ...

    def claim_nonce(self, keyid: str, nonce: str, created_s: int) -> bool:
        """True the first time this nonce is claimed (by any process sharing the store)."""
        ...

    def prune_nonces(self, now_s: int) -> int: ...

    def read_roster(self) -> tuple[bytes, str] | None:
        """The roster HQ last uploaded, with a version tag that changes when it does."""
        ...

    def roster_tag(self) -> str | None: ...

    def write_roster(self, data: bytes) -> None: ...
