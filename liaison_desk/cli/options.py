"""Options and helpers that several command groups share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from liaison_desk.core import markings
from liaison_desk.core.store import ListQuery, Store

F = TypeVar("F", bound=Callable[..., Any])

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON, for scripts.")
marking_option = click.option(
    "--marking", default=None, help="Sensitivity marking, e.g. RESTRICTED (default: the lowest)."
)
distribution_option = click.option(
    "--distribution",
    help="Who it is synced to: hq, all, stations:<id>,<id> or group:<name> "
    "(default: hq; all for HQ's protocol library).",
)
tags_option = click.option("--tag", "tags", multiple=True, help="A tag; repeat for several.")


def option_group(*options: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator, listed in --help in the order given."""

    def apply(func: F) -> F:
        for option in reversed(options):
            func = option(func)
        return func

    return apply


list_options = option_group(
    click.option("--marking", "only_marking", help="Only records with exactly this marking."),
    click.option("--max-marking", help="Only records at or below this marking."),
    click.option("--tag", help="Only records carrying this tag."),
    click.option("--limit", default=100, show_default=True, help="How many to show."),
    click.option("--offset", default=0, show_default=True, help="How many to skip first."),
    json_option,
)
"""--marking/--max-marking/--tag/--limit/--offset/--json, the same on every list."""


def build_query(
    store: Store,
    opts: Mapping[str, Any],
    where: Mapping[str, object] | None = None,
    *,
    order_by: str | None = None,
    descending: bool = False,
) -> ListQuery:
    allowed: tuple[str, ...] | None = None
    vault_markings = store.markings()
    if opts.get("max_marking"):
        allowed = markings.up_to(vault_markings, opts["max_marking"])
    if opts.get("only_marking"):
        exact = markings.resolve(vault_markings, opts["only_marking"])
        allowed = (exact,) if allowed is None or exact in allowed else ()
    return ListQuery(
        where=dict(where or {}),
        markings=allowed,
        tag=opts.get("tag"),
        order_by=order_by,
        descending=descending,
        limit=opts["limit"],
        offset=opts["offset"],
    )


def given(**filters: object) -> dict[str, object]:
    """Only the filters the user gave (None means "not given", not "is empty")."""
    return {k: v for k, v in filters.items() if v is not None}


def changes(**options: Any) -> dict[str, Any]:
    """Edit options given on the command line; an empty string clears a field."""
    out: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value == ():
            continue
        out[name] = None if value == "" else value
    return out
