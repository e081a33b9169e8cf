"""How each record type is stored: its table, its fields and how they are encoded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from liaison_desk.core.records import (
    Attachment,
    Contact,
    ContactPoint,
    ContactRelation,
    FollowUp,
    Gift,
    Meeting,
    Organization,
    Participant,
    Posting,
    ProtocolRef,
    Record,
)

R = TypeVar("R", bound=Record)

_ENCODER = json.JSONEncoder(ensure_ascii=False)
META_FIELDS = frozenset({"id", "created_at", "updated_at"})


@dataclass(frozen=True)
class Kind(Generic[R]):
    name: str
    table: str
    cls: type[R]
    default_order: str
    title_field: str
    indexed: bool = True
    immutable: frozenset[str] = frozenset()
    not_in_oplog: frozenset[str] = frozenset()
    # A child kind: (the kind it belongs to, the field naming its record there). A child is
    # routed, authorised, withdrawn, snapshotted, undone and trashed with its record.
    parent: tuple[str, str] | None = None

    # Cached: these sit on the hot path of every row read and written.
    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Content fields: stored, clocked and merged one by one."""
        return tuple(f.name for f in dataclasses.fields(self.cls) if f.name not in META_FIELDS)

    @cached_property
    def list_fields(self) -> frozenset[str]:
        return frozenset(
            f.name for f in dataclasses.fields(self.cls) if str(f.type).startswith("tuple[")
        )

    @cached_property
    def bool_fields(self) -> frozenset[str]:
        """Yes/no fields: SQLite keeps them as 0 and 1, a record holds them as bools."""
        return frozenset(f.name for f in dataclasses.fields(self.cls) if str(f.type) == "bool")

    @cached_property
    def defaults(self) -> dict[str, Any]:
        """The fields a record may be made without, with the value it then holds.

        A field added by a later version has one: a creation logged before it was
        added, or sent by a vault not yet upgraded, is read with the default.
        """
        return {
            f.name: f.default
            for f in dataclasses.fields(self.cls)
            if f.name not in META_FIELDS and f.default is not dataclasses.MISSING
        }

    @cached_property
    def insert_sql(self) -> str:
        columns = ["id", "created_at", "updated_at", "hlc", "origin", "clocks", *self.fields]
        placeholders = ", ".join("?" * len(columns))
        return f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({placeholders})"

    def columns(self, alias: str = "") -> str:
        """The columns a record is read from (for SELECT), in `from_row` order."""
        prefix = f"{alias}." if alias else ""
        return ", ".join(prefix + c for c in ("id", "created_at", "updated_at", *self.fields))

    def encode(self, field: str, value: Any) -> Any:
        """Python value -> column value (lists are stored as JSON text)."""
        if field in self.list_fields:
            return _ENCODER.encode(list(value)) if value else "[]"
        return value

    @cached_property
    def _read_names(self) -> tuple[str, ...]:
        return ("id", "created_at", "updated_at", *self.fields)

    def from_row(self, row: Sequence[Any]) -> R:
        """A record from a row selected as `self.columns()`.

        Rows come from our own tables, written after validation, so the dataclass
        is filled directly instead of through __init__: lists of 100k rows read
        several times faster that way.
        """
        values = dict(zip(self._read_names, row, strict=True))
        for field in self.list_fields:
            text = values[field]
            values[field] = tuple(json.loads(text)) if text != "[]" else ()
        for field in self.bool_fields:
            values[field] = bool(values[field])
        record: R = object.__new__(self.cls)
        record.__dict__.update(values)
        return record


ORGANIZATION = Kind("organization", "organizations", Organization, "name", "name")
CONTACT = Kind("contact", "contacts", Contact, "full_name", "full_name")
MEETING = Kind("meeting", "meetings", Meeting, "starts_at", "title")
PARTICIPANT = Kind(
    "participant",
    "participants",
    Participant,
    "n",
    "role",
    indexed=False,
    parent=("meeting", "meeting_id"),
)
CONTACT_POINT = Kind(
    "contact_point",
    "contact_points",
    ContactPoint,
    "n",
    "value",
    indexed=False,
    parent=("contact", "contact_id"),
)
POSTING = Kind(
    "posting", "postings", Posting, "n", "title", indexed=False, parent=("contact", "contact_id")
)
RELATION = Kind(
    "relation",
    "contact_relations",
    ContactRelation,
    "n",
    "relation",
    indexed=False,
    parent=("contact", "contact_id"),
)
FOLLOWUP = Kind("followup", "followups", FollowUp, "due_date", "action")
PROTOCOL = Kind("protocol", "protocol_refs", ProtocolRef, "title", "title")
ATTACHMENT = Kind(
    "attachment",
    "attachments",
    Attachment,
    "name",
    "name",
    indexed=False,
    immutable=frozenset({"owner_id", "sha256", "size", "data", "mime"}),
    not_in_oplog=frozenset({"data"}),
)
GIFT = Kind("gift", "gifts", Gift, "exchanged_on", "description")

ALL_KINDS: tuple[Kind[Any], ...] = (
    ORGANIZATION,
    CONTACT,
    MEETING,
    PARTICIPANT,
    FOLLOWUP,
    PROTOCOL,
    ATTACHMENT,
    CONTACT_POINT,
    POSTING,
    RELATION,
    GIFT,
)
_BY_CLASS: dict[type[Any], Kind[Any]] = {k.cls: k for k in ALL_KINDS}
BY_NAME: dict[str, Kind[Any]] = {k.name: k for k in ALL_KINDS}


def kind_of(cls: type[R]) -> Kind[R]:
    return _BY_CLASS[cls]


def children_of(name: str) -> tuple[Kind[Any], ...]:
    """The child kinds that belong to records of kind `name` (a meeting's participants...)."""
    return _CHILDREN.get(name, ())


_CHILDREN: dict[str, tuple[Kind[Any], ...]] = {}
for _kind in ALL_KINDS:
    if _kind.parent is not None:
        _CHILDREN[_kind.parent[0]] = (*_CHILDREN.get(_kind.parent[0], ()), _kind)
