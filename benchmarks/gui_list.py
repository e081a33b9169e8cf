"""gui.py's figure 2: opening the Contacts list of a 100k-contact vault, and its paging checks.

From creating the Contacts `RecordSection` to the first paint of its table with rows in it,
beside the SELECT `Store.list` runs for that first page timed on the vault's worker thread;
then the last opening scrolled to the bottom twice. Checked, not only timed: the list counts
every contact, an opening fetches at most 1,000 rows, each scroll fetches one more page and
nothing twice, and the rows shown are the first ones `Store.list` gives, in its order. gui.py's
docstring says how each is measured.

Like gui.py, this module imports only the standard library (and the benchmarks' own helpers)
at module level: gui.py's children import it before their PySide6 and liaison_desk imports.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gui_child import on_worker, pump, wait_for
from report import Row, check, log, ms, ratio, verdict

if TYPE_CHECKING:
    from liaison_desk.core.vault import Vault
    from liaison_desk.ui.session import Session

SETTLE_S = 0.3  # events processed after a list is shown, before rows_fetched is read
LIST_SIZE = (1030, 700)  # the section's share of the default 1200x760 main window
MIN_CONTACTS = 1_000  # more than the three pages the list checks scroll through


def bench_list(session: Session, runs: int, contacts: int) -> list[Row]:
    from PySide6.QtCore import QCoreApplication, QEvent, QObject

    from liaison_desk.core.kinds import CONTACT
    from liaison_desk.ui.record_fields import annotate_contacts
    from liaison_desk.ui.record_model import PAGE_SIZE, SPECS
    from liaison_desk.ui.record_section import RecordSection

    spec = next(s for s in SPECS if s.title == "Contacts")

    class PaintWatch(QObject):
        """Notes when the table's viewport is painted with rows in the model."""

        def __init__(self, section: RecordSection) -> None:
            super().__init__()
            self.section = section
            self.painted = False
            self.loaded_at = 0.0
            section.model.loaded.connect(self._loaded)

        def _loaded(self) -> None:
            self.loaded_at = self.loaded_at or time.perf_counter()

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and self.section.model.rowCount() > 0:
                self.painted = True
            return False

    @dataclass
    class Opened:
        built: float
        shown: float
        loaded: float
        rows: int
        fetched: int
        total: int

    @dataclass
    class Scrolled:
        seconds: list[float]  # scrollToBottom to the next page in the model, each time
        rows: list[int]  # rows in the model: at first, then after each scroll
        fetched: int
        ids: list[str]

    def scroll_twice(section: RecordSection) -> Scrolled:
        """Scroll to the bottom twice; the view asks the model for one more page each time."""
        model = section.model
        rows = [model.rowCount()]
        seconds: list[float] = []
        for _ in range(2):
            start = time.perf_counter()
            section.table.scrollToBottom()
            wait_for(lambda n=rows[-1]: model.rowCount() > n, "a page after scrolling down")
            seconds.append(time.perf_counter() - start)
            pump(SETTLE_S)  # would it fetch more than one page?
            rows.append(model.rowCount())
        ids = [model.record_at(r).id for r in range(model.rowCount())]
        return Scrolled(seconds, rows, model.rows_fetched, ids)

    def open_section(scroll: list[Scrolled] | None = None) -> Opened:
        start = time.perf_counter()
        section = RecordSection(session, spec)
        built = time.perf_counter() - start
        watch = PaintWatch(section)
        section.table.viewport().installEventFilter(watch)
        section.resize(*LIST_SIZE)
        section.show()
        wait_for(lambda: watch.painted, "the first page of 100k contacts on screen")
        shown = time.perf_counter() - start
        pump(SETTLE_S)  # would the view ask for more pages on its own?
        opened = Opened(
            built,
            shown,
            watch.loaded_at - start,
            section.model.rowCount(),
            section.model.rows_fetched,
            section.model.total,
        )
        section.table.viewport().removeEventFilter(watch)
        if scroll is not None:
            scroll.append(scroll_twice(section))
            query = replace(section.model.query, offset=0, limit=len(scroll[-1].ids))
            listed = on_worker(session, lambda v: v.store.list(CONTACT.cls, query), "Store.list")
            in_order.append([r.id for r in listed] == scroll[-1].ids)
        section.close()
        section.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        pump(0.05)
        return opened

    sql = (
        f"SELECT {CONTACT.columns()} FROM contacts WHERE deleted = 0 "
        "ORDER BY full_name COLLATE NOCASE, id LIMIT ? OFFSET ?"
    )

    def worker_parts(vault: Vault) -> tuple[float, float, float, float]:
        start = time.perf_counter()
        vault.conn.execute(sql, (PAGE_SIZE, 0)).fetchall()
        sql_s = time.perf_counter() - start
        query = replace(spec.query, limit=PAGE_SIZE, offset=0)
        start = time.perf_counter()
        records = vault.store.list(CONTACT.cls, query)
        page_s = time.perf_counter() - start
        start = time.perf_counter()
        vault.store.count(CONTACT.cls, query)
        count_s = time.perf_counter() - start
        start = time.perf_counter()
        annotate_contacts(vault, records)
        annotate_s = time.perf_counter() - start
        return sql_s, page_s, count_s, annotate_s

    log("list: first opening after the unlock")
    in_order: list[bool] = []
    scrolled: list[Scrolled] = []
    cold = open_section()
    gui: list[Opened] = []
    parts: list[tuple[float, float, float, float]] = []
    for i in range(runs):
        scroll = scrolled if i == runs - 1 else None
        if i % 2:
            parts.append(on_worker(session, worker_parts, "the page SQL"))
            gui.append(open_section(scroll))
        else:
            gui.append(open_section(scroll))
            parts.append(on_worker(session, worker_parts, "the page SQL"))
        log(f"  run {i + 1}: shown in {ms(gui[-1].shown)}, SQL {ms(parts[-1][0])}")
    scroll = scrolled[0]
    pages = [b - a for a, b in zip(scroll.rows, scroll.rows[1:], strict=False)]

    shown = statistics.median(g.shown for g in gui)
    loaded = statistics.median(g.loaded for g in gui)
    built = statistics.median(g.built for g in gui)
    sql_s, page_s, count_s, annotate_s = (statistics.median(p[i] for p in parts) for i in range(4))
    fetched = max(g.fetched for g in (cold, *gui))
    total = gui[-1].total
    return [
        Row(
            f"2. open Contacts ({total:,}): new RecordSection to first paint with rows, "
            f"median of {runs}",
            ms(shown),
            ms(sql_s),
            ratio(shown, sql_s),
            "< 300 ms",
            verdict(shown < 0.300),
        ),
        Row(
            f"   rows fetched, most of any opening (after {SETTLE_S * 1000:.0f} ms of events)",
            f"{fetched:,}",
            "-",
            "-",
            "<= 1,000",
            check(fetched <= 1000),
        ),
        Row("   of which: the RecordSection() constructor (GUI thread)", ms(built)),
        Row("   of which: to the page in the model (loaded signal)", ms(loaded)),
        Row(
            f"   worker: Store.list page ({PAGE_SIZE} Contact records, SQL included)",
            ms(page_s),
            ms(sql_s),
            ratio(page_s, sql_s),
        ),
        Row("   worker: count(*) for the total", ms(count_s)),
        Row("   worker: annotate_contacts (last contact, organization)", ms(annotate_s)),
        Row(
            "   first opening after unlock (cold SQLite cache): shown / page loaded",
            f"{ms(cold.shown)} / {ms(cold.loaded)}",
        ),
        Row(
            "   scroll to the bottom twice: rows in the model, rows fetched",
            f"{' -> '.join(f'{n:,}' for n in scroll.rows)}, {scroll.fetched:,}",
            "-",
            "-",
            f"+{PAGE_SIZE} each, none twice",
            check(pages == [PAGE_SIZE] * 2 and scroll.fetched == scroll.rows[-1]),
        ),
        Row(
            f"   the list counts all {contacts:,} contacts; its rows are Store.list's, in order",
            "yes" if in_order == [True] and total == contacts else "no",
            "-",
            "-",
            "yes",
            check(in_order == [True] and total == contacts),
        ),
        Row(
            "   scrollToBottom to the next page in the model, median of 2",
            ms(statistics.median(scroll.seconds)),
        ),
    ]
