"""`liaison-desk sync …`: carry changes between HQ and stations as bundle files.

`export` writes bundles into a folder (a USB drive, a shared folder); `import`
applies the bundles found there. Every file imported is reported as applied,
replayed (it had been applied before; nothing changed) or refused with why.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync import peers as registry
from liaison_desk.sync.bundle_limit import DEFAULT_MIB, max_bundle_mib, set_max_bundle_mib
from liaison_desk.sync.clocks import clock_warning, own_clock_ahead
from liaison_desk.sync.errors import BundleRefused, PeerError, SyncError
from liaison_desk.sync.exchange import ExportResult, export_bundle
from liaison_desk.sync.fanout import Fanout
from liaison_desk.sync.identity import short
from liaison_desk.sync.importing import ImportResult, import_bundle
from liaison_desk.sync.refusals import RefusedBundle, RefusedOp, advice, describe, refused_by_peers
from liaison_desk.sync.status import peer_status

LONG = 1000  # ops; shorter exchanges show no progress line
SHOWN = 10  # refused changes listed one by one; --json lists every one


class Progress:
    """A progress line on stderr, rewritten in place, for long runs when stderr is a terminal."""

    def __init__(self, label: str, live: bool | None = None) -> None:
        self.label = label
        self.live = sys.stderr.isatty() if live is None else live
        self.width = 0  # of the line on screen, to blank it out at the end

    def __call__(self, done: int, total: int) -> None:
        if not self.live or total < LONG:
            return
        line = f"{self.label}: {done:,} of {plural(total, 'change')}"
        click.echo(f"\r{line}", err=True, nl=False)
        self.width = max(self.width, len(line))

    def close(self) -> None:
        if self.width:
            click.echo(f"\r{' ' * self.width}\r", err=True, nl=False)
            self.width = 0


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def lag_text(seconds: int | None) -> str:
    if seconds is None:
        return "never"
    if seconds < 60:
        return "under a minute"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def warn_if_clock_ahead(vault: Vault) -> None:
    """Tell the officer on stderr when this vault's last change is stamped far ahead."""
    ahead = own_clock_ahead(vault)
    if ahead:
        click.echo(f"Warning: {clock_warning(ahead)}", err=True)


def warn_if_refused(vault: Vault) -> None:
    """Tell the officer on stderr when a peer last reported refusing a bundle of ours whole."""
    for name, refused in refused_by_peers(vault.conn):
        click.echo(f"Warning: {advice(name, refused)}", err=True)


def refusal_lines(result: ImportResult) -> list[str]:
    """What a bundle's ops met: refused here, and what its sender refused of ours (ids only),
    down to a whole bundle of ours and what to do about it."""
    lines: list[str] = []
    if result.bundle_refused_by_peer is not None:
        lines.append(f"          {advice(result.sender_name, result.bundle_refused_by_peer)}")
    here, there = result.refused, result.refused_by_peer
    if here:
        lines.append(f"          {plural(len(here), 'change')} refused here:")
        lines += _listed(here)
    if there:
        lines.append(
            f"          {result.sender_name} refused {plural(len(there), 'change')} "
            "this vault sent:"
        )
        lines += _listed(there)
    return lines


def _listed(ops: tuple[RefusedOp, ...]) -> list[str]:
    lines = [f"            {describe(op)}" for op in ops[:SHOWN]]
    if len(ops) > SHOWN:
        lines.append(f"            and {len(ops) - SHOWN} more (--json lists them all).")
    return lines


def refused_json(ops: tuple[RefusedOp, ...]) -> list[dict[str, Any]]:
    return [
        {
            "origin": op.origin,
            "seq": op.seq,
            "kind": op.entity,
            "record": op.record_id,
            "reason": op.reason,
        }
        for op in ops
    ]


@click.group()
def sync() -> None:
    """Exchange changes with HQ or the stations through bundle files.

    Example: liaison-desk sync export --to /media/usb
    """


# -- export ---------------------------------------------------------------------------------------


