"""How each record type is stored: its table, its fields and how they are encoded."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from liaison_desk.core.records import (
    Attachment,
    Contact,
    FollowUp,
    Meeting,
    Organization,
    Participant,
    ProtocolRef,
    Record,
)

R = TypeVar("R", bound=Record)

META_FIELDS = frozenset({"id", "created_at", "updated_at"})


@dataclass(frozen=True)
class Kind(Generic[R]):
    name: str
    table: str
    cls: type[R]
    default_order: str
    title_field: str
    immutable: frozenset[str] = frozenset()
    not_in_oplog: frozenset[str] = frozenset()

    @property
    def fields(self) -> tuple[str, ...]:
        """Content fields: stored, clocked and merged one by one."""
        return tuple(f.name for f in dataclasses.fields(self.cls) if f.name not in META_FIELDS)

    @property
    def list_fields(self) -> frozenset[str]:
        return frozenset(
            f.name for f in dataclasses.fields(self.cls) if str(f.type).startswith("tuple[")
        )

    def encode(self, field: str, value: Any) -> Any:
        """Python value -> column value (lists are stored as JSON text)."""
        if field in self.list_fields:
            return json.dumps(list(value), ensure_ascii=False)
        return value

    def decode(self, field: str, value: Any) -> Any:
        if field in self.list_fields:
            return tuple(json.loads(value)) if value else ()
        return value

    def from_row(self, row: Mapping[str, Any]) -> R:
        values = {f: self.decode(f, row[f]) for f in self.fields if f in row}
        return self.cls(
            id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"], **values
        )


ORGANIZATION = Kind("organization", "organizations", Organization, "name", "name")
CONTACT = Kind("contact", "contacts", Contact, "full_name", "full_name")
MEETING = Kind("meeting", "meetings", Meeting, "starts_at", "title")
PARTICIPANT = Kind("participant", "participants", Participant, "n", "role")
FOLLOWUP = Kind("followup", "followups", FollowUp, "due_date", "action")
PROTOCOL = Kind("protocol", "protocol_refs", ProtocolRef, "title", "title")
ATTACHMENT = Kind(
    "attachment",
    "attachments",
    Attachment,
    "name",
    "name",
    immutable=frozenset({"owner_id", "sha256", "size", "data", "mime"}),
    not_in_oplog=frozenset({"data"}),
)

ALL_KINDS: tuple[Kind[Any], ...] = (
    ORGANIZATION,
    CONTACT,
    MEETING,
    PARTICIPANT,
    FOLLOWUP,
    PROTOCOL,
    ATTACHMENT,
)
_BY_CLASS: dict[type[Any], Kind[Any]] = {k.cls: k for k in ALL_KINDS}
BY_NAME: dict[str, Kind[Any]] = {k.name: k for k in ALL_KINDS}


def kind_of(cls: type[R]) -> Kind[R]:
    return _BY_CLASS[cls]
