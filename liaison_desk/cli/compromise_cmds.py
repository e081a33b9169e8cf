"""HQ's commands for a lost or compromised station: wipe it, review what it wrote; and, at a
station, the records HQ flagged."""

from __future__ import annotations

from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.confirm import confirm, show_fingerprint
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.cli.peers import require_hq
from liaison_desk.core.kinds import BY_NAME
from liaison_desk.sync import compromise
from liaison_desk.sync import peers as registry
from liaison_desk.sync.wipe_order import order_wipe

_kind = click.argument("kind", type=click.Choice(sorted(BY_NAME)))


@click.command("wipe")
@click.argument("peer_id")
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
@pass_app
def wipe(app: AppContext, /, peer_id: str, yes: bool) -> None:
    """HQ: mark a station lost. It is revoked, and at its next contact (a drive HQ synced, or
    the relay) it destroys its keys and overwrites its vault.

    Example: liaison-desk peers wipe 3f9a1c0e --yes
    """
    vault = app.open_vault()
    require_hq(vault, "orders stations wiped")
    peer = registry.find_peer(vault.conn, peer_id)
    click.echo(f"Station: {peer.name}")
    show_fingerprint(peer.fingerprint)
    confirm(
        f"Order {peer.name} wiped at its next contact? This cannot be taken back once it "
        "reaches the station.",
        yes,
        f"No terminal to ask on: run the command again with --yes to order {peer.name} wiped.",
    )
    order_wipe(vault, peer.fingerprint)
    click.echo(
        f"{peer.name} is revoked as lost. The order goes in every drive HQ syncs and in the "
        "relay's roster at HQ's next online sync."
    )


@click.command("held")
@click.option("--search", "text", help="Only held records whose content matches these words.")
@click.option("--all", "show_all", is_flag=True, help="Released and discarded ones too.")
@json_option
@pass_app
def held(app: AppContext, /, text: str | None, show_all: bool, as_json: bool) -> None:
    """HQ: the records revoked stations wrote after their date of compromise, held for review.

    Example: liaison-desk peers held --search "ministry"
    """
    vault = app.open_vault()
    require_hq(vault, "holds records for review")
    statuses = ("held", "released", "discarded") if show_all else ("held",)
    rows: list[dict[str, Any]] = [
        {
            "kind": r.kind,
            "id": r.record_id,
            "title": r.title,
            "station": r.station_name,
            "status": r.status,
            "held_at": r.held_at,
        }
        for r in compromise.held_records(vault, text, statuses)
    ]
    if as_json:
        output.emit_json(rows)
    elif not rows:
        click.echo("Nothing is held for review.", err=True)
    else:
        output.table(rows, ("kind", "id", "title", "station", "status", "held_at"))


@click.command("release")
@_kind
@click.argument("record_id")
@pass_app
def release(app: AppContext, /, kind: str, record_id: str) -> None:
    """HQ: send a held record on, as HQ's own copy of it, once it was reviewed.

    Example: liaison-desk peers release contact 0190f3c2-…
    """
    vault = app.open_vault()
    require_hq(vault, "releases held records")
    compromise.decide(vault, kind, record_id, release=True)
    click.echo("Released: it goes to the stations it is shared with at the next sync.")


@click.command("discard")
@_kind
@click.argument("record_id")
@pass_app
def discard(app: AppContext, /, kind: str, record_id: str) -> None:
    """HQ: keep a held record back for good (it stays at HQ, never sent on).

    Example: liaison-desk peers discard contact 0190f3c2-…
    """
    vault = app.open_vault()
    require_hq(vault, "discards held records")
    compromise.decide(vault, kind, record_id, release=False)
    click.echo("Discarded: it is never sent on.")


@click.command("flagged")
@json_option
@pass_app
def flagged(app: AppContext, /, as_json: bool) -> None:
    """The records HQ flagged here: written by a station since found compromised.

    Example: liaison-desk sync flagged
    """
    conn = app.open_vault().conn
    rows = [
        {"kind": kind, "id": rid, "flagged_at": at}
        for kind, rid, at in compromise.flagged_records(conn)
    ]
    if as_json:
        output.emit_json(rows)
    elif not rows:
        click.echo("No record is flagged.", err=True)
    else:
        output.table(rows, ("kind", "id", "flagged_at"))
