"""What the transports share: applying the bundles that came in, and the report of a sync.

A drive and the relay move the same files; both apply what came for this
vault first, then write what its peers are owed, so the new bundles already
acknowledge what was just applied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from liaison_desk.core.errors import FileRefused, LiaisonError
from liaison_desk.core.user_files import inside
from liaison_desk.core.vault import Vault
from liaison_desk.sync.bundle_names import superseded
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import ExportResult, owed_reader
from liaison_desk.sync.importing import ImportResult, import_bundle
from liaison_desk.sync.peers import Peer, exchange_peers

log = logging.getLogger("liaison_desk.sync")

StepProgress = Callable[[str, int, int], None]  # what is happening, done, in all
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Refusal:
    name: str
    reason: str
    message: str


@dataclass
class SyncReport:
    """What one sync did; `error` is why it stopped early, if it did (what was done stays)."""

    where: str
    applied: list[ImportResult] = field(default_factory=list)
    replayed: list[ImportResult] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    sent: list[ExportResult] = field(default_factory=list)
    roster_sent: bool = False
    error: LiaisonError | None = None
    wiped: bool = False  # the station obeyed HQ's wipe order (`sync.wipe_order`): nothing is left
    acknowledged_wipes: list[str] = field(default_factory=list)  # at HQ: stations that did

    @property
    def conflicts(self) -> int:
        return sum(r.conflicts for r in self.applied)

    @property
    def changes_in(self) -> int:
        return sum(r.applied for r in self.applied)

    @property
    def changes_out(self) -> int:
        return sum(r.ops for r in self.sent)


def apply_bundle(
    vault: Vault,
    path: Path,
    report: SyncReport,
    progress: Progress | None,
    folder: Path | None = None,
) -> None:
    """Apply one bundle and note the outcome; a refusal is reported, never raised.

    With `folder` (a drive), a link leading out of it is refused unread.
    """
    try:
        if folder is not None:
            inside(folder, path)
        result = import_bundle(vault, path, progress)
    except FileRefused as exc:
        report.refused.append(Refusal(path.name, "not-a-file", exc.message))
        return
    except BundleRefused as exc:
        report.refused.append(Refusal(path.name, exc.reason, exc.message))
        return
    (report.applied if result.status == "applied" else report.replayed).append(result)


def owed(vault: Vault, peers: list[Peer] | None = None) -> list[Peer]:
    """The peers a bundle is owed to (by default every peer this vault exchanges with)."""
    with owed_reader(vault) as reader:
        return [
            p for p in (exchange_peers(vault.conn) if peers is None else peers) if reader.owes(p)
        ]


def sync_wanted(vault: Vault) -> tuple[bool, bool]:
    """(whether there is any peer to sync with, whether one of them is owed a bundle):
    the first peer found owed one answers."""
    peers = exchange_peers(vault.conn)
    with owed_reader(vault) as reader:
        return bool(peers), any(reader.owes(p) for p in peers)


def step(progress: StepProgress | None, label: str) -> Progress | None:
    """A per-bundle progress callback that reports under `label`."""
    if progress is None:
        return None
    progress(label, 0, 0)
    return lambda done, total: progress(label, done, total)


def drop_superseded(box: Path, newest: Path) -> None:
    """Remove our older bundles of the same incarnation (and leftovers of interrupted writes)."""
    for path in box.iterdir():
        if superseded(path.name, newest.name):
            try:
                path.unlink()
            except OSError as exc:
                log.info("superseded bundle left in place (errno %s)", exc.errno)
