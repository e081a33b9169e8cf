"""A seating plan drawn: its tables in a grid, a seat for each place, a token for each person.

The same scene is shown in the seating window (where a token is dragged to another seat)
and painted onto the pages of the printed table plan. Tokens of people caught in a broken
rule are ringed: red for the table's rules, amber for precedence.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
)

from liaison_desk.core.seating_layout import SeatRef
from liaison_desk.core.seating_plan import Chart
from liaison_desk.core.seating_rules import HOST, INTERPRETER, PRECEDENCE

UNIT = 64.0  # one seat's width, in scene units
SEAT_RADIUS = 15.0
LABEL_WIDTH = 190.0  # room kept for a name beside its seat
COLUMNS = 2
SLANT = 40.0  # degrees: names along a long table's sides
_FILL = {HOST: "#1f3b57", INTERPRETER: "#6d6d6d"}
_GUEST_FILL = "#3c7a89"
_RULE_RING = "#c8102e"
_PRECEDENCE_RING = "#e08a00"

Dropped = Callable[[str, SeatRef], None]


def _font(points: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(["DejaVu Sans", "WenQuanYi Micro Hei"])
    font.setPointSizeF(points)
    font.setBold(bold)
    return font


class Token(QGraphicsEllipseItem):
    """A person at a seat: dragged, it lands on the seat nearest where it is let go."""

    def __init__(self, contact_id: str, seat: SeatRef, centre: QPointF, fill: str) -> None:
        r = SEAT_RADIUS - 2
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.contact_id = contact_id
        self.seat = seat
        self.home = centre
        self.setPos(centre)
        self.setBrush(QBrush(QColor(fill)))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setZValue(2)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.on_drop: Dropped | None = None
        self.find_seat: Callable[[QPointF], SeatRef | None] = lambda _: None

    def ring(self, colour: str) -> None:
        self.setPen(QPen(QColor(colour), 4))

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        target = self.find_seat(self.pos())
        self.setPos(self.home)  # until the vault says where it now sits
        if target is not None and target != self.seat and self.on_drop is not None:
            self.on_drop(self.contact_id, target)


class SeatingScene(QGraphicsScene):
    """The chart's tables, seats, names and tokens; `movable` lets tokens be dragged."""

    def __init__(self, chart: Chart, movable: bool = False, on_drop: Dropped | None = None):
        super().__init__()
        self.chart = chart
        self.seat_at: dict[SeatRef, QPointF] = {}
        self.tokens: dict[str, Token] = {}
        self.table_rects: list[QRectF] = []
        self.setBackgroundBrush(QBrush(QColor("white")))
        ringed = self._ringed()
        extents = [self._extent(t) for t in range(1, len(chart.layout.tables) + 1)]
        cell_w = max(w for w, _ in extents) * 2 * UNIT + 2 * LABEL_WIDTH
        slanted = any(t.shape == "long" for t in chart.layout.tables)
        room = 2 * LABEL_WIDTH * math.sin(math.radians(SLANT)) if slanted else 4 * SEAT_RADIUS
        cell_h = max(h for _, h in extents) * 2 * UNIT + room + 40
        for index, spec in enumerate(chart.layout.tables):
            table = index + 1
            row, column = divmod(index, COLUMNS)
            centre = QPointF(column * cell_w + cell_w / 2, row * cell_h + cell_h / 2)
            self.table_rects.append(
                QRectF(column * cell_w, row * cell_h, cell_w, cell_h).adjusted(4, 4, -4, -4)
            )
            self._table(table, spec.shape, centre, extents[index])
            for seat in (s for s in chart.layout.seats if s.table == table):
                self._seat(seat, centre, movable, on_drop, ringed)

    def _ringed(self) -> dict[str, str]:
        colours: dict[str, str] = {}
        for broken in self.chart.broken:
            people = broken.people[:1] if broken.rule == PRECEDENCE else broken.people
            for who in people:
                if colours.get(who) != _RULE_RING:
                    colours[who] = _PRECEDENCE_RING if broken.rule == PRECEDENCE else _RULE_RING
        return colours

    def _extent(self, table: int) -> tuple[float, float]:
        points = [
            self.chart.layout.position(s) for s in self.chart.layout.seats if s.table == table
        ]
        return max(abs(x) for x, _ in points) + 0.6, max(abs(y) for _, y in points) + 0.6

    def _table(self, table: int, shape: str, centre: QPointF, extent: tuple[float, float]) -> None:
        pen = QPen(QColor("#8a6d3b"), 2)
        brush = QBrush(QColor("#f3ead7"))
        if shape == "round":
            radius = (extent[0] - 0.6) * UNIT - SEAT_RADIUS - 6
            item: QGraphicsItem = self.addEllipse(
                centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius, pen, brush
            )
        else:
            width = (extent[0] - 0.6) * 2 * UNIT + UNIT * 0.2
            height = 2 * UNIT - 2 * SEAT_RADIUS - 12
            item = QGraphicsRectItem(
                centre.x() - width / 2 + SEAT_RADIUS,
                centre.y() - height / 2,
                width - 2 * SEAT_RADIUS,
                height,
            )
            item.setPen(pen)
            item.setBrush(brush)
            self.addItem(item)
        item.setZValue(0)
        label = self.addSimpleText(f"Table {table}", _font(11, bold=True))
        label.setBrush(QBrush(QColor("#5a4526")))
        box = label.boundingRect()
        label.setPos(centre.x() - box.width() / 2, centre.y() - box.height() / 2)
        label.setZValue(1)

    def _seat(
        self,
        seat: SeatRef,
        centre: QPointF,
        movable: bool,
        on_drop: Dropped | None,
        ringed: dict[str, str],
    ) -> None:
        x, y = self.chart.layout.position(seat)
        point = QPointF(centre.x() + x * UNIT, centre.y() + y * UNIT)
        self.seat_at[seat] = point
        r = SEAT_RADIUS
        chair = QGraphicsEllipseItem(point.x() - r, point.y() - r, 2 * r, 2 * r)
        chair.setPen(QPen(QColor("#9aa5b1"), 1.5))
        chair.setBrush(QBrush(QColor("white")))
        chair.setZValue(1)
        self.addItem(chair)
        number = self.addSimpleText(str(seat.seat), _font(6.5))
        number.setBrush(QBrush(QColor("#9aa5b1")))
        number.setPos(point.x() - number.boundingRect().width() / 2, point.y() + r - 1)
        who = self.chart.who(seat)
        if who is None:
            return
        side = self.chart.party.by_id[who].side
        token = Token(who, seat, point, _FILL.get(side, _GUEST_FILL))
        why = self.chart.reasons.get(who)
        said = f"precedence {self.chart.party.place[who]}" + (f": {why}" if why else "")
        token.setToolTip(f"{self.chart.name(who)}, {said}")  # the reason for the place
        if who in ringed:
            token.ring(ringed[who])
        if movable:
            token.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable)
            token.on_drop = on_drop
            token.find_seat = self.nearest_seat
        self.addItem(token)
        self.tokens[who] = token
        self._name(who, point, x, y, self.chart.layout.tables[seat.table - 1].shape == "long")

    def _name(self, who: str, point: QPointF, x: float, y: float, long: bool) -> None:
        """The name outside the table, beside its seat, reading away from the table; along
        the sides of a long table, slanted so that neighbours' names do not overlap."""
        text = QGraphicsSimpleTextItem(self.chart.name(who))
        text.setFont(_font(8))
        text.setZValue(3)
        box = text.boundingRect()
        gap = SEAT_RADIUS + 4
        if long and abs(y) >= 0.9:  # a side seat: slanted up (far side) or down (near side)
            slant = -SLANT if y < 0 else SLANT
            text.setRotation(slant)
            lift = -box.height() / 2
            text.setPos(
                point.x() + lift * math.sin(math.radians(-slant)) + 2,
                point.y() + (-gap if y < 0 else gap) + lift,
            )
            self.addItem(text)
            return
        angle = math.atan2(y, x) if (x or y) else -math.pi / 2
        tx = point.x() + gap * math.cos(angle)
        ty = point.y() + gap * math.sin(angle)
        if abs(math.cos(angle)) < 0.3:  # above or below: centred
            tx -= box.width() / 2
            ty -= box.height() if math.sin(angle) < 0 else 0
        else:
            tx -= box.width() if math.cos(angle) < 0 else 0
            ty -= box.height() / 2
        text.setPos(tx, ty)
        self.addItem(text)

    def nearest_seat(self, point: QPointF) -> SeatRef | None:
        """The seat nearest `point`, if one is within two seat radii of it."""
        best = min(
            self.seat_at.items(),
            key=lambda item: (item[1].x() - point.x()) ** 2 + (item[1].y() - point.y()) ** 2,
        )
        distance = math.hypot(best[1].x() - point.x(), best[1].y() - point.y())
        return best[0] if distance <= 2 * SEAT_RADIUS else None
