"""The geometry of a seating plan: tables, their seats, who sits beside whom, and which seat
ranks above which under the chosen convention.

Seats are numbered from 1 around each table, clockwise seen from above, so a diner's right
hand is the next seat up (seat 3 is on the right of seat 2). Two conventions:

- "centre" (the French manner): at a long table the host sits at the middle of one side with
  the co-host facing across it, and a long table has no seats at its ends;
- "ends" (the English manner): the host sits at the head of a long table and the co-host at
  its foot.

A round table seats the host at seat 1 and the co-host facing, at the seat opposite, under
either convention: a round table has no ends. From the host (and co-host) the guests go in
order of honour: the host's right, the co-host's right, the host's left, the co-host's left,
then one seat further out on each side, and so on. Table 1 is the host's; the tables after it
rank below it in their order.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

from liaison_desk.core.errors import ValidationError

SHAPES = ("round", "long")
CONVENTIONS = ("centre", "ends")
MIN_SEATS, MAX_SEATS = 2, 60
MAX_TABLES = 40
_MANY = re.compile(r"^(\d+)\s*x\s*(\d+)$")


@dataclass(frozen=True)
class TableSpec:
    shape: str  # one of SHAPES
    seats: int

    def __str__(self) -> str:
        return f"{self.shape}:{self.seats}"


@dataclass(frozen=True, order=True)
class SeatRef:
    """A seat: its table and its number there, both from 1."""

    table: int
    seat: int

    def __str__(self) -> str:
        return f"{self.table}.{self.seat}"


def seat_ref(text: str) -> SeatRef:
    """A seat written "2.5" (table 2, seat 5)."""
    table, dot, seat = text.strip().partition(".")
    if not (dot and table.isdigit() and seat.isdigit()):
        raise ValidationError(f"The seat {text!r} is not a table and a seat, such as 2.5.")
    return SeatRef(int(table), int(seat))


def table_spec(text: str) -> TableSpec:
    """A table written "round:8" or "long:12"."""
    shape, _, seats = text.strip().lower().partition(":")
    if shape not in SHAPES or not seats.isdigit():
        raise ValidationError(f"The table {text!r} is not a shape and a size, such as round:8.")
    count = int(seats)
    if not MIN_SEATS <= count <= MAX_SEATS:
        raise ValidationError(f"A table seats {MIN_SEATS} to {MAX_SEATS} people, not {count}.")
    return TableSpec(shape, count)


def parse_tables(text: str, shape: str = "round") -> tuple[TableSpec, ...]:
    """Tables as typed: "3x8" (three tables of eight, of `shape`), or a list such as
    "long:14,round:8,round:8" (the host's table first)."""
    many = _MANY.match(text.strip().lower())
    if many:
        count, seats = int(many.group(1)), many.group(2)
        if not 1 <= count <= MAX_TABLES:
            raise ValidationError(f"A plan holds 1 to {MAX_TABLES} tables, not {count}.")
        return tuple(table_spec(f"{shape}:{seats}") for _ in range(count))
    specs = tuple(table_spec(part) for part in text.split(",") if part.strip())
    if not 1 <= len(specs) <= MAX_TABLES:
        raise ValidationError(f"A plan holds 1 to {MAX_TABLES} tables.")
    return specs


def convention_of(text: str) -> str:
    if text not in CONVENTIONS:
        raise ValidationError(f"The convention must be one of: {', '.join(CONVENTIONS)}.")
    return text


@dataclass(frozen=True)
class Layout:
    """The tables of a plan under a convention."""

    tables: tuple[TableSpec, ...]
    convention: str = "centre"

    @cached_property
    def seats(self) -> tuple[SeatRef, ...]:
        return tuple(
            SeatRef(t, s) for t, spec in enumerate(self.tables, 1) for s in range(1, spec.seats + 1)
        )

    def _spec(self, table: int) -> TableSpec:
        return self.tables[table - 1]

    def _open_ends(self, spec: TableSpec) -> bool:
        """A long table under "centre" has no end seats: its two sides do not meet."""
        return spec.shape == "long" and self.convention == "centre"

    def _side(self, spec: TableSpec) -> int:
        """The seats on the first side of a long "centre" table (1.._side)."""
        return (spec.seats + 1) // 2

    def step(self, seat: SeatRef, by: int) -> SeatRef | None:
        """The seat `by` places to the right (positive) or left of `seat`, along the table's
        edge; None past the end of a side of a long "centre" table."""
        spec = self._spec(seat.table)
        n = spec.seats
        if not self._open_ends(spec):
            return SeatRef(seat.table, (seat.seat - 1 + by) % n + 1)
        side = self._side(spec)
        low, high = (1, side) if seat.seat <= side else (side + 1, n)
        moved = seat.seat + by
        return SeatRef(seat.table, moved) if low <= moved <= high else None

    def neighbours(self, seat: SeatRef) -> tuple[SeatRef, ...]:
        """The seats right beside `seat` (its right, then its left)."""
        return self._beside[seat]

    @cached_property
    def _beside(self) -> dict[SeatRef, tuple[SeatRef, ...]]:
        """Every seat's neighbours, worked out once: the arrangement asks millions of times."""
        out = {}
        for seat in self.seats:
            found = (self.step(seat, 1), self.step(seat, -1))
            out[seat] = tuple(dict.fromkeys(s for s in found if s is not None and s != seat))
        return out

    def _along(self, spec: TableSpec) -> int:
        """The seats on the first side of a long "ends" table, between its head and foot."""
        return (spec.seats - 1) // 2

    def anchors(self, table: int) -> tuple[SeatRef, SeatRef]:
        """The host's seat at a table and the seat facing it (the co-host's at table 1)."""
        spec = self._spec(table)
        n = spec.seats
        if self._open_ends(spec):
            head = (self._side(spec) + 1) // 2
            return SeatRef(table, head), SeatRef(table, n - head + 1)
        if spec.shape == "long":
            return SeatRef(table, 1), SeatRef(table, 2 + self._along(spec))
        return SeatRef(table, 1), SeatRef(table, 1 + n // 2)

    def honour(self, table: int, paired: bool) -> tuple[SeatRef, ...]:
        """The seats of a table, best first. `paired`: host and co-host both sit there, and
        the guests alternate between them; else the host's seat comes first, then its right,
        its left, and outward, then the far side from the seat facing it."""
        head, facing = self.anchors(table)
        reach = range(1, self._spec(table).seats)
        order: list[SeatRef | None]
        if paired:
            order = [head, facing]
            order += [self.step(s, by) for d in reach for by in (d, -d) for s in (head, facing)]
        else:
            order = [head]
            order += [self.step(head, by) for d in reach for by in (d, -d)]
            order.append(facing)  # the far side of a long "centre" table, from the middle
            order += [self.step(facing, by) for d in reach for by in (d, -d)]
        return tuple(dict.fromkeys(s for s in order if s is not None))

    def position(self, seat: SeatRef) -> tuple[float, float]:
        """Where a seat is drawn, in units of one seat's width from the table's centre, seen
        from above: y grows downward, the host's seat is at the top (or on the upper side),
        and each diner's right hand is the next seat, so the seats run counter-clockwise."""
        x, y = self._across(seat)
        return -x + 0.0, y

    def _across(self, seat: SeatRef) -> tuple[float, float]:
        """The position mirrored: seats clockwise."""
        spec = self._spec(seat.table)
        n = spec.seats
        if spec.shape == "round":
            radius = max(1.6, n / (2 * math.pi) * 1.15)
            angle = -math.pi / 2 + 2 * math.pi * (seat.seat - 1) / n
            return radius * math.cos(angle), radius * math.sin(angle)
        if self._open_ends(spec):
            side = self._side(spec)
            if seat.seat <= side:
                return seat.seat - (side + 1) / 2, -1.0
            column = n - seat.seat + 1  # the far side runs back, right to left
            return column - (side + 1) / 2, 1.0
        along = self._along(spec)
        if seat.seat == 1:
            return -(along + 1) / 2, 0.0
        if seat.seat <= 1 + along:
            return seat.seat - 1 - (along + 1) / 2, -1.0
        if seat.seat == 2 + along:
            return (along + 1) / 2, 0.0
        column = n - seat.seat + 1
        return column - (along + 1) / 2, 1.0
