"""Render the main screens of a demo vault to docs/screenshots/*.png.

make screenshots    # under Xvfb with Qt's real xcb platform, as people see it

Run alone (.venv/bin/python scripts/screenshots.py) it falls back to offscreen.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication, QWidget

from liaison_desk.core import relations
from liaison_desk.core.brief import brief_of, charts_of
from liaison_desk.core.contact_details import details_of, save_details
from liaison_desk.core.demo import create_demo_vault
from liaison_desk.core.gifts import add_gift
from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import preview
from liaison_desk.core.interop.report_data import meeting_report, period_report
from liaison_desk.core.interop.vcard import CardFile, parse_vcards
from liaison_desk.core.interop.vcard_writer import write_card
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import (
    Contact,
    ContactPoint,
    FollowUp,
    Gift,
    Meeting,
    Participant,
)
from liaison_desk.core.seating_layout import SeatRef
from liaison_desk.core.seating_plan import make_plan
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.sync import enrol
from liaison_desk.sync.exchange import export_bundle
from liaison_desk.sync.importing import import_bundle
from liaison_desk.sync.own_identity import load_identity
from liaison_desk.ui.app import UnlockDialog, application
from liaison_desk.ui.brief_document import render_brief_page
from liaison_desk.ui.first_run import FirstRunWizard
from liaison_desk.ui.import_preview import ContactPreviewDialog
from liaison_desk.ui.main_window import MainWindow
from liaison_desk.ui.reports import render_page_image
from liaison_desk.ui.runner import Runner
from liaison_desk.ui.search_dialog import SearchDialog
from liaison_desk.ui.seating_view import SeatingWindow
from liaison_desk.ui.session import Session
from liaison_desk.ui.station_charts import activity_dialog, station_activity
from liaison_desk.ui.trash_dialog import TrashDialog

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def settle(app: QApplication, runner: Runner, until: Callable[[], bool] = lambda: True) -> None:
    """Let queued vault work and repaints finish (bounded: never hang a build)."""
    deadline = time.monotonic() + 20
    quiet = 0
    while time.monotonic() < deadline and quiet < 5:
        app.processEvents()
        time.sleep(0.02)
        quiet = quiet + 1 if not runner.busy and until() else 0


def shoot(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(OUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def save(image: QImage, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    image.save(str(OUT / f"{name}.png"))
    print(f"wrote docs/screenshots/{name}.png")


def shoot_reports(vault: Vault) -> None:
    """Page 1 of the meeting and period reports, painted exactly as in the PDF."""
    store = vault.store
    recent = store.list(Meeting, ListQuery(limit=300, descending=True))
    chosen = max(
        recent,
        key=lambda m: (
            store.count(FollowUp, ListQuery(where={"meeting_id": m.id, "status": "open"})),
            len(relations.participants(store, m.id)),
            len(m.notes or ""),
        ),
    )
    save(render_page_image(meeting_report(vault, chosen.id)), "report-meeting")
    country = relations.participants(store, chosen.id)[0].contact.country or "FR"
    end = datetime.fromisoformat(chosen.starts_at.replace("Z", "+00:00")).date()
    report = period_report(
        vault, start=(end - timedelta(days=120)).isoformat(), end=end.isoformat(), country=country
    )
    save(render_page_image(report), "report-period")


def briefed(vault: Vault) -> str:
    """The demo contact a brief shows best: met most often, with follow-ups open both ways."""
    row = vault.conn.execute(
        "SELECT p.contact_id FROM participants p JOIN meetings m ON m.id = p.meeting_id "
        "JOIN contacts c ON c.id = p.contact_id WHERE m.summary IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM followups f, json_each(f.contact_ids) j WHERE "
        "j.value = p.contact_id AND f.status = 'open' AND f.owner IS NULL) "
        "GROUP BY p.contact_id ORDER BY count(*) DESC, c.full_name LIMIT 1"
    ).fetchone()
    return str(row[0])


def shoot_brief(vault: Vault, contact_id: str) -> None:
    """Page 1 of a demo contact's brief, painted exactly as in its PDF."""
    name = vault.store.get(Contact, contact_id).full_name
    owed = FollowUp(action="Comments on our paper on the staff talks", owner=name)
    vault.store.add(dataclasses.replace(owed, contact_ids=(contact_id,)))
    for direction, what, value, day in (
        ("received", "Framed print of the embassy", "320", "2026-07-01"),
        ("given", "Regimental plaque", "45", "2026-03-12"),
    ):
        add_gift(
            vault.store,
            Gift(
                direction=direction,
                description=what,
                value=value,
                currency="EUR",
                exchanged_on=day,
                contact_ids=(contact_id,),
                occasion="National day reception" if direction == "received" else None,
            ),
        )
    brief = brief_of(vault, "contact", contact_id)
    save(render_brief_page(brief, charts_of(vault, brief)), "brief")


