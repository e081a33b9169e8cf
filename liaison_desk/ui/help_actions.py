"""The Help and Go menus: the keyboard shortcuts sheet (F1), About, Ctrl+1… for the sections.

The sheet is read from the window's own actions and shortcuts each time it
opens, so it lists what the keys really do and cannot drift from them. The Go
menu follows the sidebar: its entries are rebuilt whenever the sidebar's
sections change (they are built at each unlock and go at each lock).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import PySide6
import shiboken6
from PySide6.QtCore import QObject, Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence, QShortcut, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from liaison_desk.core.build_info import about_lines
from liaison_desk.ui.tables import read_only_table

NATIVE = QKeySequence.SequenceFormat.NativeText
MAX_SECTION_KEYS = 9


def _plain(text: str) -> str:
    """A menu text as a sentence: no mnemonic marks, no trailing ellipsis."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def _described(action: QAction) -> str:
    tip = action.statusTip()
    return tip if tip else _plain(action.text())


def shortcut_rows(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every action and shortcut of `window`, menus first."""
    rows: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(keys: Iterable[QKeySequence], text: str) -> None:
        shown = ", ".join(k.toString(NATIVE) for k in keys if not k.isEmpty())
        if shown and text and (shown, text) not in seen:
            seen.add((shown, text))
            rows.append((shown, text))

    menu_bar = window.menuBar() if isinstance(window, QMainWindow) else None
    menus = [a.menu() for a in menu_bar.actions()] if menu_bar is not None else []
    for menu in menus:
        if isinstance(menu, QMenu):
            for action in menu.actions():
                add(action.shortcuts(), _described(action))
    for action in [*window.actions(), *window.findChildren(QAction)]:
        add(action.shortcuts(), _described(action))
    for shortcut in window.findChildren(QShortcut):
        add([shortcut.key()], shortcut.whatsThis())
    return rows


class ShortcutsDialog(QDialog):
    """Every shortcut of the window, in a two-column list."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts — Liaison Desk")
        self.model = QStandardItemModel(0, 2, self)
        self.model.setHorizontalHeaderLabels(["Keys", "What they do"])
        for keys, text in rows:
            self.model.appendRow([QStandardItem(keys), QStandardItem(text)])
        self.table = read_only_table(self.model, [18])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(520, 480)

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.model.item(r, 0).text(), self.model.item(r, 1).text())
            for r in range(self.model.rowCount())
        ]


class AboutDialog(QDialog):
    """The version and how this copy was built, in text that can be copied into a report."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Liaison Desk")
        lines = about_lines()
        heading = QLabel(lines[0])
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        blurb = QLabel(
            "Encrypted contacts, meetings and protocol library for liaison officers, offline first."
        )
        blurb.setWordWrap(True)
        self.details = QPlainTextEdit(
            "\n".join([*lines, f"Qt {qVersion()}, PySide6 {PySide6.__version__}"])
        )
        self.details.setReadOnly(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(blurb)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        self.resize(520, 360)


class HelpActions(QObject):
    """Adds the Go and Help menus to `window`, and F1 and Ctrl+1… to its keys."""

    def __init__(self, window: QMainWindow, sidebar: QListWidget) -> None:
        super().__init__(window)
        self.window = window
        self.sidebar = sidebar
        self.dialog: QDialog | None = None
        # No Alt letter: every one is taken by the menus or a form ("Ta&gs" in each editor);
        # Ctrl+1… reach its items without it, and F10 reaches the menu.
        self.go_menu = window.menuBar().addMenu("Go")
        self.section_actions: list[QAction] = []
        help_menu = window.menuBar().addMenu("&Help")
        self.shortcuts_action = self._action("&Keyboard shortcuts", "F1", self.show_shortcuts)
        self.about_action = self._action("&About Liaison Desk", "", self.show_about)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)
        model = sidebar.model()
        for signal in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.dataChanged):
            signal.connect(self._follow_sidebar)
        self._follow_sidebar()

    def _action(self, text: str, keys: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _follow_sidebar(self, *_: object) -> None:
        """One Go entry per section, Ctrl+1 for the first (as many as there are digits)."""
        if not shiboken6.isValid(self.window) or not shiboken6.isValid(self.sidebar):
            return  # the window is being torn down, its sidebar with it
        for action in self.section_actions:
            self.window.removeAction(action)
            action.deleteLater()
        self.go_menu.clear()
        self.section_actions = []
        for row in range(min(self.sidebar.count(), MAX_SECTION_KEYS)):
            item = self.sidebar.item(row)
            title = item.text() if item is not None else ""
            action = self._action(title, f"Ctrl+{row + 1}", self._go_to(row))
            action.setStatusTip(f"Go to {title}")
            self.go_menu.addAction(action)
            self.section_actions.append(action)
        self.go_menu.setEnabled(bool(self.section_actions))

    def _go_to(self, row: int) -> Callable[[], None]:
        return lambda: self.sidebar.setCurrentRow(row)

    def show_shortcuts(self) -> None:
        self._open(ShortcutsDialog(shortcut_rows(self.window), self.window))

    def show_about(self) -> None:
        self._open(AboutDialog(self.window))

    def _open(self, dialog: QDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog = dialog
        dialog.open()
