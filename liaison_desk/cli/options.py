"""Options and helpers that several command groups share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from liaison_desk.core import markings
from liaison_desk.core.records import Record
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


class Count(click.ParamType[int, Any]):
    """A count of things to show: a whole number, 1 or more (0 or -5 would show everything)."""

    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number.", param, ctx)
        if number < 1:
            self.fail(f"{number} is below 1; give how many to show, 1 or more.", param, ctx)
        return number


def limit_option(default: int, help: str) -> Callable[[F], F]:
    """--limit, refused below 1, the same on every command that shows a page of something."""
    return click.option("--limit", default=default, show_default=True, type=Count(), help=help)


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
    limit_option(100, "How many to show (1 or more)."),
    click.option(
        "--offset",
        default=0,
        show_default=True,
        type=click.IntRange(min=0),
        help="How many to skip first.",
    ),
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


def list_page(store: Store, cls: type[Record], query: ListQuery) -> list[Any]:
    """One page of a list; says on stderr when more records match than it shows.

    The note goes to stderr, so a script reading --json still reads JSON, and a
    person never takes the first 100 for the whole list.
    """
    rows = store.list(cls, query)
    if rows and (query.offset or len(rows) == query.limit):
        total = store.count(cls, query)
        if total > len(rows):
            click.echo(shown_note(len(rows), total, query.offset), err=True)
    return rows


def shown_note(shown: int, total: int, offset: int = 0) -> str:
    """ "100 of 302 shown (--limit)": how much of a list a page holds, and what moves on."""
    if offset:
        first = offset + 1
        return f"{first:,} to {offset + shown:,} of {total:,} shown (--limit, --offset)"
    return f"{shown:,} of {total:,} shown (--limit)"


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
