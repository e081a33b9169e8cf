"""`liaison-desk conflicts …`: fields two people changed without seeing each other's change.

The merge has already kept one value (the later change) so every vault agrees;
the other is kept here until someone decides. Resolving writes the choice as a
new change, which the next `sync export` carries to the peers. A deletion
stands over an edit made unseen, whichever is later; `conflicts restore` brings
the edited record back.
"""

from __future__ import annotations

import shutil
import textwrap
from itertools import zip_longest
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli import output
from liaison_desk.cli.context import AppContext, pass_app
from liaison_desk.cli.options import json_option
from liaison_desk.core.user_files import read_utf8
from liaison_desk.core.validation import LONG_TEXT_BYTES
from liaison_desk.sync import conflicts as review
from liaison_desk.sync.errors import ConflictError


def _value_text(conflict: review.Conflict, side: review.Side) -> str:
    if conflict.is_deletion:
        return "deleted the record" if side.value else "edited the record, unaware of its deletion"
    value = side.value
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _side(conflict: review.Conflict, side: review.Side) -> dict[str, Any]:
    return {
        "value": side.value,
        "text": _value_text(conflict, side),
        "changed_by": side.author,
        "changed_at": side.changed_at,
        "clock": side.clock,
    }


def _as_dict(conflict: review.Conflict) -> dict[str, Any]:
    return {
        "n": conflict.n,
        "kind": conflict.entity,
        "record_id": conflict.record_id,
        "title": conflict.title,
        "field": conflict.field,
        "kept_now": conflict.winner,
        "mine": _side(conflict, conflict.mine),
        "theirs": _side(conflict, conflict.theirs),
        "detected_at": conflict.detected_at,
        "status": conflict.status,
        "resolution": conflict.resolution,
    }


@click.group()
def conflicts() -> None:
    """Conflicts from sync: list, show both values, resolve.

    Example: liaison-desk conflicts list
    """


@conflicts.command("list")
@click.option("--all", "include_resolved", is_flag=True, help="Include resolved conflicts.")
@json_option
@pass_app
def list_(app: AppContext, /, include_resolved: bool, as_json: bool) -> None:
    """List the open conflicts (all of them with --all), oldest first.

    Example: liaison-desk conflicts list --all
    """
    found = review.list_conflicts(app.open_vault(), include_resolved)
    if as_json:
        output.emit_json([_as_dict(c) for c in found])
        return
    output.table(
        [
            {
                "n": c.n,
                "kind": c.entity,
                "title": c.title,
                "field": c.field,
                "mine_by": c.mine.author,
                "theirs_by": c.theirs.author,
                "kept_now": c.winner,
                "status": "open" if c.status == "open" else f"resolved ({c.resolution})",
            }
            for c in found
        ],
        ("n", "kind", "title", "field", "mine_by", "theirs_by", "kept_now", "status"),
    )


def _columns(left: list[str], right: list[str], width: int) -> None:
    for a, b in zip_longest(left, right, fillvalue=""):
        click.echo(f"{a:<{width}} | {b}".rstrip())


def _wrapped(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        lines.extend(textwrap.wrap(line, width) or [""])
    return lines


@conflicts.command("show")
@click.argument("n", type=int)
@json_option
@pass_app
def show(app: AppContext, /, n: int, as_json: bool) -> None:
    """Show both values side by side, with who changed each and when.

    Example: liaison-desk conflicts show 3
    """
    conflict = review.get_conflict(app.open_vault(), n)
    if as_json:
        output.emit_json(_as_dict(conflict))
        return
    state = conflict.status if conflict.status == "open" else f"resolved: {conflict.resolution}"
    click.echo(f"Conflict {n} ({state}): {conflict.entity} {conflict.title!r}")
    click.echo(f"Record: {conflict.record_id}")
    click.echo(f"Field: {conflict.field}; detected {conflict.detected_at}.")
    if conflict.status == "open" and conflict.is_deletion:
        click.echo(
            "The deletion stands on every vault until someone restores the record "
            f"(liaison-desk conflicts restore {n})."
        )
    elif conflict.status == "open":
        click.echo(f"Until it is resolved, the record shows {conflict.winner} (the later change).")
    click.echo()
    width = max(20, (shutil.get_terminal_size((100, 24)).columns - 3) // 2)
    mine, theirs = conflict.mine, conflict.theirs
    _columns(
        ["MINE", f"by {mine.author}", f"at {mine.changed_at}"],
        ["THEIRS", f"by {theirs.author}", f"at {theirs.changed_at}"],
        width,
    )
    click.echo(f"{'-' * width}-+-{'-' * width}")
    _columns(
        _wrapped(_value_text(conflict, mine), width),
        _wrapped(_value_text(conflict, theirs), width),
        width,
    )
    if conflict.status == "open":
        click.echo()
        click.echo(
            f"Resolve with: liaison-desk conflicts resolve {n} --keep mine|theirs "
            "(or --merged-text TEXT, --merged-file FILE)"
        )


@conflicts.command("resolve")
@click.argument("n", type=int)
@click.option(
    "--keep", type=click.Choice(["mine", "theirs"]), help="Keep this vault's value, or theirs."
)
@click.option("--merged-text", help="Keep this text instead (text fields only).")
@click.option(
    "--merged-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the text in this file instead (text fields only).",
)
@pass_app
def resolve(
    app: AppContext, /, n: int, keep: str | None, merged_text: str | None, merged_file: Path | None
) -> None:
    """Settle a conflict; the choice reaches the peers with the next `sync export`.

    Example: liaison-desk conflicts resolve 3 --keep theirs
    """
    given = [x for x in (keep, merged_text, merged_file) if x is not None]
    if len(given) != 1:
        raise ConflictError("Give exactly one of --keep, --merged-text or --merged-file.")
    merged = merged_text
    if merged_file is not None:
        merged = read_utf8(merged_file, LONG_TEXT_BYTES, "merged texts").rstrip("\r\n")
    vault = app.open_vault()
    done = review.resolve(vault, n, keep or "merged", merged)
    if done.closed_by_deletion:
        click.echo(
            f"Conflict {done.n} closed: the {done.entity} was deleted since, and the "
            "deletion stands."
        )
        return
    kept = {"mine": "this vault's value", "theirs": "their value"}.get(
        keep or "", "the merged text"
    )
    click.echo(f"Conflict {done.n} resolved: kept {kept}.")
    click.echo("It reaches the peers with the next `liaison-desk sync export`.")


@conflicts.command("restore")
@click.argument("n", type=int)
@pass_app
def restore(app: AppContext, /, n: int) -> None:
    """Bring back, with its edits, the record a deletion conflict shows deleted.

    Example: liaison-desk conflicts restore 4
    """
    done = review.restore_record(app.open_vault(), n)
    click.echo(f"Conflict {done.n} resolved: the {done.entity} {done.title!r} is restored.")
    click.echo("It reaches the peers with the next `liaison-desk sync export`.")
