"""Which Alt+letter shortcuts a window offers, for the tests that each is used only once."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMainWindow,
    QTabWidget,
    QWidget,
)


def mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a literal ampersand), lower-cased."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] != "&":
                return text[i + 1].lower()
            i += 1
        i += 1
    return None


def offered(window: QWidget) -> dict[str, list[str]]:
    """Each letter with the texts that offer it, among what is shown in `window` now.

    A label's mnemonic only acts when it has a buddy; a hidden widget's does not act.
    """
    texts: list[str] = []
    if isinstance(window, QMainWindow):
        texts += [a.text() for a in window.menuBar().actions() if a.isVisible()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisibleTo(window):
            continue
        labelled = isinstance(widget, QLabel) and widget.buddy() is not None
        if labelled or isinstance(widget, QAbstractButton):
            texts.append(widget.text())  # type: ignore[attr-defined]
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
        elif isinstance(widget, QTabWidget):
            texts += [widget.tabText(i) for i in range(widget.count())]
    by_letter: dict[str, list[str]] = {}
    for text in texts:
        if (letter := mnemonic(text)) is not None:
            by_letter.setdefault(letter, []).append(text)
    return by_letter


def clashes(window: QWidget) -> dict[str, list[str]]:
    """The letters offered more than once, with the texts that offer them."""
    return {letter: texts for letter, texts in offered(window).items() if len(texts) > 1}
