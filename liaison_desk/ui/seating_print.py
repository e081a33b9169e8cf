"""A seating plan on paper: the table plan (the scene, four tables a page) and place cards
(ten a page, each name once), as PDFs with the plan's marking at the top and foot of every
page. Written into memory like the reports (`ui.reports`): the caller writes the bytes
atomically, so no plaintext page lands in a temporary file.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QLineF,
    QRectF,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPen,
)

from liaison_desk.core.seating_plan import Chart
from liaison_desk.ui.markings_style import colour
from liaison_desk.ui.reports import DPI, a4_writer, ensure_app, pdf_font
from liaison_desk.ui.seating_scene import COLUMNS, SeatingScene

MARGIN_MM = 15.0
TABLE_ROWS_A_PAGE = 2
CARD_COLUMNS, CARD_ROWS = 2, 5
_MM_PER_INCH = 25.4

Painter = Callable[[QPainter, QRectF, int], None]  # paints page n into the body


def _fitting(painter: QPainter, name: str, width: float) -> QFont:
    """The card's bold font, as large as lets the name fit on one line (17 pt down to 8)."""
    points = 17.0
    while points > 8:
        font = pdf_font(points, bold=True)
        if QFontMetricsF(font, painter.device()).horizontalAdvance(name) <= width:
            return font
        points -= 0.5
    return pdf_font(points, bold=True)


def _pt(points: float) -> float:
    return points * DPI / 72


def _frame(
    painter: QPainter, page: QRectF, body: QRectF, chart: Chart, title: str, n: int, pages: int
) -> None:
    """The marking at the top and foot, the title and the page count."""
    marking = chart.marking
    painter.setPen(QPen(QColor(colour(marking, ()))))
    painter.setFont(pdf_font(11, bold=True))
    header = QRectF(body.left(), page.top() + _pt(14), body.width(), _pt(16))
    footer = QRectF(body.left(), body.bottom() + _pt(8), body.width(), _pt(16))
    painter.drawText(header, Qt.AlignmentFlag.AlignCenter, marking)
    painter.drawText(footer, Qt.AlignmentFlag.AlignCenter, marking)
    painter.setPen(QPen(QColor("#9aa5b1"), _pt(0.5)))
    for y in (header.bottom() + _pt(2), footer.top() - _pt(2)):
        painter.drawLine(QLineF(body.left(), y, body.right(), y))
    painter.setPen(QPen(QColor("#555555")))
    small = pdf_font(7.5)
    painter.setFont(small)
    room = body.width() / 2 - _pt(40)
    left = QFontMetricsF(small, painter.device()).elidedText(
        f"{title} · {chart.meeting.title}", Qt.TextElideMode.ElideMiddle, room
    )
    painter.drawText(footer, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, left)
    painter.drawText(
        footer, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Page {n} of {pages}"
    )


def _pdf(chart: Chart, title: str, pages: int, paint: Painter) -> tuple[bytes, int]:
    ensure_app()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = a4_writer(buffer, f"{title}: {chart.meeting.title} ({chart.marking})")
    margin = MARGIN_MM * DPI / _MM_PER_INCH
    page = QRectF(0, 0, writer.width(), writer.height())
    body = page.adjusted(margin, margin + _pt(22), -margin, -margin - _pt(22))
    painter = QPainter(writer)
    try:
        for n in range(pages):
            if n:
                writer.newPage()
            _frame(painter, page, body, chart, title, n + 1, pages)
            paint(painter, body, n)
    finally:
        painter.end()
        buffer.close()
    return bytes(data.data()), pages


def plan_pdf(chart: Chart) -> tuple[bytes, int]:
    """The table plan: the tables as drawn on screen, two rows of them a page."""
    ensure_app()
    scene = SeatingScene(chart)
    rows = [scene.table_rects[i : i + COLUMNS] for i in range(0, len(scene.table_rects), COLUMNS)]
    per_page = [rows[i : i + TABLE_ROWS_A_PAGE] for i in range(0, len(rows), TABLE_ROWS_A_PAGE)]

    def paint(painter: QPainter, body: QRectF, n: int) -> None:
        painter.setPen(QPen(QColor("#1f3b57")))
        painter.setFont(pdf_font(14, bold=True))
        heading = QRectF(body.left(), body.top(), body.width(), _pt(22))
        painter.drawText(
            heading, Qt.AlignmentFlag.AlignLeft, f"Seating plan: {chart.meeting.title}"
        )
        area = body.adjusted(0, _pt(28), 0, 0)
        source = QRectF(per_page[n][0][0])
        for rect in (r for row in per_page[n] for r in row):
            source = source.united(rect)
        scale = min(area.width() / source.width(), area.height() / source.height())
        target = QRectF(area.left(), area.top(), source.width() * scale, source.height() * scale)
        scene.render(painter, target, source)

    return _pdf(chart, "Seating plan", len(per_page), paint)


def place_cards_pdf(chart: Chart) -> tuple[bytes, int]:
    """A card for everyone seated, table by table: the name large, the table and seat below."""
    seated = sorted(chart.seats.items())
    per_page = CARD_COLUMNS * CARD_ROWS
    pages = max(1, -(-len(seated) // per_page))

    def paint(painter: QPainter, body: QRectF, n: int) -> None:
        width, height = body.width() / CARD_COLUMNS, body.height() / CARD_ROWS
        for i, (seat, who) in enumerate(seated[n * per_page : (n + 1) * per_page]):
            row, column = divmod(i, CARD_COLUMNS)
            card = QRectF(body.left() + column * width, body.top() + row * height, width, height)
            inner = card.adjusted(_pt(6), _pt(6), -_pt(6), -_pt(6))
            painter.setPen(QPen(QColor("#9aa5b1"), _pt(0.5), Qt.PenStyle.DashLine))
            painter.drawRect(card)
            painter.setPen(QPen(QColor("black")))
            name = chart.name(who)
            painter.setFont(_fitting(painter, name, inner.width()))
            painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, name)
            painter.setPen(QPen(QColor("#555555")))
            painter.setFont(pdf_font(7.5))
            painter.drawText(
                inner,
                Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                f"Table {seat.table} · seat {seat.seat}",
            )

    return _pdf(chart, "Place cards", pages, paint)