class MonthClock:
    """A clock HQ and its stations share, moved on a month at a time."""

    def __init__(self) -> None:
        self.at = datetime(2025, 1, 6, 9, tzinfo=UTC)

    def now_ms(self) -> int:
        return int(self.at.timestamp() * 1000)


def shoot_station_activity(app: QApplication, runner: Runner, root: Path) -> None:
    """HQ's charts: three stations, each recording meetings and sending a bundle a month."""
    clock = MonthClock()
    make = KdfParams.floor()
    hq = Vault.create(
        root / "hq",
        "quartz lantern meadow harbour seven",
        name="HQ",
        role="hq",
        kdf=make,
        clock=clock,
    )[0]
    posts = {"Paris": 9, "Nairobi": 4, "Tokyo": 6}
    stations = {}
    for name in posts:
        station = Vault.create(
            root / name,
            "amber saddle glacier violet nine",
            name=name,
            role="station",
            kdf=make,
            clock=clock,
        )[0]
        request = enrol.write_request(load_identity(station.conn), clock)
        enrol.accept(station, enrol.approve(hq, request)[1])
        stations[name] = station
    hq_id = load_identity(hq.conn).fingerprint
    (root / "usb").mkdir()
    for month in range(17):
        clock.at = datetime(2025, 1, 6, 9, tzinfo=UTC) + timedelta(days=30.5 * month)
        sends = {"Paris": 2 + month % 2, "Nairobi": 0 if month % 3 == 1 else 1, "Tokyo": 1}
        for name, station in stations.items():
            store = station.store
            guest = store.add(Contact(full_name=f"Guest of {name} {month}"))
            for n in range(posts[name] + (month * 7 + len(name)) % 5):
                when = clock.at - timedelta(days=n * 2)
                meeting = store.add(Meeting(title=f"Talks {n}", starts_at=when.isoformat()))
                store.add(Participant(meeting_id=meeting.id, contact_id=guest.id))
            for _ in range(sends[name]):  # Nairobi's courier misses a month in three
                import_bundle(hq, export_bundle(station, hq_id, root / "usb").path)
    timelines = station_activity(hq)
    owner = QWidget()  # kept alive while its dialog is shown
    dialog = activity_dialog(timelines, owner)
    dialog.resize(1000, 700)
    dialog.show()
    settle(app, runner)
    shoot(dialog, "station-activity")
    dialog.close()
    for vault in (hq, *stations.values()):
        vault.lock()


def make_rich(vault: Vault, contact_id: str) -> None:
    """The issue's example on a demo contact: three phones, two addresses, two postings and a
    spouse (the demo gave them two phones, the postings and the spouse), and a fuller identity."""
    store = vault.store
    held = details_of(store, contact_id)
    fax = ContactPoint(contact_id="", channel="phone", label="fax", value="+91 11 2301 9956")
    offices = ContactPoint(
        contact_id="",
        channel="address",
        label="work",
        street="South Block",
        extended="Room 112",
        postcode="110011",
        locality="New Delhi",
        country="India",
    )
    home = ContactPoint(
        contact_id="",
        channel="address",
        label="home",
        street="14 Prithviraj Road",
        postcode="110011",
        locality="New Delhi",
        country="India",
    )
    points = [p for p in held.points if p.channel == "phone"] + [fax]
    points += [p for p in held.points if p.channel != "phone"] + [offices, home]
    with store.transaction():
        save_details(store, contact_id, dataclasses.replace(held, points=tuple(points)))
        store.update(
            Contact,
            contact_id,
            {
                "given_name": "Aarav",
                "family_name": "Bhatt",
                "languages": ("hi:native", "en:C2", "fr:B1"),
                "birthday": "1979-08-23",
            },
        )


