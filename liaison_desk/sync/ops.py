"""One logged change as it travels between vaults, and the checks it passes on arrival.

An op is what `Store` appends to the oplog: origin and dense sequence number,
the hybrid-logical-clock stamp, the record, its changed fields and the clocks
those fields had before (`base`). A snapshot op also carries `clocks`, each
field's own stamp, and is how a record reaches a station newly allowed to see it.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from liaison_desk.core.kinds import BY_NAME, Kind
from liaison_desk.core.validation import MAX_LONG
from liaison_desk.sync.payload import malformed

_ORIGIN = re.compile(r"^[0-9a-f]{16}$")
_STAMP = re.compile(r"^[0-9]{13}\.[0-9]{5}\.[0-9a-f]{16}$")
_INT_FIELDS = frozenset({"cadence_days", "size"})
MAX_SEQ = 1 << 62


def is_stamp(value: object) -> bool:
    return isinstance(value, str) and _STAMP.match(value) is not None


@functools.cache
def _field_types(entity: str) -> dict[str, str]:
    """What each field an op may set must hold: text, list (of text), int or bool."""
    kind = BY_NAME[entity]
    types = {"deleted": "bool"}
    for name in kind.fields:
        if name in kind.not_in_oplog:
            continue
        if name in kind.list_fields:
            types[name] = "list"
        elif name in _INT_FIELDS:
            types[name] = "int"
        else:
            types[name] = "text"
    return types


@dataclass(frozen=True)
class Op:
    origin: str
    seq: int
    hlc: str
    entity: str
    record_id: str
    fields: dict[str, Any]
    base: dict[str, str]
    clocks: dict[str, str] | None = None

    @staticmethod
    def valid_origin(value: object) -> bool:
        return isinstance(value, str) and _ORIGIN.match(value) is not None

    @property
    def kind(self) -> Kind[Any]:
        return BY_NAME[self.entity]

    @property
    def creates(self) -> bool:
        """Whether this op can bring a record into being here (creation or snapshot)."""
        return self.clocks is not None or (not self.base and "deleted" not in self.fields)

    def clock_of(self, field: str) -> str:
        if self.clocks is None:
            return self.hlc
        return self.clocks.get(field, self.clocks["*"])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "o": self.origin,
            "s": self.seq,
            "h": self.hlc,
            "e": self.entity,
            "r": self.record_id,
            "f": self.fields,
            "b": self.base,
        }
        if self.clocks is not None:
            out["c"] = self.clocks
        return out

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Op:
        """From `SELECT origin, seq, hlc, entity, record_id, fields, base, clocks FROM oplog`."""
        origin, seq, hlc, entity, record_id, fields, base, clocks = row
        return cls(
            origin,
            seq,
            hlc,
            entity,
            record_id,
            json.loads(fields),
            json.loads(base),
            json.loads(clocks) if clocks else None,
        )

    @classmethod
    def from_json(cls, data: Any) -> Op:
        """Check an op from a bundle: names, types and bounds, before it touches the vault."""
        if not isinstance(data, dict):
            raise malformed("an op is not an object")
        try:
            op = cls(
                data["o"],
                data["s"],
                data["h"],
                data["e"],
                data["r"],
                data["f"],
                data["b"],
                data.get("c"),
            )
        except KeyError as exc:
            raise malformed(f"an op lacks {exc.args[0]!r}") from None
        op._check()
        return op

    def _check(self) -> None:
        if not (isinstance(self.origin, str) and _ORIGIN.match(self.origin)):
            raise malformed("an op's origin is not an origin id")
        if not (isinstance(self.seq, int) and 0 < self.seq < MAX_SEQ):
            raise malformed("an op's sequence number is out of range")
        if not is_stamp(self.hlc):
            raise malformed("an op's clock stamp is malformed")
        if self.entity not in BY_NAME:
            raise malformed("an op names an unknown kind of record")
        if not (isinstance(self.record_id, str) and 0 < len(self.record_id) <= 64):
            raise malformed("an op's record id is malformed")
        if not isinstance(self.fields, dict) or not self.fields:
            raise malformed("an op changes no fields")
        if not isinstance(self.base, dict) or not all(is_stamp(v) for v in self.base.values()):
            raise malformed("an op's base clocks are malformed")
        if self.clocks is not None and (
            not isinstance(self.clocks, dict)
            or "*" not in self.clocks
            or not all(is_stamp(v) for v in self.clocks.values())
        ):
            raise malformed("a snapshot's clocks are malformed")
        types = _field_types(self.entity)
        for name, value in self.fields.items():
            expected = types.get(name)
            if expected is None:
                raise malformed(f"an op sets an unknown field {name!r}")
            if expected == "text":
                ok = value is None or (isinstance(value, str) and len(value) <= MAX_LONG)
            elif expected == "list":
                ok = isinstance(value, list) and all(
                    isinstance(v, str) and len(v) <= MAX_LONG for v in value
                )
            elif expected == "int":
                ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
            else:
                ok = isinstance(value, bool)
            if not ok:
                raise malformed(f"an op's {name} has the wrong type")
