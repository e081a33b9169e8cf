"""The rank picker in the contact editor: the nation's ranks offered, the code kept, free text
flagged "not mapped", and what the vault holds after a save."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from liaison_desk.core.ranks import rank_table
from liaison_desk.core.records import Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.ui.rank_field import RankField
from liaison_desk.ui.record_section import RecordSection
from liaison_desk.ui.session import Session
from tests.ui.test_record_section import CTRL, field, open_section, show_field, start_new
from tests.ui.vault_work import on_vault

# The completer's list is a popup window, which the offscreen platform cannot raise.
POPUP = pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")


def _picker(section: RecordSection) -> RankField:
    picker = section.editor.fields["rank"]
    assert isinstance(picker, RankField)
    return picker


def _new(qtbot: QtBot, section: RecordSection, name: str, country: str) -> RankField:
    start_new(qtbot, section)
    qtbot.keyClicks(field(section, "full_name"), name)
    qtbot.keyClicks(field(section, "country"), country)
    return _picker(section)


def _save(qtbot: QtBot, session: Session, section: RecordSection, name: str) -> Contact:
    with qtbot.waitSignal(section.saved):
        qtbot.keyClick(field(section, "full_name"), Qt.Key.Key_S, CTRL)
    found = on_vault(
        qtbot, session, lambda v: v.store.list(Contact, ListQuery(where={"full_name": name}))
    )
    return found[0]


@POPUP
def test_a_rank_picked_from_the_nation_s_list_keeps_its_code(
    qtbot: QtBot, session: Session
) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    picker = _new(qtbot, contacts, "Katrin Vogel", "de")
    offered = picker.completer.model().stringList()  # type: ignore[attr-defined]
    assert offered and all(", OF-" in o or ", OR-" in o or ", WO-" in o for o in offered)
    assert "Fregattenkapitän (Commander), navy, OF-4" in offered
    assert not any(o.endswith(", FR") for o in offered)  # the German ranks alone

    qtbot.keyClicks(picker.edit, "fregatten")
    popup = picker.completer.popup()
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    popup.setCurrentIndex(popup.model().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picker.edit.text() == "Fregattenkapitän"
    assert picker.status.text() == "OF-4"
    saved = _save(qtbot, session, contacts, "Katrin Vogel")
    assert (saved.rank, saved.rank_code) == ("Fregattenkapitän", "OF-4")


@POPUP
def test_a_name_of_two_ranks_maps_as_picked_and_free_text_is_not_mapped(
    qtbot: QtBot, session: Session
) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    picker = _new(qtbot, contacts, "John Doe", "US")
    qtbot.keyClicks(picker.edit, "Captain")
    assert picker.status.text() == "not mapped"  # OF-2 in the army, OF-5 in the navy
    assert "OF-5 or OF-2" in picker.status.toolTip()
    picker.completer.activated.emit("Captain, navy, OF-5")
    assert (picker.edit.text(), picker.status.text()) == ("Captain", "OF-5")
    saved = _save(qtbot, session, contacts, "John Doe")
    assert (saved.rank, saved.rank_code) == ("Captain", "OF-5")

    picker = _new(qtbot, contacts, "Ann Roe", "GB")
    qtbot.keyClicks(picker.edit, "Grand Poobah")
    assert picker.status.text() == "not mapped"
    saved = _save(qtbot, session, contacts, "Ann Roe")
    assert (saved.rank, saved.rank_code) == ("Grand Poobah", None)


@POPUP
def test_the_career_tab_takes_the_diplomatic_rank_and_the_accreditation(
    qtbot: QtBot, session: Session
) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    picker = _new(qtbot, contacts, "Helene Girard", "fr")
    qtbot.keyClicks(picker.edit, "capitaine de vaisseau")
    assert picker.status.text() == "OF-5"
    contacts.editor.fields["diplomatic_rank"].set("counsellor")
    show_field(contacts, "accredited_on")
    contacts.editor.fields["accredited_on"].set("2025-03-01")
    saved = _save(qtbot, session, contacts, "Helene Girard")
    assert (saved.rank_code, saved.diplomatic_rank, saved.accredited_on) == (
        "OF-5",
        "counsellor",
        "2025-03-01",
    )


def test_without_a_country_every_nation_s_ranks_are_offered_and_a_country_narrows_them(
    qtbot: QtBot, session: Session
) -> None:
    contacts = open_section(qtbot, session, "Contacts")
    start_new(qtbot, contacts)
    picker = _picker(contacts)
    offered = picker.completer.model().stringList()  # type: ignore[attr-defined]
    assert len(offered) == len(rank_table().ranks)
    assert "Capitaine de vaisseau (Captain), navy, OF-5, FR" in offered
    picker.completer.activated.emit("Colonel, army, OF-5, FR")
    assert picker.status.text() == "OF-5"
    qtbot.keyClicks(field(contacts, "country"), "kr")  # not in the table: every nation's still
    assert picker.status.text() == "OF-5"
    country = field(contacts, "country")
    assert isinstance(country, QLineEdit)
    country.setText("JP")  # a rank picked among France's says nothing of Japan's
    offered = picker.completer.model().stringList()  # type: ignore[attr-defined]
    assert offered[0] == "幕僚長たる陸将 (General), army, OF-9"
    assert picker.status.text() == "OF-5"  # the table maps "Colonel" for Japan alike
    picker.set("Major")
    country.setText("FR")
    assert picker.status.text() == "not mapped"