def make_dinner(vault: Vault) -> str:
    """A national-day dinner of 26 demo people at three round tables: the two hosts of the
    most common nation, guests of every other nation in turn; two kept apart."""
    store = vault.store
    people = store.list(Contact, ListQuery(limit=2000))
    nations: dict[str, list[Contact]] = {}
    for person in people:
        nations.setdefault(person.country or "", []).append(person)
    home = max(nations, key=lambda c: len(nations[c]))
    hosts = nations.pop(home)[:2]
    rows = [group for _, group in sorted(nations.items())]
    guests = [group[i] for i in range(8) for group in rows if i < len(group)][:24]
    roles = {h.id: "host" for h in hosts} | {g.id: "guest" for g in guests}
    meeting = save_meeting(
        store,
        None,
        {
            "title": "National day dinner",
            "starts_at": "2026-07-14T18:30Z",
            "kind": "dinner",
            "place": "The Residence",
        },
        add_people=list(roles),
        roles=roles,
    )
    make_plan(store, meeting.id, "3x10", apart=[(guests[2].id, guests[3].id)])
    return meeting.id


def shoot_seating(app: QApplication, runner: Runner, window: MainWindow, meeting_id: str) -> None:
    """The seating plan window after the principal guest was dragged to table 3."""
    seating = SeatingWindow(window.session, meeting_id, window)
    seating.resize(1280, 860)
    seating.show()
    settle(app, runner, lambda: seating.chart is not None)
    chart = seating.chart
    assert chart is not None
    principal = chart.who(SeatRef(1, 2))
    if principal is not None:
        seating.seat_guest(principal, SeatRef(3, 2))
        settle(app, runner, lambda: "Moving" in seating.last_move.text())
    shoot(seating, "seating")
    seating.close()


def shoot_contact_editor(app: QApplication, runner: Runner, window: MainWindow) -> None:
    """The contact editor's tabs side by side, for the first contact of the list."""
    contacts = window.sections[0]
    window.open_section(contacts)
    settle(app, runner, lambda: contacts.model.rowCount() > 0)
    contacts.table.selectRow(0)
    settle(app, runner)
    contacts.edit_record()
    settle(app, runner, lambda: contacts.stack.currentWidget() is contacts.editor)
    tabs = contacts.editor.tabs
    assert tabs is not None
    pages = []
    for index in range(4):  # Identity, Reach, Career, People: the notes are the usual ones
        tabs.setCurrentIndex(index)
        settle(app, runner)
        pages.append(contacts.editor.grab().toImage())
    gap = 16
    width = sum(p.width() for p in pages) + gap * (len(pages) - 1)
    sheet = QImage(width, max(p.height() for p in pages), QImage.Format.Format_RGB32)
    sheet.fill(window.palette().window().color())
    painter = QPainter(sheet)
    left = 0
    for page in pages:
        painter.drawImage(left, 0, page)
        left += page.width() + gap
    painter.end()
    save(sheet, "contact-editor")
    contacts.discard_changes()
    settle(app, runner)


def shoot_brief_window(
    app: QApplication, runner: Runner, window: MainWindow, contact_id: str
) -> None:
    """The Brief window of the contact `shoot_brief` printed, opened by its button."""
    contacts = window.sections[0]
    window.open_section(contacts)
    window.open_record("contact", contact_id)
    settle(app, runner, contacts.brief_button.isEnabled)
    contacts.brief_button.click()
    settle(app, runner, lambda: contacts.brief_button.dialog is not None)
    dialog = contacts.brief_button.dialog
    if dialog is not None:
        settle(app, runner, lambda: len(dialog.charts) == 2)
        dialog.resize(1000, 820)
        settle(app, runner)
        shoot(dialog, "brief-window")
        dialog.close()


def import_cards(vault: Vault) -> CardFile:
    """Cards as a phone would hand them over: some people already in the vault, some new."""
    known = vcard_bytes(vault.store, ListQuery(where={"country": "DE"}))[0].decode()
    seen: set[tuple[str, ...]] = set()
    cards = []
    for card in parse_vcards(known, "phone.vcf").cards:
        if card.emails not in seen and len(cards) < 6:
            seen.add(card.emails)
            cards.append(dataclasses.replace(card, uid=None))
    new = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Mwangi;Wanjiru;;;\r\nFN:Wanjiru Mwangi\r\n"
        "ORG:Kenya Defence Forces;Navy\r\nEMAIL:wanjiru.mwangi@mod.example.ke\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Watanabe;Yui;;;\r\nFN:Yui Watanabe\r\n"
        "ORG:Japan Maritime Self-Defense Force\r\nEMAIL:yui.watanabe@mod.example.jp\r\n"
        "END:VCARD\r\n"
    )
    text = (
        "".join(write_card(card) for card in cards[:3])
        + new
        + "".join(write_card(card) for card in cards[3:])
    )
    return parse_vcards(text, "phone-contacts.vcf")


