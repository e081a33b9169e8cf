"""`liaison-desk peers …`: the vaults this one exchanges with, and HQ's groups of stations.

A peer id is its fingerprint; any unique prefix of eight characters or more
will do (spaces are ignored, so an id read out in groups works).
"""

from __future__ import annotations

from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.confirm import confirm, show_fingerprint
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.vault import Vault
from liaison_desk.core.wording import plural
from liaison_desk.sync import peers as registry
from liaison_desk.sync.compromise import parse_when, revoke_station
from liaison_desk.sync.errors import PeerError
from liaison_desk.sync.identity import short


def require_hq(vault: Vault, what: str) -> None:
    if vault.info.role != "hq":
        raise PeerError(f"Only HQ {what}; this vault is a station.")


def _row(peer: registry.Peer, groups: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    return {
        "id": peer.fingerprint,
        "name": peer.name,
        "role": peer.role,
        "post": peer.identity.post,
        "status": peer.status,
        "enrolled_at": peer.enrolled_at,
        "revoked_at": peer.revoked_at,
        "last_in_at": peer.last_in_at,
        "last_out_at": peer.last_out_at,
        "groups": [name for name, members in groups.items() if peer.fingerprint in members],
    }


@click.group()
def peers() -> None:
    """Peers: list them, revoke a station, group stations for routing.

    Example: liaison-desk peers list
    """


@peers.command("list")
@json_option
@pass_app
def list_(app: AppContext, /, as_json: bool) -> None:
    """List the enrolled and revoked peers (the full ids with --json).

    Example: liaison-desk peers list --json
    """
    conn = app.open_vault().conn
    groups = registry.groups(conn)
    rows = [_row(p, groups) for p in registry.list_peers(conn)]
    if as_json:
        output.emit_json(rows)
        return
    for row in rows:
        row["id"] = short(row["id"])
    output.table(rows, ("id", "name", "role", "status", "groups", "last_in_at", "last_out_at"))


@peers.command("revoke")
@click.argument("peer_id")
@click.option("--reason", required=True, help="Why, in a sentence: shown wherever it is refused.")
@click.option(
    "--compromised-since",
    "since",
    help="When the station may have been compromised (2026-05-28 or 2026-05-28T14:00, UTC): "
    "what it wrote since is held at HQ for review, never sent on.",
)
@click.option("--yes", is_flag=True, help="Do not ask; for scripts.")
@pass_app
def revoke(app: AppContext, /, peer_id: str, reason: str, since: str | None, yes: bool) -> None:
    """HQ: revoke a station; its bundles and relay requests are refused with the reason, and
    nothing more is sent to it.

    Example: liaison-desk peers revoke 3f9a1c0e --reason Stolen --compromised-since 2026-05-28
    """
    vault = app.open_vault()
    require_hq(vault, "revokes stations")
    peer = registry.find_peer(vault.conn, peer_id)
    since_ms = parse_when(since) if since else None
    if not peer.active and since_ms is None:
        click.echo(f"{peer.name} was already revoked on {peer.revoked_at}.")
        return
    click.echo(f"Station: {peer.name}")
    click.echo("Fingerprint:")
    show_fingerprint(peer.fingerprint)
    confirm(
        f"Revoke {peer.name}? Its bundles will be refused and nothing more is sent to it.",
        yes,
        f"No terminal to ask on: run the command again with --yes to revoke {peer.name}.",
    )
    held = revoke_station(vault, peer.fingerprint, reason, since_ms)
    click.echo(f"Revoked {peer.name}. To enrol it again, approve a new request from it.")
    if since_ms is not None:
        click.echo(f"{plural(held, 'record')} it wrote since {since} held for review.")


@peers.group("group")
def group() -> None:
    """HQ: groups of stations, for records distributed to group:<name>.

    Example: liaison-desk peers group set north 3f9a1c0e 7be20d44
    """


@group.command("set")
@click.argument("name")
@click.argument("peer_ids", nargs=-1)
@pass_app
def group_set(app: AppContext, /, name: str, peer_ids: tuple[str, ...]) -> None:
    """Make NAME the group of these stations (replacing its members); no ids removes it.

    Example: liaison-desk peers group set north 3f9a1c0e 7be20d44
    """
    vault = app.open_vault()
    require_hq(vault, "defines groups")
    members = [registry.find_peer(vault.conn, i) for i in peer_ids]
    for peer in members:
        if peer.role != "station":
            raise PeerError(f"{peer.name} is not a station; groups hold stations only.")
    with vault.store.transaction():
        registry.set_group(vault.conn, name, [p.fingerprint for p in members])
    if members:
        names = ", ".join(sorted({p.name for p in members}))
        click.echo(f"Group {name}: {names}.")
    else:
        click.echo(f"Removed the group {name}.")


@group.command("list")
@json_option
@pass_app
def group_list(app: AppContext, /, as_json: bool) -> None:
    """List the groups and the stations in each.

    Example: liaison-desk peers group list --json
    """
    vault = app.open_vault()
    require_hq(vault, "defines groups")
    names = {p.fingerprint: p.name for p in registry.list_peers(vault.conn)}
    rows: list[dict[str, Any]] = [
        {
            "name": name,
            "members": [{"id": m, "name": names.get(m, "")} for m in members],
        }
        for name, members in registry.groups(vault.conn).items()
    ]
    if as_json:
        output.emit_json(rows)
        return
    if not rows:
        click.echo("Nothing to show.", err=True)
    for row in rows:
        members = ", ".join(f"{m['name'] or '?'} ({short(m['id'])})" for m in row["members"])
        click.echo(f"{row['name']}: {members}")
