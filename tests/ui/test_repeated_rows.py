"""The repeatable-row editor alone: items in, the same items out, only what was typed changed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QFormLayout, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.records import Contact
from liaison_desk.ui.repeated_rows import Cell, RepeatedRows, RowSpec
from liaison_desk.ui.session import Session
from tests.ui.vault_work import on_vault

LABELS = ("work", "mobile", "home", "fax", "other")
PHONES = RowSpec(
    "Phone&s",
    "phone",
    (
        (
            Cell("label", "Type", "label", LABELS, chars=7),
            Cell("value", "Number"),
            Cell("extension", "ext.", chars=5),
        ),
    ),
)
ADDRESSES = RowSpec(
    "A&ddresses",
    "address",
    (
        (Cell("value", "As written", if_given=True),),
        (Cell("label", "Type", "label", ("work", "home"), chars=7), Cell("street", "Street")),
        (Cell("postcode", "Postcode", chars=8), Cell("locality", "Locality")),
        (Cell("region", "Region"), Cell("country", "Country")),
    ),
)
RELATIONS = RowSpec(
    "&People",
    "person",
    (
        (
            Cell("relation", "Relation", "label", ("spouse", "deputy-of"), chars=10),
            Cell("name", "Name", "link", link=CONTACT, link_id="other_id"),
        ),
    ),
)
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@dataclass(frozen=True)
class Phone:
    """A stand-in for the core's contact point: the rows never see the real type."""

    id: str | None = None
    label: str | None = None
    value: str | None = None
    extension: str | None = None
    e164: str | None = None  # derived by the core: never shown, passed through


THREE = (
    Phone(id="p1", label="work", value="+33 1 23 45 67 89", extension="12", e164="+33123456789"),
    Phone(id="p2", label="mobile", value="06 12 34 56 78", e164="+33612345678"),
    Phone(id="p3", label="Satellite", value="+881 631 234 567"),
)


class Host(QWidget):
    """A form with a field before and after the list, as the contact form has."""

    def __init__(self, spec: RowSpec, session: Session | None = None) -> None:
        super().__init__()
        self.changes = 0
        self.before = QLineEdit()
        self.rows = RepeatedRows(spec, self._changed, session)
        self.after = QLineEdit()
        layout = QFormLayout(self)
        layout.addRow("Before", self.before)
        layout.addRow(self.rows.header, self.rows)
        layout.addRow("After", self.after)

    def _changed(self) -> None:
        self.changes += 1


def shown(qtbot: QtBot, spec: RowSpec, session: Session | None = None) -> Host:
    host = Host(spec, session)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is host)
    return host


def phones(host: Host) -> list[Phone]:
    return [Phone(**item) for item in host.rows.get()]


def line(host: Host, row: int, index: int) -> QLineEdit:
    edit = host.rows.rows[row].cells[index].widget
    assert isinstance(edit, QLineEdit)
    return edit


def label_box(host: Host, row: int) -> QComboBox:
    box = host.rows.rows[row].cells[0].widget
    assert isinstance(box, QComboBox)
    return box


def test_items_come_back_exactly_as_they_went_in(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(p) for p in THREE])

    assert phones(host) == list(THREE)
    assert [label_box(host, r).currentText() for r in range(3)] == ["Work", "Mobile", "Satellite"]
    assert line(host, 0, 2).text() == "12"


def test_editing_one_number_changes_that_item_only(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(p) for p in THREE])
    number = line(host, 1, 1)
    number.setFocus()
    number.selectAll()
    qtbot.keyClicks(number, "07 98 76 54 32")

    after = phones(host)
    assert after[1] == Phone(id="p2", label="mobile", value="07 98 76 54 32", e164="+33612345678")
    assert (after[0], after[2]) == (THREE[0], THREE[2])
    assert host.changes > 0


def test_a_label_is_offered_or_typed_and_an_untouched_one_stays_as_written(
    qtbot: QtBot,
) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(Phone(id="a", label="Mobile", value="1")), asdict(THREE[0])])
    assert phones(host)[0].label == "Mobile"  # as an import wrote it: not "mobile" by itself

    box = label_box(host, 1)
    box.setFocus()
    box.lineEdit().selectAll()  # type: ignore[union-attr]
    qtbot.keyClicks(box, "Fax")
    assert phones(host)[1].label == "fax"  # an offered label, typed
    box.lineEdit().selectAll()  # type: ignore[union-attr]
    qtbot.keyClicks(box, "Embassy switchboard")
    assert phones(host)[1].label == "Embassy switchboard"  # anything else, kept as typed


