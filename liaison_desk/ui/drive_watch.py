"""Noticing a drive being plugged in, so the window can offer to sync with it.

Qt's storage info is polled every few seconds on a worker of its own: listing
the mounts looks at each of them, and a hung network mount must never freeze
the window (nor hold up the vault's worker). A volume counts as a drive when
it is mounted where removable media go: under /media, /run/media or /mnt on
Linux, /Volumes on macOS, a drive letter other than the system's on Windows;
never the root. Drives already there when the watch starts are not offered:
nobody just plugged them in, and the Sync section's "Sync with a drive or
folder…" reaches them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStorageInfo, QTimer, Signal

from liaison_desk.core.errors import LiaisonError
from liaison_desk.sync.drive import ROOT
from liaison_desk.ui.runner import Runner

log = logging.getLogger("liaison_desk.ui.drive_watch")

POLL_MS = 3_000
_MOUNT_POINTS = (Path("/media"), Path("/run/media"), Path("/mnt"))
_MAC_MOUNT_POINT = Path("/Volumes")
_DRIVE_LETTER = re.compile(r"([A-Za-z]):[\\/]?")


@dataclass(frozen=True)
class Volume:
    path: Path
    name: str


@dataclass(frozen=True)
class Drive:
    """A volume that has just appeared, and whether a LiaisonDesk folder is already on it."""

    volume: Volume
    has_folder: bool


VolumeLister = Callable[[], list[Volume]]
Removable = Callable[[Volume], bool]


def mounted_volumes() -> list[Volume]:
    """Every mounted volume that is ready to be read (the root among them)."""
    return [
        Volume(Path(info.rootPath()), info.displayName())
        for info in QStorageInfo.mountedVolumes()
        if info.isValid() and info.isReady()
    ]


def looks_removable(
    volume: Volume, platform: str = sys.platform, system_drive: str | None = None
) -> bool:
    """Whether `volume` is mounted where this platform mounts drives a user plugs in."""
    if platform == "win32":
        letter = _DRIVE_LETTER.fullmatch(str(volume.path))
        system = (system_drive or os.environ.get("SYSTEMDRIVE", "C:"))[:1]
        return letter is not None and letter.group(1).upper() != system.upper()
    path = volume.path
    parents = (_MAC_MOUNT_POINT,) if platform == "darwin" else _MOUNT_POINTS
    return path != Path("/") and any(path != p and path.is_relative_to(p) for p in parents)


class DriveWatch(QObject):
    """Emits `appeared` for each new drive, `gone` (its path) when one is unmounted."""

    appeared = Signal(object)  # Drive
    gone = Signal(object)  # Path

    def __init__(
        self,
        lister: VolumeLister = mounted_volumes,
        removable: Removable = looks_removable,
        interval_ms: int = POLL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._lister = lister
        self._removable = removable
        self._runner = Runner("drive-watch")  # not a child: it must outlive a poll in flight
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.poll)
        self._known: frozenset[Path] | None = None  # None until the first poll sets it
        self._generation = 0
        self._polling = False

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self) -> None:
        """Note the drives there now (not offered), then watch for new ones."""
        self.stop()
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()
        self._generation += 1
        self._known = None

    def poll(self) -> None:
        if self._polling:
            return  # the last listing has not come back yet: no pile-up behind a slow mount
        self._polling = True
        generation, known = self._generation, self._known or frozenset()
        self._runner.run(
            lambda: self._scan(known),
            lambda drives: self._on_scan(generation, drives),
            self._on_error,
            self,
        )

    def _scan(self, known: frozenset[Path]) -> list[Drive]:
        """On the worker: the removable volumes; only new ones are looked into."""
        return [
            Drive(v, v.path not in known and (v.path / ROOT).is_dir())
            for v in self._lister()
            if self._removable(v)
        ]

    def _on_scan(self, generation: int, drives: list[Drive]) -> None:
        self._polling = False
        if generation != self._generation:
            return
        paths = frozenset(d.volume.path for d in drives)
        known, self._known = self._known, paths
        if known is None:
            return
        for drive in drives:
            if drive.volume.path not in known:
                log.info("drive appeared (has folder: %s)", drive.has_folder)
                self.appeared.emit(drive)
        for path in sorted(known - paths):
            self.gone.emit(path)

    def _on_error(self, error: LiaisonError) -> None:
        self._polling = False
        log.warning("listing the mounted volumes failed: %s", type(error).__name__)
