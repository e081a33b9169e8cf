"""`liaison-desk peers audit ID`: at HQ, a station's security log and the check of its chain."""

from __future__ import annotations

import json
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.errors import ChainBroken
from liaison_desk.cli.options import json_option
from liaison_desk.cli.peers import require_hq
from liaison_desk.core import audit
from liaison_desk.sync import peers as registry
from liaison_desk.sync.station_audit import station_log

VERIFIED, BROKEN = "✓", "✗"


@click.command("audit")
@click.argument("peer_id")
@click.option("--all", "show_all", is_flag=True, help="Show the links without content too.")
@json_option
@pass_app
def station_audit(app: AppContext, /, peer_id: str, show_all: bool, as_json: bool) -> None:
    """HQ: a station's security log as its bundles brought it, each entry marked ✓ where its
    hash chain verifies; a removed, reordered or edited entry is named. Exits 1 if broken.

    Example: liaison-desk peers audit 3f9a1c0e
    """
    vault = app.open_vault()
    require_hq(vault, "holds stations' audit logs")
    peer = registry.find_peer(vault.conn, peer_id)
    log = station_log(vault.conn, peer.fingerprint)
    shown = [e for e in log.entries if show_all or e.has_content]
    if as_json:
        rows: list[dict[str, Any]] = [
            {
                "n": e.n,
                "at": e.at,
                "event": e.event,
                "detail": json.loads(e.detail) if e.detail else None,
                "verified": log.verified(e),
            }
            for e in shown
        ]
        breaks = [{"n": b.n, "kind": b.kind, "sentence": b.sentence} for b in log.breaks]
        output.emit_json({"intact": log.intact, "breaks": breaks, "entries": rows})
    else:
        if log.intact:
            click.echo(f"{peer.name}: chain verified, {len(log.entries)} entries held.")
        else:
            click.echo(f"{peer.name}: the chain is BROKEN.")
            for found in log.breaks:
                click.echo(f"  {found.sentence}")
        table = [
            {
                "ok": VERIFIED if log.verified(e) else BROKEN,
                "n": e.n,
                "at": e.at or "",
                "event": e.event or "(link only)",
                "detail": _detail(e.event, e.at, e.detail),
            }
            for e in shown
        ]
        output.table(table, ("ok", "n", "at", "event", "detail"), cut_at={"detail": 80})
    if not log.intact:
        raise ChainBroken(f"{peer.name}'s audit log does not verify: {log.breaks[0].sentence}")


def _detail(event: str | None, at: str | None, detail: str | None) -> str:
    if event is None or at is None or detail is None:
        return ""
    try:
        parsed = json.loads(detail)
    except ValueError:
        return "(unreadable)"
    if not isinstance(parsed, dict):
        return "(unreadable)"
    return audit.describe(audit.AuditEntry(at, event, parsed))
