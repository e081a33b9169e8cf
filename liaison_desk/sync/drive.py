"""Exchanging bundles through a folder: a USB drive carried by hand or in the bag.

A drive holds `LiaisonDesk/outbox/<recipient id>/` folders, one per vault that
has bundles waiting, so HQ's courier drive can carry bundles for many stations
and each vault only ever opens the bundles addressed to it.

Bundles appear whole or not at all (`export_bundle` writes a temporary name,
fsyncs, renames, fsyncs the folder); a copy left half-written by a pulled
drive is refused by its signatures and stays on the drive, reported. A
bundle once applied is removed from the drive; if the drive is read-only it
stays, and the vault's record of applied bundles keeps it from being applied
twice. A drive is read as a stranger's: only regular files on the drive itself
are opened (a pipe named like a bundle, or a link leading off the drive, is
refused unread), and no bundle is written through a link leading off it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from liaison_desk.core.atomic import storage_error
from liaison_desk.core.errors import FileRefused, StorageError
from liaison_desk.core.user_files import inside
from liaison_desk.core.vault import Vault
from liaison_desk.sync import wipe_order
from liaison_desk.sync.bundle_names import SUFFIX
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.sync.peers import Peer, hq_peer
from liaison_desk.sync.transfer import (
    StepProgress,
    SyncReport,
    apply_bundle,
    drop_superseded,
    owed,
    step,
)

log = logging.getLogger("liaison_desk.sync")

ROOT = "LiaisonDesk"


def mailbox(drive: Path, fingerprint: str) -> Path:
    return drive / ROOT / "outbox" / fingerprint


def waiting(drive: Path, fingerprint: str) -> list[Path]:
    """The complete bundles addressed to `fingerprint`, oldest first (names sort by number).

    A mailbox that is a link leading off the drive is refused (FileRefused).
    """
    box = mailbox(drive, fingerprint)
    try:
        names = sorted(p.name for p in inside(drive, box).iterdir())
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise storage_error(exc, box) from exc
    return [box / n for n in names if n.endswith(SUFFIX) and not n.startswith(".")]


def sync_drive(
    vault: Vault,
    drive: Path,
    peers: list[Peer] | None = None,
    progress: StepProgress | None = None,
) -> SyncReport:
    """Apply the bundles waiting for this vault on `drive`, then write what its peers are owed.

    `peers` limits what is written (HQ preparing a drive for one post); by
    default a station writes for HQ and HQ for every active station.
    """
    if not drive.is_dir():
        raise StorageError(f"{drive} is not there; check the drive is plugged in and mounted.")
    me = load_identity(vault.conn)
    report = SyncReport(str(drive))
    if me.public.role == "station" and _told_by_hq(vault, drive, me.fingerprint, report):
        return report
    files = waiting(drive, me.fingerprint)
    for number, path in enumerate(files, 1):
        before = len(report.refused)
        apply_bundle(
            vault,
            path,
            report,
            step(progress, f"Applying bundle {number} of {len(files)}"),
            drive,
        )
        if len(report.refused) == before:
            _remove(path)
    fanout = Fanout()  # each op read and routed once for every bundle
    for peer in owed(vault, peers):
        box = mailbox(drive, peer.fingerprint)
        try:
            inside(drive, box).mkdir(parents=True, exist_ok=True)
            written = export_bundle(
                vault,
                peer.fingerprint,
                box,
                step(progress, f"Writing for {peer.name}"),
                fanout=fanout,
            )
        except OSError as exc:
            report.error = storage_error(exc, box)
            break
        except (StorageError, FileRefused) as exc:
            report.error = exc
            break
        report.sent.append(written)
        drop_superseded(box, written.path)
    if me.public.role == "hq" and report.error is None:
        wipe_order.write_orders(vault, lambda station: inside(drive, mailbox(drive, station)))
        report.acknowledged_wipes = wipe_order.take_acks(vault, mailbox(drive, me.fingerprint))
    log.info(
        "drive sync: %d applied, %d replayed, %d refused, %d written",
        len(report.applied),
        len(report.replayed),
        len(report.refused),
        len(report.sent),
    )
    return report


def _told_by_hq(vault: Vault, drive: Path, me: str, report: SyncReport) -> bool:
    """Act on what HQ left for this station if it revoked it: obey a wipe order (the vault
    is then gone), or say it is revoked. True: the sync stops here. An order not to be
    obeyed stops it too, with its reason, and changes nothing."""
    hq = hq_peer(vault.conn)
    if hq is None:
        return False
    box = inside(drive, mailbox(drive, me))  # one leading off the drive: refused, unread
    try:
        report.wiped = wipe_order.obey_file(
            vault, box / wipe_order.ORDER_FILE, mailbox(drive, hq.fingerprint)
        )
        revoked = (
            None if report.wiped else wipe_order.revoked_notice(vault, box / wipe_order.NOTICE_FILE)
        )
    except (wipe_order.WipeOrderRefused, FileRefused) as exc:
        report.error = exc
        return True
    if revoked is not None:
        report.error = revoked
        return True
    return report.wiped


def _remove(path: Path) -> None:
    """Take an applied bundle off the drive; a read-only drive keeps it (it is never re-applied)."""
    try:
        path.unlink()
    except OSError as exc:
        log.info("applied bundle left on the drive (errno %s)", exc.errno)
