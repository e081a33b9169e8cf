"""What each kind of record carries in an op: its fields, their types, where null is allowed.

Read from the record dataclasses (`core.records`, through `core.kinds`): a field
typed `str` travels as text, `int` as an integer, `bool` as a boolean, `tuple[str, ...]`
as a list of text, and one typed `... | None` may also be null. Every op may
also set `deleted` (a boolean). A contact op may also set the fields versions before
schema 6 had (`LEGACY`: its phones, emails and address, merged into its points
by `sync.legacy_ops`). The checks an op passes on arrival (`sync.ops`) and the
table in docs/bundle-format.md (`markdown_table`, written there by
`scripts/op_field_table.py`, compared by a test) both come from here, so the
document and the code cannot drift apart.
"""

from __future__ import annotations

import functools
import types
import typing
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.kinds import ALL_KINDS, BY_NAME, Kind

TEXT, LIST, INT, BOOL = "text", "list of text", "integer", "boolean"
DELETED = "deleted"


@dataclass(frozen=True)
class OpField:
    name: str
    type: str  # TEXT, LIST, INT or BOOL
    nullable: bool


def _field(name: str, hint: Any) -> OpField:
    args = typing.get_args(hint)
    nullable = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args
    base = next(a for a in args if a is not type(None)) if nullable else hint
    if base is bool:
        return OpField(name, BOOL, nullable)
    if base is str:
        return OpField(name, TEXT, nullable)
    if base is int:
        return OpField(name, INT, nullable)
    if typing.get_origin(base) is tuple and typing.get_args(base) == (str, ...):
        return OpField(name, LIST, nullable)
    raise TypeError(f"{name}: no op type for {hint!r}")


# Fields of older versions still accepted, by kind (see `core.legacy_points`).
LEGACY = {
    "contact": (
        OpField("phones", LIST, False),
        OpField("emails", LIST, False),
        OpField("address", TEXT, True),
    )
}


@functools.cache
def op_fields(entity: str) -> tuple[OpField, ...]:
    """The fields an op on a record of kind `entity` may set, in the record's order, then
    `deleted`, then the kind's legacy fields."""
    kind: Kind[Any] = BY_NAME[entity]
    hints = typing.get_type_hints(kind.cls)
    fields = [_field(name, hints[name]) for name in kind.fields if name not in kind.not_in_oplog]
    return (*fields, OpField(DELETED, BOOL, False), *LEGACY.get(entity, ()))


def markdown_table() -> str:
    """The fields of every kind, one row per kind, as docs/bundle-format.md shows them."""
    lines = [
        "| Kind (`e`) | Fields (`f`): type; `?` = may be null; *legacy* = read, never written |",
        "|---|---|",
    ]
    for kind in ALL_KINDS:
        legacy = {f.name for f in LEGACY.get(kind.name, ())}
        cells = ", ".join(
            f"`{f.name}`: {f.type}{'?' if f.nullable else ''}"
            f"{' (*legacy*)' if f.name in legacy else ''}"
            for f in op_fields(kind.name)
        )
        lines.append(f"| `{kind.name}` | {cells} |")
    return "\n".join(lines) + "\n"
