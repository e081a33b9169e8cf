"""The charts drawn by pyqtgraph: bars for one series, lines and a legend for several, the same
chart as an image for the PDF, and HQ's station activity from its Sync section."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyqtgraph as pg
import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact
from liaison_desk.core.timelines import Series, Timeline, months_ending
from liaison_desk.ui.charts import TimelineChart, chart_image, month_label
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.session import Session
from liaison_desk.ui.sync_section import SyncSection
from tests.sync.helpers import enrol_station, exchange, make_vault

MONTHS = months_ending(date(2026, 5, 28), 6)
ONE = Timeline("Engagements with Anna Berg", MONTHS, (Series("Anna Berg", (0, 2, 0, 1, 0, 3)),))
TWO = Timeline(
    "Engagements recorded per station",
    MONTHS,
    (Series("Lagos", (1, 0, 0, 0, 2, 0)), Series("Paris", (0, 0, 4, 1, 0, 1))),
)


def test_one_series_is_drawn_as_a_bar_a_month_with_the_months_named(
    qtbot: QtBot,
) -> None:
    chart = TimelineChart(ONE)
    qtbot.addWidget(chart)
    chart.show()

    item = chart.plot.getPlotItem()
    (bars,) = [i for i in item.items if isinstance(i, pg.BarGraphItem)]
    assert list(bars.opts["height"]) == [0, 2, 0, 1, 0, 3]
    assert list(bars.opts["x"]) == list(range(6))
    ticks = item.getAxis("bottom")._tickLevels[0]
    assert [label for _, label in ticks] == [month_label(m) for m in MONTHS]
    assert item.titleLabel.text == "Engagements with Anna Berg"
    assert chart.toolTip() == "Engagements with Anna Berg: 6 in 6 months"


def test_several_series_are_lines_named_in_a_legend(qtbot: QtBot) -> None:
    chart = TimelineChart(TWO)
    qtbot.addWidget(chart)

    item = chart.plot.getPlotItem()
    lines = item.listDataItems()
    assert [line.name() for line in lines] == ["Lagos", "Paris"]
    assert [list(line.yData) for line in lines] == [[1, 0, 0, 0, 2, 0], [0, 0, 4, 1, 0, 1]]
    assert [label.text for _, label in item.legend.items] == ["Lagos", "Paris"]


def test_the_image_for_the_pdf_is_the_chart_at_three_times_its_size(qapp: object) -> None:
    image = chart_image(ONE, width=400, height=150, scale=3)

    assert (image.width(), image.height()) == (1200, 450)
    blue = sum(
        image.pixelColor(x, y).name() == "#2e6f9e"
        for x in range(0, 1200, 5)
        for y in range(0, 450, 5)
    )
    assert blue > 200  # the bars are drawn, not only the axes


def test_a_month_is_named_as_people_read_it() -> None:
    assert month_label("2026-03") == "Mar 2026"


@pytest.fixture
def hq_session(qtbot: QtBot, tmp_path: Path, qapp: object) -> Iterator[Session]:
    """HQ with Lagos enrolled, which recorded two meetings and sent them in one bundle."""
    hq = make_vault(tmp_path, "HQ", "hq")
    lagos = make_vault(tmp_path, "Lagos")
    enrol_station(hq, lagos)
    guest = lagos.store.add(Contact(full_name="Anna Berg"))
    for when in ("2026-04-10T09:00Z", "2026-05-10T09:00Z"):
        save_meeting(
            lagos.store, None, {"title": "Talks", "starts_at": when}, add_people=[guest.id]
        )
    exchange(lagos, hq, tmp_path / "usb")
    lagos.lock()
    runner = Runner("hq")
    session = Session(hq.path, runner)
    session.open(lambda: hq, lambda _: None, lambda e: pytest.fail(e.message), session)
    qtbot.waitUntil(lambda: session.is_unlocked)
    yield session
    session.lock()
    runner.shutdown()


def test_hq_sees_each_stations_engagements_and_bundles(qtbot: QtBot, hq_session: Session) -> None:
    section = SyncSection(hq_session)
    qtbot.addWidget(section)
    section.show()
    assert section.activity_button.isVisible()

    section.activity_button.click()
    qtbot.waitUntil(lambda: section.activity_button.dialog is not None)

    dialog = section.activity_button.dialog
    assert dialog is not None
    charts = dialog.findChildren(TimelineChart)
    engagements, bundles = (c.timeline for c in charts)
    assert {s.name: s.total for s in engagements.series} == {"Lagos": 2}
    assert {s.name: s.total for s in bundles.series} == {"Lagos": 1}
    assert engagements.months[-1] == "2026-05"
    dialog.close()
