"""Printing records for people (aligned columns) and for scripts (--json)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click

from liaison_desk.core.records import Record


def as_dict(record: Record) -> dict[str, Any]:
    out = dataclasses.asdict(record)
    out.pop("data", None)  # attachment bytes never go to the terminal
    return {k: list(v) if isinstance(v, tuple) else v for k, v in out.items()}


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    cut_at: Mapping[str, int] | None = None,
) -> None:
    """Aligned columns; a cell longer than its column's width (48, or as given) is cut."""
    if not rows:
        click.echo("Nothing to show.", err=True)
        return
    cells = [[_cell(row.get(c), (cut_at or {}).get(c, 48)) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for r in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())


def _cell(value: Any, width: int = 48) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ", ".join(str(v) for v in value)
    text = " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def records(items: Iterable[Record], columns: Sequence[str], as_json: bool) -> None:
    dicts = [as_dict(r) for r in items]
    if as_json:
        emit_json(dicts)
    else:
        table(dicts, columns)


def details(record: Record, as_json: bool, extra: Mapping[str, Any] | None = None) -> None:
    data = as_dict(record) | dict(extra or {})
    if as_json:
        emit_json(data)
        return
    width = max(len(k) for k in data)
    for key, value in data.items():
        if value in (None, [], ""):
            continue
        text = _cell(value, width=10_000) if not isinstance(value, str) else value
        lines = text.splitlines() or [""]
        click.echo(f"{key.replace('_', ' '):>{width}}  {lines[0]}")
        for line in lines[1:]:
            click.echo(f"{'':>{width}}  {line}")