def main() -> int:
    app = application(sys.argv[:1])
    runner = Runner("screenshots")
    with tempfile.TemporaryDirectory() as tmp:
        vault, _ = create_demo_vault(Path(tmp) / "demo")
        first = vault.store.list(Contact, ListQuery(limit=1))[0]
        make_rich(vault, first.id)
        dinner = make_dinner(vault)
        shoot_reports(vault)
        briefed_id = briefed(vault)
        shoot_brief(vault, briefed_id)
        found = preview(vault.store, import_cards(vault))
        session = Session(Path(tmp) / "demo", runner, demo=True)
        session.open(lambda: vault, lambda _: None, lambda e: print(e.message), session)
        settle(app, runner, lambda: session.is_unlocked)
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(session, settings)
        window.resize(1280, 800)
        window.show()
        settle(
            app,
            runner,
            lambda: window.today_section is not None and window.today_section.desk is not None,
        )
        shoot(window, "today")
        names = ("contacts", "organizations", "meetings", "followups", "protocol")
        for row, name in enumerate(names):
            section = window.sections[row]
            window.open_section(section)
            settle(app, runner, lambda s=section: s.model.rowCount() > 0)
            first = section.model.record_at(0)
            if first is not None:
                section.open_record(first.id)
            settle(app, runner)
            shoot(window, name)
        if window.sync_section is not None:  # the demo station's enrolment steps
            window.open_section(window.sync_section)
        settle(
            app,
            runner,
            lambda: window.sync_section is not None and window.sync_section.state is not None,
        )
        shoot(window, "sync")
        meetings = window.sections[2]
        window.open_section(meetings)
        settle(app, runner, lambda: meetings.model.rowCount() > 0)
        meetings.table.selectRow(0)
        settle(app, runner)
        meetings.edit_record()
        settle(app, runner, lambda: meetings.stack.currentWidget() is meetings.editor)
        shoot(window, "meeting-editor")
        meetings.discard_changes()
        settle(app, runner)
        shoot_contact_editor(app, runner, window)
        shoot_seating(app, runner, window, dinner)
        shoot_brief_window(app, runner, window, briefed_id)
        window.open_section(window.sections[0])
        window.open_search()
        dialog = window.findChild(SearchDialog)
        if dialog is not None:
            dialog.resize(900, 560)
            dialog.box.setText("maritime secu")  # as typed: the last word a prefix
            settle(app, runner, lambda: dialog.results.rowCount() > 0)
            shoot(dialog, "search")
            dialog.close()
        contacts = window.sections[0]
        settle(app, runner, lambda: contacts.model.rowCount() > 3)
        gone = [r.id for r in map(contacts.model.record_at, (1, 2, 3)) if r is not None]
        deleted: list[None] = []
        session.write(  # three contacts to the trash, as an officer tidying up would
            "contact",
            lambda v: [v.store.delete(Contact, record_id) for record_id in gone] and None,
            deleted.append,
            window,
        )
        settle(app, runner, lambda: bool(deleted))
        window.edit_actions.open_trash()
        trash = window.findChild(TrashDialog)
        if trash is not None:
            settle(app, runner, lambda: trash.model.rowCount() > 0)
            shoot(trash, "trash")
            trash.close()
        dialog = ContactPreviewDialog(found, window)
        dialog.show()
        dialog.table.selectRow(1)
        dialog.set_selected("merge")
        dialog.table.clearSelection()
        settle(app, runner)
        shoot(dialog, "import-preview")
        dialog.close()
        window.lock()
        settle(app, runner)
        shoot(window, "locked")
        window.close()
        settle(app, runner)

        wizard = FirstRunWizard(Path(tmp) / "new", Path(tmp) / "demo2", runner, KdfParams.floor())
        wizard.resize(640, 480)
        wizard.show()
        settle(app, runner)
        shoot(wizard, "first-run")
        wizard.next()
        settle(app, runner)
        shoot(wizard, "first-run-passphrase")
        wizard.close()
        unlock = UnlockDialog(Session(Path(tmp) / "demo", runner))
        unlock.show()
        settle(app, runner)
        shoot(unlock, "unlock")
        unlock.close()
        shoot_station_activity(app, runner, Path(tmp) / "hq-world")
    runner.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
