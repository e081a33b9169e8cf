"""Charts of engagements per month (`core.timelines`), drawn with pyqtgraph.

pyqtgraph draws with Qt's own painter on a QGraphicsView, so it needs nothing
beyond QtWidgets (no web engine, no QtCharts add-on the packaged build leaves
out), and the same chart is a widget on screen and an image in the PDF brief:
`chart_image` paints the chart's scene into an image at the PDF's resolution,
so lines and text stay sharp on paper. One series is drawn as bars, several as
lines with a legend (HQ's stations).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QVBoxLayout, QWidget

from liaison_desk.core.timelines import Timeline

# Distinct on screen and in greyscale print: the report's blue first.
COLOURS = ("#2e6f9e", "#c0392b", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#7f8c8d")
TEXT = "#333333"
AXIS = "#888888"
TITLE = "#1f3b57"


def month_label(month: str) -> str:
    """ "2026-03" as the axis shows it: "Mar 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1).strftime("%b %Y")


def plot_of(timeline: Timeline) -> Any:
    """The timeline as pyqtgraph's plot item: bars for one series, lines for several."""
    plot = pg.PlotItem()
    plot.setTitle(timeline.title, color=TITLE, size="11pt")
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTextPen(TEXT)
        axis.setPen(AXIS)
    x = list(range(len(timeline.months)))
    if len(timeline.series) == 1:
        (series,) = timeline.series
        bars = pg.BarGraphItem(
            x=x, height=list(series.counts), width=0.7, brush=COLOURS[0], pen=pg.mkPen(None)
        )
        plot.addItem(bars)
    else:
        plot.addLegend(offset=(8, 8), labelTextColor=TEXT, labelTextSize="9pt")
        for n, series in enumerate(timeline.series):
            colour = COLOURS[n % len(COLOURS)]
            plot.plot(
                x,
                list(series.counts),
                pen=pg.mkPen(colour, width=2),
                symbol="o",
                symbolSize=5,
                symbolBrush=colour,
                symbolPen=pg.mkPen(None),
                name=series.name,
            )
    step = max(1, len(x) // 8)
    labels = [(i, month_label(m)) for i, m in enumerate(timeline.months) if i % step == 0]
    plot.getAxis("bottom").setTicks([labels])
    top = max((max(s.counts, default=0) for s in timeline.series), default=0)
    plot.getAxis("left").setTickSpacing(major=max(1, -(-top // 5)), minor=1)
    plot.setXRange(-0.6, len(x) - 0.4, padding=0)
    plot.setYRange(0, max(top, 1) * 1.12, padding=0)
    return plot


class TimelineChart(QWidget):
    """A timeline's counts month by month, with the months named under their bars."""

    def __init__(self, timeline: Timeline, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.setObjectName("timelineChart")
        self.setAccessibleName(timeline.title)
        self.setToolTip(f"{timeline.title}: {timeline.total} in {len(timeline.months)} months")
        self.plot = pg.PlotWidget(self, background="w", plotItem=plot_of(timeline))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)


def chart_image(timeline: Timeline, width: int = 760, height: int = 230, scale: int = 3) -> QImage:
    """The chart as an image `scale` times its size on screen (for the PDF brief).

    The plot is laid out at its screen size in a view shown off screen (a bare view, with
    no layout of ours, so the offscreen platform has no size hints to warn about); the
    events its axes post while they size themselves to their labels are delivered at
    once, without running the event loop. Then its scene is painted into the larger
    image: lines and text are drawn at the image's resolution.
    """
    view = pg.PlotWidget(background="w", plotItem=plot_of(timeline))
    try:
        view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        view.resize(width, height)
        view.show()
        QCoreApplication.sendPostedEvents()
        image = QImage(width * scale, height * scale, QImage.Format.Format_RGB32)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        try:
            source = view.mapToScene(view.viewport().rect()).boundingRect()
            view.scene().render(painter, QRectF(image.rect()), source)
        finally:
            painter.end()
        return image
    finally:
        view.close()
        view.deleteLater()
