"""What a sync did, in one sentence each: for the Sync section's log, the status bar and the
window's drive and relay reports (`transport_actions`), which say the same things."""

from __future__ import annotations

from pathlib import Path

from liaison_desk.core.errors import LiaisonError
from liaison_desk.core.wording import plural
from liaison_desk.sync.errors import BundleRefused
from liaison_desk.sync.exchange import ExportResult
from liaison_desk.sync.importing import ImportResult
from liaison_desk.sync.refusals import advice, summary
from liaison_desk.sync.status import SyncOverview


def status_text(state: SyncOverview) -> str:
    """One line for the status bar."""
    active = [s for s in state.peers if s.peer.active]
    if state.me.role != "hq" and state.hq is None:
        return "Sync: not set up"
    if not active:
        return "Sync: no stations enrolled" if state.me.role == "hq" else "Sync: HQ revoked"
    pending = sum(s.pending for s in active)
    stations = plural(len(active), "station")
    who = active[0].peer.name if state.me.role != "hq" else stations
    return f"Sync: {who} · {pending:,} pending"


def export_line(result: ExportResult) -> str:
    changes = plural(result.ops, "change")
    if not result.ops:
        changes = "no changes (acknowledgements only)"
    files = f", {plural(result.attachments, 'attachment')}" if result.attachments else ""
    return f"To {result.peer_name}: {changes}{files}, {result.size:,} bytes → {result.path.name}"


def import_line(result: ImportResult) -> str:
    if result.status == "replayed":
        return f"{result.path.name}: from {result.sender_name}, already imported; nothing changed."
    parts = [
        plural(result.ops, "change"),
        f"{result.applied:,} applied",
    ]
    if result.already_held:
        parts.append(f"{result.already_held:,} already held")
    if result.orphans:
        parts.append(f"{result.orphans:,} waiting for their records")
    if result.refused:
        parts.append(f"{len(result.refused):,} refused ({summary(result.refused)})")
    conflicts = ""
    if result.conflicts:
        conflicts = f"; {plural(result.conflicts, 'conflict')} to review"
    again = (
        " This vault was an old copy: it started a new incarnation."
        if result.new_incarnation
        else ""
    )
    if result.bundle_refused_by_peer is not None:
        again += f" {advice(result.sender_name, result.bundle_refused_by_peer)}"
    theirs = result.refused_by_peer
    if theirs:
        n = len(theirs)
        again += (
            f" {result.sender_name} refused {plural(n, 'change')} this vault "
            f"sent ({summary(theirs)})."
        )
    return f"From {result.sender_name}: {', '.join(parts)}{conflicts}.{again}"


def refusal_line(path: Path, error: LiaisonError) -> str:
    if isinstance(error, BundleRefused):
        return f"{path.name}: refused ({error.reason}). {error.message}"
    return f"{path.name}: not imported. {error.message}"
