"""A page of a list as SQL: the filters a list or count of one kind of record takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import Kind
from liaison_desk.core.name_shadow import names_match
from liaison_desk.core.schema_names import NAMED_TABLES
from liaison_desk.core.text_fold import SQL_NAME as SQL_FOLD
from liaison_desk.core.text_fold import fold


@dataclass(frozen=True)
class ListQuery:
    """A page of a list, filtered and sorted by SQL (never in Python)."""

    where: Mapping[str, object] = field(default_factory=dict)
    markings: Sequence[str] | None = None
    tag: str | None = None
    title_contains: str | None = None
    order_by: str | None = None
    descending: bool = False
    limit: int = 100
    offset: int = 0


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def where_clause(kind: Kind[Any], query: ListQuery) -> tuple[str, list[Any]]:
    """The WHERE clause of a list or count and its parameters: filtered by SQL, never in
    Python, with a title matched case- and accent-blind and a name by its Latin shadow."""
    clauses = ["deleted = 0"]
    params: list[Any] = []
    for name, value in query.where.items():
        if name not in kind.fields and name != "id":
            raise ValidationError(f"A {kind.name} cannot be filtered by {name}.")
        if name in kind.list_fields:  # a list field matches the lists holding the value
            clauses.append(f"EXISTS (SELECT 1 FROM json_each({name}) WHERE value = ?)")
            params.append(value)
        elif value is None:
            clauses.append(f"{name} IS NULL")
        else:
            clauses.append(f"{name} = ?")
            params.append(value)
    if query.markings is not None:
        clauses.append(f"marking IN ({', '.join('?' * len(query.markings))})")
        params.extend(query.markings)
    if query.tag:
        clauses.append("EXISTS (SELECT 1 FROM json_each(tags) WHERE value = ?)")
        params.append(query.tag)
    if query.title_contains:
        # LIKE alone where the title is ASCII (it folds ASCII case itself): the Python
        # fold() is called only for the titles that need it, the slow part of a scan.
        title = kind.title_field
        # A contact's or organization's name written in another script, found by its
        # Latin shadow in the search index (`name_shadow`).
        match = names_match(query.title_contains) if kind.table in NAMED_TABLES else None
        shadowed = (
            " OR id IN (SELECT record_id FROM search WHERE search MATCH ? AND kind = ?)"
            if match
            else ""
        )
        clauses.append(
            f"({title} LIKE ? ESCAPE '\\' OR (length(CAST({title} AS BLOB)) != length({title}) "
            f"AND {SQL_FOLD}({title}) LIKE ? ESCAPE '\\'){shadowed})"
        )
        params.extend([f"%{_escape_like(fold(query.title_contains))}%"] * 2)
        if match:
            params.extend([match, kind.name])
    return " AND ".join(clauses), params
