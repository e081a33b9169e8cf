"""One logged change as it travels between vaults, and the checks it passes on arrival.

An op is what `Store` appends to the oplog: origin and dense sequence number,
the hybrid-logical-clock stamp, the record, its changed fields and the clocks
those fields had before (`base`). A snapshot op also carries `clocks`, each
field's own stamp, and is how a record reaches a station newly allowed to see it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from liaison_desk.core import routing
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.hlc import is_origin, is_stamp
from liaison_desk.core.kinds import BY_NAME, Kind
from liaison_desk.core.validation import MAX_LONG
from liaison_desk.sync import op_fields
from liaison_desk.sync.payload import malformed

MAX_SEQ = 1 << 62
INT_RANGE = range(-(1 << 63), 1 << 63)  # what the vault's integer columns hold


def is_count(value: Any) -> bool:
    """A count or number a bundle may state: a JSON integer (not a boolean), 0 up to MAX_SEQ."""
    return type(value) is int and 0 <= value < MAX_SEQ


def _text(value: str) -> bool:
    """Bounded, and storable: JSON can spell lone surrogates, which UTF-8 cannot hold."""
    if value.isascii():
        return len(value) <= MAX_LONG
    if len(value) > MAX_LONG:
        return False
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


_TEXT, _LIST, _INT, _BOOL = range(4)
_CODES = {op_fields.TEXT: _TEXT, op_fields.LIST: _LIST, op_fields.INT: _INT, op_fields.BOOL: _BOOL}
_KEYS = frozenset("oshefrbc")  # every key an op may have: any other is refused


@functools.cache
def _field_types(entity: str) -> tuple[dict[str, int], frozenset[str]]:
    """What each field an op may set must hold (text, list of text, int or bool), and
    which fields may be null (see `sync.op_fields`)."""
    fields = op_fields.op_fields(entity)
    return {f.name: _CODES[f.type] for f in fields}, frozenset(f.name for f in fields if f.nullable)


def _clocks(clocks: dict[Any, Any], types: dict[str, int]) -> bool:
    """Field clocks (a base or a snapshot's): a stamp for "*" or for a field of the kind."""
    return all((name == "*" or name in types) and is_stamp(v) for name, v in clocks.items())


# An oplog row as `Op.from_row` reads it, from `oplog o`.
OPLOG_COLUMNS = "o.origin, o.seq, o.hlc, o.entity, o.record_id, o.fields, o.base, o.clocks"


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
        if type(data) is not dict:
            raise malformed("an op is not an object")
        if not _KEYS.issuperset(data):
            raise malformed(f"an op has an unknown key {sorted(set(data) - _KEYS)[0]!r}")
        # Filled directly, as Kind.from_row fills records: __init__ of a frozen dataclass
        # costs a call per field, and this runs for every op imported.
        op: Op = object.__new__(cls)
        try:
            op.__dict__.update(
                origin=data["o"],
                seq=data["s"],
                hlc=data["h"],
                entity=data["e"],
                record_id=data["r"],
                fields=data["f"],
                base=data["b"],
                clocks=data.get("c"),
            )
        except KeyError as exc:
            raise malformed(f"an op lacks {exc.args[0]!r}") from None
        if op.clocks is None and "c" in data:
            raise malformed("a snapshot's clocks are malformed")
        op._check()
        return op

    def _check(self) -> None:
        # This runs for every op imported: the checks are written out, not called, and
        # JSON gives exact types, so `type(...) is` suffices (and keeps booleans out of
        # integers).
        origin, seq, hlc, entity, record_id, fields = (
            self.origin,
            self.seq,
            self.hlc,
            self.entity,
            self.record_id,
            self.fields,
        )
        if not is_origin(origin):
            raise malformed("an op's origin is not an origin id")
        if not (type(seq) is int and 0 < seq < MAX_SEQ):
            raise malformed("an op's sequence number is out of range")
        if not is_stamp(hlc):
            raise malformed("an op's clock stamp is malformed")
        if type(entity) is not str or entity not in BY_NAME:
            raise malformed("an op names an unknown kind of record")
        if not (type(record_id) is str and 0 < len(record_id) <= 64 and record_id.isascii()):
            raise malformed("an op's record id is malformed")
        if type(fields) is not dict or not fields:
            raise malformed("an op changes no fields")
        types, nullable = _field_types(entity)
        if type(self.base) is not dict or (self.base and not _clocks(self.base, types)):
            raise malformed("an op's base clocks are malformed")
        if self.clocks is not None and (
            type(self.clocks) is not dict
            or "*" not in self.clocks
            or not _clocks(self.clocks, types)
        ):
            raise malformed("a snapshot's clocks are malformed")
        for name, value in fields.items():
            expected = types.get(name)
            if value is None and name in nullable:
                continue
            if expected == _TEXT:
                ok = type(value) is str and (
                    (value.isascii() and len(value) <= MAX_LONG) or _text(value)
                )
            elif expected == _LIST:
                ok = type(value) is list and (
                    not value or all(type(v) is str and _text(v) for v in value)
                )
            elif expected == _INT:
                ok = type(value) is int and value in INT_RANGE
            elif expected == _BOOL:
                ok = type(value) is bool
            else:
                raise malformed(f"an op sets an unknown field {name!r}")
            if not ok:
                raise malformed(f"an op's {name} has the wrong type")
        distribution = fields.get("distribution", "hq")
        if distribution not in ("hq", "all") and not _distribution(distribution):
            raise malformed("an op's distribution is not one HQ can route")


def _distribution(value: Any) -> bool:
    """Written as the store writes it (routing.parse's form), so routing never meets a stranger."""
    try:
        return type(value) is str and str(routing.parse(value)) == value
    except ValidationError:
        return False