def _targets(vault: Vault, peer_id: str | None) -> list[registry.Peer]:
    conn = vault.conn
    if peer_id is not None:
        return [registry.find_peer(conn, peer_id)]
    if vault.info.role == "station":
        hq = registry.hq_peer(conn)
        if hq is None:
            raise PeerError(
                "This station is not enrolled with HQ yet; start with `liaison-desk enrol request`."
            )
        return [hq]
    stations = [p for p in registry.list_peers(conn) if p.active and p.role == "station"]
    if not stations:
        raise PeerError("No station is enrolled; there is nothing to export.")
    return stations


def _exported(result: ExportResult) -> dict[str, Any]:
    return {
        "path": str(result.path),
        "peer": result.peer,
        "peer_name": result.peer_name,
        "bundle_seq": result.bundle_seq,
        "ops": result.ops,
        "attachments": result.attachments,
        "size": result.size,
    }


@sync.command("export")
@click.option(
    "--to",
    "dest",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the bundles into, e.g. the USB drive.",
)
@click.option(
    "--peer",
    "peer_id",
    help="Only for this peer (its id or 8+ first characters). "
    "Default: a station's HQ; on HQ, every active station.",
)
@json_option
@pass_app
def export(app: AppContext, /, dest: Path, peer_id: str | None, as_json: bool) -> None:
    """Write the next bundle for HQ (on a station) or for each active station (on HQ).

    Example: liaison-desk sync export --to /media/usb
    """
    if not dest.is_dir():
        raise SyncError(f"{dest} is not a folder; create it or choose another with --to.")
    vault = app.open_vault()
    warn_if_clock_ahead(vault)
    warn_if_refused(vault)
    results = []
    fanout = Fanout()  # each op read and routed once for every bundle
    for peer in _targets(vault, peer_id):
        progress = Progress(f"Writing for {peer.name}")
        try:
            results.append(export_bundle(vault, peer.fingerprint, dest, progress, fanout=fanout))
        finally:
            progress.close()
    if as_json:
        output.emit_json([_exported(r) for r in results])
        return
    for r in results:
        click.echo(
            f"Wrote {r.path.name} for {r.peer_name}: {plural(r.ops, 'change')}, "
            f"{plural(r.attachments, 'file')}, {size_text(r.size)}."
        )


# -- import ---------------------------------------------------------------------------------------


def _imported(path: Path, result: ImportResult) -> dict[str, Any]:
    return {
        "file": str(path),
        "status": result.status,
        "sender": result.sender,
        "sender_name": result.sender_name,
        "ops": result.ops,
        "applied": result.applied,
        "already_held": result.already_held,
        "conflicts": result.conflicts,
        "orphans": result.orphans,
        "new_incarnation": result.new_incarnation,
        "kinds": sorted(result.kinds),
        "refused": refused_json(result.refused),
        "refused_by_peer": refused_json(result.refused_by_peer),
        "bundle_refused_by_peer": bundle_refused_json(result.bundle_refused_by_peer),
    }


def bundle_refused_json(refused: RefusedBundle | None) -> dict[str, Any] | None:
    return None if refused is None else refused.to_json()


def _refused(path: Path, exc: BundleRefused) -> dict[str, Any]:
    return {"file": str(path), "status": "refused", "reason": exc.reason, "message": exc.message}


def _say(row: dict[str, Any]) -> str:
    name = Path(row["file"]).name
    if row["status"] == "refused":
        return f"refused   {name}: {row['message']} ({row['reason']})"
    sender = row["sender_name"]
    if row["status"] == "replayed":
        return f"replayed  {name} from {sender}: it was applied before; nothing changed."
    text = f"applied   {name} from {sender}: {plural(row['ops'], 'change')}"
    if row["already_held"]:
        text += f" ({row['already_held']} already held)"
    if row["conflicts"]:
        text += f", {plural(row['conflicts'], 'conflict')} (see `liaison-desk conflicts list`)"
    if row["refused"]:
        text += f", {len(row['refused'])} refused (below)"
    if row["new_incarnation"]:
        text += "; this vault was an old copy and now writes under a new incarnation"
    return text + "."


