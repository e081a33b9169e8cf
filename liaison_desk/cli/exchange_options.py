"""What the import and export commands of several groups share: formats, warnings, columns."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from liaison_desk.cli.options import build_query, option_group
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.store import ListQuery, Store

NOT_ENCRYPTED = "{path} is NOT encrypted: keep it on an encrypted disk and delete it when done."

out_argument = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
columns_option = click.option(
    "--columns",
    help="CSV only: comma-separated fields to write, in order (default: the usual ones).",
)


export_filters = option_group(
    click.option("--marking", "only_marking", help="Only records with exactly this marking."),
    click.option("--max-marking", help="Only records at or below this marking."),
    click.option("--tag", help="Only records carrying this tag."),
)
"""The filters of `… list`, for exports (which take every matching record, not a page)."""


def export_query(
    store: Store, opts: Mapping[str, Any], where: Mapping[str, object] | None = None, **kw: Any
) -> ListQuery:
    return build_query(store, {**opts, "limit": 0, "offset": 0}, where, **kw)


def format_of(path: Path, given: str | None, by_suffix: dict[str, str]) -> str:
    """The --format given, else the one the file name's suffix implies."""
    if given:
        return given
    found = by_suffix.get(path.suffix.lower())
    if found is None:
        choices = ", ".join(sorted(set(by_suffix.values())))
        raise ValidationError(f"Give --format ({choices}): {path.name} does not say which.")
    return found


def column_list(text: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if not text:
        return default
    return tuple(c.strip() for c in text.split(",") if c.strip())


def wrote(path: Path, what: str, size: int) -> None:
    """The closing lines of an export: what was written, and that it is not encrypted."""
    click.echo(f"Wrote {what} to {path} ({size:,} bytes).")
    click.echo(NOT_ENCRYPTED.format(path=path), err=True)
