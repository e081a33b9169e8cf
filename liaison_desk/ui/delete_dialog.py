"""The question asked before a record is deleted: what it is linked to, and how to get it back."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from liaison_desk.core.record_links import LinkGroup, RecordLinks


def link_line(group: LinkGroup) -> str:
    """ "2 meetings: Staff talks, Air show" (and how many more when there are)."""
    more = group.count - len(group.titles)
    names = ", ".join(group.titles) + (f" and {more:,} more" if more else "")
    return f"{group.count:,} {group.noun}: {names}"


class DeleteDialog(QDialog):
    """Asks once; opened with open(), never exec(): the window carries on while it is up."""

    def __init__(self, links: RecordLinks, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Delete {links.kind}")
        self.links = links
        question = QLabel(f"<b>Delete {links.kind} “{escape(links.title)}”?</b>")
        question.setTextFormat(Qt.TextFormat.RichText)
        if links.groups:
            lines = "".join(f"<li>{escape(link_line(g))}</li>" for g in links.groups)
            linked = f"It is linked to:<ul>{lines}</ul>"
        else:
            linked = "It is linked to no other record."
        self.links_label = QLabel(linked)
        self.links_label.setTextFormat(Qt.TextFormat.RichText)
        self.links_label.setWordWrap(True)
        after = QLabel(
            "It leaves every list and search, here and, once synced, at the stations that "
            "hold it. Its links stay: Undo (Ctrl+Z) or the Trash brings it back whole."
        )
        after.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = buttons.addButton("&Delete", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)  # Enter pressed by reflex keeps the record
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        for widget in (question, self.links_label, after, buttons):
            column.addWidget(widget)