@sync.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@pass_app
def import_(app: AppContext, /, files: tuple[Path, ...], as_json: bool) -> None:
    """Apply bundles; each is applied, replayed or refused with its reason.

    Exits non-zero if any file was refused (the others are still applied).

    Example: liaison-desk sync import /media/usb/*.ldbundle
    """
    vault = app.open_vault()
    rows: list[dict[str, Any]] = []
    details: list[list[str]] = []
    try:
        for path in files:
            progress = Progress(f"Applying {path.name}")
            try:
                result = import_bundle(vault, path, progress)
                rows.append(_imported(path, result))
                details.append(refusal_lines(result))
            except BundleRefused as exc:
                rows.append(_refused(path, exc))
                details.append([])
            finally:
                progress.close()
    finally:
        if as_json:
            output.emit_json(rows)
        else:
            for row, lines in zip(rows, details, strict=True):
                click.echo(_say(row))
                for line in lines:
                    click.echo(line)
    refused = sum(1 for row in rows if row["status"] == "refused")
    if refused:
        verb = "was" if refused == 1 else "were"
        raise SyncError(f"{refused} of {plural(len(rows), 'file')} {verb} refused.")


# -- status ---------------------------------------------------------------------------------------


@sync.command("status")
@json_option
@pass_app
def status(app: AppContext, /, as_json: bool) -> None:
    """Where each peer stands: changes held, acknowledged, waiting, and the last exchange.

    held: their changes this vault holds; acked: this vault's changes they have
    acknowledged (of all it has); pending: changes the next bundle for them would
    carry; lag: time since their last bundle was applied here.

    Example: liaison-desk sync status
    """
    vault = app.open_vault()
    warn_if_clock_ahead(vault)
    warn_if_refused(vault)
    rows: list[dict[str, Any]] = [
        {
            "id": s.peer.fingerprint,
            "name": s.peer.name,
            "role": s.peer.role,
            "status": s.peer.status,
            "held_of_theirs": s.held_of_theirs,
            "acked_of_ours": s.acked_of_ours,
            "ours": s.ours,
            "pending": s.pending,
            "bundles_in": s.bundles_in,
            "bundles_out": s.bundles_out,
            "last_in_at": s.last_in_at,
            "last_out_at": s.last_out_at,
            "lag_seconds": s.lag_seconds,
        }
        for s in peer_status(vault)
    ]
    if as_json:
        output.emit_json(rows)
        return
    output.table(
        [
            {
                "id": short(r["id"]),
                "name": r["name"],
                "status": r["status"],
                "held": r["held_of_theirs"],
                "acked": f"{r['acked_of_ours']}/{r['ours']}",
                "pending": r["pending"],
                "last_in": r["last_in_at"] or "never",
                "last_out": r["last_out_at"] or "never",
                "lag": lag_text(r["lag_seconds"]),
            }
            for r in rows
        ],
        ("id", "name", "status", "held", "acked", "pending", "last_in", "last_out", "lag"),
    )


# -- limit ----------------------------------------------------------------------------------------


@sync.command("max-bundle")
@click.argument("size_mib", metavar="[MIB]", type=int, required=False)
@click.option("--default", "use_default", is_flag=True, help="Go back to the default limit.")
@json_option
@pass_app
def max_bundle(app: AppContext, /, size_mib: int | None, use_default: bool, as_json: bool) -> None:
    """Show or set the largest bundle this vault reads, in MiB (default 2048).

    A larger file is refused after its header, before it is hashed. Kept in the
    vault (not synced); the drive, the relay and `sync import` all use it.

    Example: liaison-desk sync max-bundle 8192
    """
    vault = app.open_vault()
    if size_mib is not None or use_default:
        set_max_bundle_mib(vault, None if use_default else size_mib)
    current = max_bundle_mib(vault.conn)
    if as_json:
        output.emit_json({"max_bundle_mib": current, "default": current == DEFAULT_MIB})
    else:
        click.echo(f"{current:,} MiB" + (" (the default)" if current == DEFAULT_MIB else ""))