def test_add_from_the_keyboard_then_remove_with_ctrl_shift_delete(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(THREE[0])])
    host.before.setFocus()
    qtbot.keyClick(host.before, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    assert host.rows.add_button.hasFocus()  # the heading's Alt+S

    qtbot.keyClick(host.rows.add_button, Qt.Key.Key_Space)
    assert len(host.rows.rows) == 2
    number = line(host, 1, 1)
    assert number.hasFocus()
    assert host.rows.get() == [asdict(THREE[0])]  # a blank row is no item yet
    qtbot.keyClicks(number, "+49 30 1234")
    assert phones(host)[1] == Phone(label="work", value="+49 30 1234")  # the first label offered

    qtbot.keyClick(number, Qt.Key.Key_Delete, CTRL_SHIFT)
    assert phones(host) == [THREE[0]]
    assert line(host, 0, 1).hasFocus()  # the cursor stays in the list

    qtbot.keyClick(line(host, 0, 1), Qt.Key.Key_Delete, CTRL_SHIFT)
    assert host.rows.get() == [] and host.rows.add_button.hasFocus()


def test_the_remove_button_takes_out_its_own_row(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(p) for p in THREE])
    qtbot.mouseClick(host.rows.rows[1].remove_button, Qt.MouseButton.LeftButton)
    assert phones(host) == [THREE[0], THREE[2]]


def test_clearing_a_rows_text_removes_the_item(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(p) for p in THREE])
    line(host, 2, 1).clear()
    assert phones(host) == list(THREE[:2])


def test_tab_runs_through_the_rows_as_they_read_then_leaves_the_list(qtbot: QtBot) -> None:
    host = shown(qtbot, PHONES)
    host.rows.set([asdict(THREE[0])])
    host.rows.add_button.click()  # made after everything else, yet in its place for Tab
    visited: list[QWidget] = []
    host.before.setFocus()
    for _ in range(9):
        focus = QApplication.focusWidget()
        assert focus is not None
        qtbot.keyClick(focus, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        assert now is not None
        box = now.parentWidget()
        visited.append(box if isinstance(box, QComboBox) else now)  # a label's box, not its line
    rows = host.rows.rows
    expected = [host.rows.add_button]
    for row in rows:
        expected += [row.cells[0].widget, row.cells[1].widget, row.cells[2].widget]
    expected += [host.after]
    assert visited[:8] == expected


def test_an_address_reads_as_lines(qtbot: QtBot) -> None:
    host = shown(qtbot, ADDRESSES)
    item: dict[str, Any] = {
        "id": "a1",
        "label": "work",
        "value": None,
        "street": "14 rue Saint-Dominique",
        "postcode": "75007",
        "locality": "Paris",
        "region": None,
        "country": "France",
        "po_box": "BP 12",  # a part this form does not show: kept
    }
    host.rows.set([item])
    assert host.rows.get() == [item]
    row = host.rows.rows[0]
    written, label, street, postcode, *_ = (c.widget for c in row.cells)
    assert not written.isVisible()  # no text as written: the parts only
    assert label.x() < street.x() and label.y() == street.y()
    assert postcode.x() == label.x() and postcode.y() > street.y()  # the width of the row


def test_an_address_that_is_only_text_shows_its_text_and_keeps_it(qtbot: QtBot) -> None:
    """As an address from before typed parts comes: one text, all of it kept."""
    host = shown(qtbot, ADDRESSES)
    parts = ("street", "postcode", "locality", "region", "country")
    old = {"id": "a0", "label": None, "value": "14 rue Saint-Dominique\n75007 Paris"}
    old |= dict.fromkeys(parts)
    host.rows.set([old])
    written = line(host, 0, 0)
    assert written.isVisible()
    assert host.rows.get() == [old]


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing the keyboard)")
def test_a_person_is_a_contact_picked_or_a_name_typed(qtbot: QtBot, session: Session) -> None:
    lena = on_vault(qtbot, session, lambda v: v.store.add(Contact(full_name="Lena Vogel")))
    host = shown(qtbot, RELATIONS, session)
    host.rows.lookup = {lena.id: "Lena Vogel"}
    linked = {"id": "r1", "relation": "spouse", "other_id": lena.id, "name": None}
    host.rows.set([linked])
    person = line(host, 0, 1)
    assert person.text() == "Lena Vogel"
    assert host.rows.get() == [linked]

    host.rows.add_button.click()
    typed = line(host, 1, 1)
    qtbot.keyClicks(typed, "Len")
    completer = host.rows.rows[1].cells[1].completer  # type: ignore[union-attr]
    assert completer is not None
    popup = completer.completer.popup()
    assert popup is not None
    qtbot.waitUntil(lambda: popup.isVisible() and popup.model().rowCount() == 1)
    popup.setCurrentIndex(popup.model().index(0, 0))
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: typed.text() == "Lena Vogel")
    assert host.rows.get()[1] == {"relation": "spouse", "other_id": lena.id, "name": None}

    person.setFocus()
    person.selectAll()
    qtbot.keyClicks(person, "Maria Vogel")  # typed over: no longer that contact
    assert host.rows.get()[0] == {"id": "r1", "relation": "spouse", "other_id": None,
                                  "name": "Maria Vogel"}  # fmt: skip
