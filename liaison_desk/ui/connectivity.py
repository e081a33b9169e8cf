"""Whether HQ's relay answers: probed with backoff, shown in the status bar.

The probe is an unsigned health check run on a worker of its own, never on the
GUI thread and never on the vault's worker, so a slow network holds up neither
the window nor vault work. After a failure the next probe waits twice as long
as the one before (5 s, 10 s, 20 s … at most 15 min), so a laptop cut off for
days does not knock every few seconds; while the relay answers it is checked
every minute. Whoever syncs listens to `checked`, and reports a sync's outcome
back with `note_sync` so the label and the schedule follow what really
happened.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from liaison_desk.core.errors import LiaisonError
from liaison_desk.sync.online import probe
from liaison_desk.ui.runner import Runner

log = logging.getLogger("liaison_desk.ui.connectivity")

BASE_MS = 5_000
CAP_MS = 15 * 60_000
STEADY_MS = 60_000
TICK_MS = 1_000  # the countdown on the label

Prober = Callable[[str, str | None], None]  # url, authority; raises unless the relay answers


@dataclass(frozen=True)
class Backoff:
    base_ms: int = BASE_MS
    cap_ms: int = CAP_MS
    steady_ms: int = STEADY_MS

    def delay_ms(self, failures: int) -> int:
        """How long to wait before the next probe after `failures` failures in a row."""
        if failures <= 0:
            return self.steady_ms
        return min(self.cap_ms, self.base_ms << min(failures - 1, 32))


def wait_text(ms: int) -> str:
    seconds = max(1, math.ceil(ms / 1_000))
    return f"{seconds} s" if seconds < 60 else f"{math.ceil(seconds / 60)} min"


class RelayMonitor(QObject):
    """Probes one relay address at a time; none set, it is silent and its label empty."""

    checked = Signal(bool, bool)  # reachable; turned (the first answer, or a change)
    status_changed = Signal(str, str)  # one line for the status bar; the reason behind it
    scheduled = Signal(int)  # milliseconds until the next probe

    def __init__(
        self,
        backoff: Backoff | None = None,
        prober: Prober = probe,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.backoff = backoff or Backoff()
        self._prober = prober
        self._runner = Runner("relay-probe")  # not a child: it must outlive a probe in flight
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.probe_now)
        self._ticker = QTimer(self, interval=TICK_MS)
        self._ticker.timeout.connect(self._show)
        self._url: str | None = None
        self._authority: str | None = None
        self._reachable: bool | None = None
        self._failures = 0
        self._reason = ""
        self._generation = 0
        self._in_flight = False

    @property
    def url(self) -> str | None:
        return self._url

    @property
    def reachable(self) -> bool | None:
        """None until the relay has been probed (or while no relay is set)."""
        return self._reachable

    def set_authority(self, pem: str | None) -> None:
        """The certificate authority the relay's TLS certificate is checked against, if HQ's own."""
        self._authority = pem

    def set_url(self, url: str | None) -> None:
        """Watch `url` from scratch (probed at once), or stop watching when it is None."""
        self._generation += 1
        self._timer.stop()
        self._ticker.stop()
        self._url = url
        self._reachable = None
        self._failures = 0
        self._reason = ""
        self._in_flight = False
        self._show()
        if url is not None:
            self.probe_now()

    def stop(self) -> None:
        self.set_url(None)

    def probe_now(self) -> None:
        url = self._url
        if url is None or self._in_flight:
            return
        self._in_flight = True
        self._show()
        generation = self._generation
        authority = self._authority

        def answered(error: LiaisonError | None) -> None:
            if generation != self._generation:
                return  # the address changed or the vault locked meanwhile
            self._in_flight = False
            was = self._reachable
            self._record(error)
            self.checked.emit(error is None, was is not (error is None))

        self._runner.run(
            lambda: self._prober(url, authority), lambda _: answered(None), answered, self
        )

    def note_sync(self, unreachable: LiaisonError | None) -> None:
        """A sync's outcome: `unreachable` when it could not reach the relay, else None."""
        if self._url is not None:
            self._record(unreachable)

    def _record(self, error: LiaisonError | None) -> None:
        if error is None:
            self._failures = 0
            self._reason = ""
        else:
            self._failures += 1
            self._reason = error.message
            log.info("relay unreachable (%d in a row)", self._failures)
        self._reachable = error is None
        delay = self.backoff.delay_ms(self._failures)
        self._timer.start(delay)
        if error is None:
            self._ticker.stop()
        else:
            self._ticker.start()
        self.scheduled.emit(delay)
        self._show()

    def _show(self) -> None:
        if self._url is None:
            text = ""
        elif self._reachable is None:
            text = "Relay: checking…"
        elif self._reachable:
            text = "Relay: reachable"
        elif self._in_flight or not self._timer.isActive():
            text = "Relay: unreachable — trying again…"
        else:
            text = f"Relay: unreachable — next try in {wait_text(self._timer.remainingTime())}"
        self.status_changed.emit(text, self._reason)
