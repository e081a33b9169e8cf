"""Doing vault work from a Qt test the way the GUI does: on the worker, waiting for the result."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from pytestqt.qtbot import QtBot

from liaison_desk.core.vault import Vault
from liaison_desk.ui.session import Session

T = TypeVar("T")


def on_vault(
    qtbot: QtBot, session: Session, work: Callable[[Vault], T], timeout: int = 20_000
) -> T:
    """Run `work` on the vault worker thread and return its result (never on the GUI thread)."""
    box: list[T] = []
    session.read(work, box.append, session, lambda e: pytest.fail(e.message))
    qtbot.waitUntil(lambda: bool(box), timeout=timeout)
    return box[0]
