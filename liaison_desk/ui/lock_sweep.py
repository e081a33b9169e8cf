"""Locking clears the screen: every dialog, popup and tooltip the window opened goes.

The sections are destroyed at each lock, but what they or the window opened on top
lives on: an import's preview, a report's scope, a merge's text, a question naming a
station, a file dialog proposing a meeting's title as a name. All of it is closed.

A modal question (QMessageBox.question, QInputDialog, QFileDialog's static calls)
runs an event loop of its own inside the code that asked. Rejecting it ends that
loop, and the asker reads "no" (QMessageBox: NoButton; the others: cancelled), so it
must treat anything but an explicit yes as no. Such a dialog is moved under the
window first: Qt keeps it on the asker's stack, and a section destroyed by the lock
would otherwise free it a second time.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialog, QToolTip, QWidget


def opened_by(widget: QWidget, window: QWidget) -> bool:
    """True if `widget` is `window` or was opened from it (a descendant)."""
    parent: QWidget | None = widget
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False


def close_all_over(window: QWidget) -> None:
    """Close every visible dialog and popup opened from `window`, and any tooltip."""
    QToolTip.hideText()
    while (popup := QApplication.activePopupWidget()) is not None:
        popup.hide()  # a completer's list of names, a menu: hiding takes it off the stack
    for widget in QApplication.topLevelWidgets():
        if widget is window or not widget.isVisible() or not opened_by(widget, window):
            continue
        if isinstance(widget, QDialog):
            if widget.parentWidget() is not window:
                widget.setParent(window, widget.windowFlags())
            widget.reject()
        else:
            widget.close()
