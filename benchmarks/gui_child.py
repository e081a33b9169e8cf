"""The child processes of gui.py, and what gui.py shares with them.

gui.py (the entry point) runs itself again as `gui.py --child app|bare|build`; those modes are
here: one launch of the application or of the bare baseline (figure 1), and the child that
fills the big vault (figures 2 and 3). So are the text that vault is filled with and the
Ctrl+K queries drawn from the same vocabulary, the Qt waiting helpers both sides use (and the
parent's wait for work on the vault's worker thread), and the parent's side of a launch:
spawning a child and reading the lines it prints.

Like gui.py, this module imports only the standard library (and the benchmarks' own helpers)
at module level: a child's first stamp is taken before PySide6 or liaison_desk is imported.
"""

from __future__ import annotations

import os
import random
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from corpus import (
    FUNCTION_WORDS,
    LAST_NAMES,
    LIAISON_WORDS,
    PLACES,
    TAGS,
    TIMEZONES,
    ascii_fold,
    made_up,
    paragraph,
    words,
    zipf_weights,
)
from report import dir_size, log, wrap_kdf

if TYPE_CHECKING:
    from liaison_desk.core.records import Contact, Meeting
    from liaison_desk.core.vault import Vault
    from liaison_desk.ui.session import Session

T = TypeVar("T")

GUI = Path(__file__).resolve().with_name("gui.py")  # the entry point, run again as a child
PASSPHRASE = "benchmark amber harbor lantern 42"
WAIT_S = 60.0  # the longest any single wait may take before the run is abandoned
TICK_MS = 3  # how often a wait wakes up to look at its deadline

# -- generated text -------------------------------------------------------------------------


# The common words: vault.py's, with "ambush" where it has always stood (moving it would change
# which words a seed makes common) and more military terms after them.
_AMBULANCE = LIAISON_WORDS.index("ambulance") + 1
_REAL_WORDS = (
    *LIAISON_WORDS[:_AMBULANCE],
    "ambush",
    *LIAISON_WORDS[_AMBULANCE:],
    *words(
        "accreditation acquisition adjutant admiral aerospace ammunition archive "
        "armour artillery attendance ballistic blockade bomber bridge broadcast bunker canal "
        "cannon captain casualty ceasefire charter checkpoint cipher coalition commission "
        "consensus consignment contingent crisis cruiser curfew debrief decoy destroyer "
        "deterrence disarmament dispatch drone embargo enclave engineer ensign escalation "
        "exercise flagship flotilla fortification frequency fusion grenade hangar hostage "
        "insignia intelligence interception jet kit landing legation logbook marine mediation "
        "militia minefield missile mobilisation munitions neutral nuclear outpost paratrooper "
        "payload perimeter pier pontoon quartermaster radio ration recruit refinery refugee "
        "regatta relay reservist rifle runway sabotage salvage sapper scout sentry shelter "
        "shipyard siege sonar sortie stockpile supply tank torpedo tripwire truce turret "
        "underwater vanguard warship watchtower wingman yard"
    ),
)

_FIRST_NAMES = words(
    "Camille Julien Hélène Mathieu Océane Jonas Anneliese Lukas Sabine Jürgen Haruto Yui "
    "Sota Aoi Ren João Rafael Beatriz Thiago Wanjiru Otieno Achieng Kamau Njeri Aarav Priya "
    "Vikram Ananya Rohan Katarzyna Piotr Agnieszka Tomasz Zofia Émilie Liam Chloé Noah Sarah "
    "Ingrid Lars Sigrid Mikko Aino Dimitris Eleni Giulia Marco Lucía Javier Inês Tiago Amadou "
    "Fatou Kwame Ama Siti Budi Olga Andrei Ilse Pieter Saoirse Cian Ambrose Amber"
)

_RANKS = ("Colonel", "Lieutenant Colonel", "Commander", "Captain (N)", "Major", "Mr", "Ms", "Dr")
_POSITIONS = (
    "Defence policy advisor",
    "Head of international cooperation",
    "Deputy chief of staff",
    "Liaison officer",
    "Procurement director",
    "Naval attaché",
)
_LANGUAGES = ("en", "fr", "de", "ja", "pt", "sw", "hi", "pl", "es", "it")
_COUNTRIES = ("FR", "DE", "PL", "KE", "JP", "BR", "CA", "IN", "NO", "IT", "ES", "SN")
_MARKINGS = ("UNCLASSIFIED", "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL")
_SYLLABLES = ("ka", "ro", "vel", "tan", "mir", "sol", "dor", "ne", "lu", "bra", "zen", "ot", "is")


class Vocabulary:
    """A few thousand words on a Zipf curve (weight 1/rank), fixed by the seed."""

    def __init__(self, seed: int, size: int = 3000) -> None:
        rng = random.Random(seed)
        words = list(dict.fromkeys(_REAL_WORDS))
        rng.shuffle(words)  # which real words are the common ones is fixed by the seed
        tail: set[str] = set()
        while len(words) + len(tail) < size:
            tail.add(made_up(rng, _SYLLABLES, 2, 4))
        words += sorted(tail - set(words))
        self.words: list[str] = words
        self.real: list[str] = [w for w in dict.fromkeys(_REAL_WORDS) if len(w) >= 4]
        self.cum_weights = zipf_weights(len(words))

    def zipf(self, rng: random.Random, k: int = 1) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum_weights, k=k)

    def sentence(self, rng: random.Random) -> str:
        tokens = [
            rng.choice(FUNCTION_WORDS) if rng.random() < 0.3 else w
            for w in self.zipf(rng, rng.randint(8, 20))
        ]
        if rng.random() < 0.05:
            tokens[rng.randrange(len(tokens))] = rng.choice(PLACES)
        return tokens[0].capitalize() + " " + " ".join(tokens[1:]) + "."

    def text(self, rng: random.Random, chars: int) -> str:
        return paragraph(lambda: self.sentence(rng), chars)


def make_contact(vocab: Vocabulary, rng: random.Random) -> Contact:
    from liaison_desk.core.records import Contact

    first, last = rng.choice(_FIRST_NAMES), rng.choice(LAST_NAMES)
    return Contact(
        full_name=f"{first} {last}",
        rank=rng.choice(_RANKS),
        position=rng.choice(_POSITIONS),
        country=rng.choice(_COUNTRIES),
        languages=tuple(rng.sample(_LANGUAGES, rng.randint(1, 3))),
        given_name=first,
        family_name=last,
        nicknames=(f"{ascii_fold(first)}.{ascii_fold(last)}",),
        how_met=rng.choice(("Reception", "Staff talks", "Course classmate", "Exercise")),
        notes=vocab.text(rng, rng.randint(80, 240)),
        cadence_days=rng.choice((None, 30, 60, 90)),
        marking=rng.choice(_MARKINGS),
        tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
    )


def make_meeting(vocab: Vocabulary, rng: random.Random) -> Meeting:
    from liaison_desk.core.records import MEETING_KINDS, Meeting

    topic = " ".join(vocab.zipf(rng, 2))
    who = f"{rng.choice(_FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    return Meeting(
        title=f"{rng.choice(('Talk', 'Lunch', 'Call', 'Visit'))} with {who} on {topic}",
        starts_at=f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(6, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z",
        kind=rng.choice(MEETING_KINDS),
        timezone=rng.choice(TIMEZONES),
        place=f"{rng.choice(PLACES)}, {vocab.zipf(rng)[0]} {rng.choice(('room', 'club'))}",
        summary=vocab.text(rng, rng.randint(80, 200)),
        notes=vocab.text(rng, rng.randint(900, 1100)),
        marking=rng.choice(_MARKINGS),
        tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
    )


@dataclass(frozen=True)
class Query:
    text: str  # what is typed into the Ctrl+K box
    kind: str


def make_queries(vocab: Vocabulary, seed: int, count: int) -> list[Query]:
    """Distinct queries (setText of the same text twice would not search): a fixed mix."""
    rng = random.Random(seed)
    queries = [Query("amb*", "prefix")]
    seen = {"amb*"}
    while len(queries) < count:
        slot = len(queries) % 10
        if slot < 3:
            query = Query(vocab.zipf(rng)[0], "common word")  # drawn as often as it is written
        elif slot < 5:
            query = Query(rng.choice(vocab.words), "any word")  # mostly rare: selective
        elif slot < 7:
            query = Query(rng.choice(vocab.real)[:3] + "*", "prefix")
        elif slot == 7:
            query = Query(f"{vocab.zipf(rng)[0]} {rng.choice(vocab.words)}", "two words")
        elif slot == 8:
            query = Query(rng.choice(LAST_NAMES), "name")
        else:
            words = [w.strip(".").lower() for w in vocab.sentence(rng).split()]
            i = rng.randrange(len(words) - 1)
            query = Query(f'"{words[i]} {words[i + 1]}"', "phrase")
        if query.text not in seen:
            seen.add(query.text)
            queries.append(query)
    rng.shuffle(queries)
    return queries


# -- Qt: the message filter, waiting for events and for the worker --------------------------

_HANDLERS: list[Callable[..., None]] = []  # kept alive: Qt holds only a reference


def quiet_qt() -> None:
    """Drop the offscreen plugin's note about size hints (once per window); keep the rest."""
    from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if "propagateSizeHints" not in message:
            print(f"Qt: {message}", file=sys.stderr, flush=True)

    _HANDLERS.append(handler)
    qInstallMessageHandler(handler)


def wait_for(done: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Process Qt events until `done()`, never longer than `timeout` seconds.

    Blocks in the event loop (GIL released) rather than spinning, so the vault's worker
    thread runs at full speed; a timer wakes it every TICK_MS to look at the deadline.
    """
    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    if done():
        return
    ticker = QTimer()
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    ticker.setInterval(TICK_MS)
    ticker.start()
    deadline = time.perf_counter() + timeout
    try:
        while not done():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        ticker.stop()


def pump(seconds: float) -> None:
    """Process events for `seconds` (the event loop left to run, as an idle application's)."""
    from PySide6.QtWidgets import QApplication

    until = time.perf_counter() + seconds
    QApplication.processEvents()  # at least one pass, even for 0 s
    wait_for(lambda: time.perf_counter() >= until, "time to pass", seconds + WAIT_S)


def on_worker(session: Session, work: Callable[[Vault], T], what: str) -> T:
    """Run `work` on the session's worker thread (the only one touching the vault)."""
    box: list[T] = []
    errors: list[str] = []
    session.read(work, box.append, session, lambda e: errors.append(e.message))
    wait_for(lambda: bool(box or errors), what)
    if errors:
        raise RuntimeError(f"{what}: {errors[0]}")
    return box[0]


# -- children: one launch each, or building the big vault -------------------------------------


def stamp(name: str, at: float) -> None:
    # perf_counter is CLOCK_MONOTONIC on Linux: the parent can compare these with its own.
    print(f"stamp {name} {at:.9f}", flush=True)


def child_app(vault_dir: Path, passphrase_file: Path, ini: Path) -> int:
    """Start the application on the demo vault; print "ready" once Contacts shows a page."""
    main_at = time.perf_counter()
    from PySide6.QtCore import QSettings

    from liaison_desk.ui.app import application
    from liaison_desk.ui.main_window import MainWindow
    from liaison_desk.ui.runner import Runner
    from liaison_desk.ui.session import Session

    imported_at = time.perf_counter()
    kdf: list[float] = []
    wrap_kdf(kdf)
    passphrase = passphrase_file.read_text().strip()
    app = application([sys.argv[0]])
    quiet_qt()
    qapp_at = time.perf_counter()

    runner = Runner("vault")
    session = Session(vault_dir, runner, demo=True)
    errors: list[str] = []
    session.unlock(passphrase, lambda _: None, lambda e: errors.append(e.message), session)
    wait_for(lambda: session.is_unlocked or bool(errors), "the unlock")
    if errors:
        print(f"error {errors[0]}", flush=True)
        return 1
    unlocked_at = time.perf_counter()
    window = MainWindow(session, QSettings(str(ini), QSettings.Format.IniFormat))
    built_at = time.perf_counter()
    window.show()
    contacts = next(s for s in window.sections if s.title == "Contacts")
    wait_for(lambda: contacts.model.rowCount() > 0, "the first page of contacts")
    app.processEvents()
    ready_at = time.perf_counter()
    print("ready", flush=True)
    for name, at in (
        ("main", main_at),
        ("imported", imported_at),
        ("qapp", qapp_at),
        ("unlocked", unlocked_at),
        ("window", built_at),
        ("ready", ready_at),
    ):
        stamp(name, at)
    print(f"kdf {sum(kdf):.9f} {len(kdf)}", flush=True)
    print(f"rows {contacts.model.rowCount()} {contacts.model.rows_fetched}", flush=True)
    window.close()
    runner.shutdown()
    return 0


def child_bare() -> int:
    """The baseline launch: a QApplication and a QMainWindow holding a QLabel."""
    main_at = time.perf_counter()
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    imported_at = time.perf_counter()
    app = QApplication([sys.argv[0]])
    quiet_qt()
    qapp_at = time.perf_counter()
    window = QMainWindow()
    window.setCentralWidget(QLabel("Liaison Desk"))
    window.resize(1200, 760)
    window.show()
    app.processEvents()
    ready_at = time.perf_counter()
    print("ready", flush=True)
    for name, at in (
        ("main", main_at),
        ("imported", imported_at),
        ("qapp", qapp_at),
        ("ready", ready_at),
    ):
        stamp(name, at)
    window.close()
    return 0


def child_build(vault_dir: Path, contacts: int, meetings: int, batch: int, seed: int) -> int:
    """Fill the big vault through the domain layer; progress on stderr, timings on stdout."""
    from liaison_desk.core.keyslots import KdfParams
    from liaison_desk.core.records import Participant
    from liaison_desk.core.vault import Vault

    vocab = Vocabulary(seed)
    rng = random.Random(seed + 1)
    vault, _ = Vault.create(vault_dir, PASSPHRASE, name="GUI benchmark", kdf=KdfParams.floor())
    with vault:
        store = vault.store

        def progress(done: int) -> None:
            if done % 20_000 == 0:
                log(f"  {done:,} of {contacts:,} contacts")

        start = time.perf_counter()
        fresh = (make_contact(vocab, rng) for _ in range(contacts))
        people = [c.id for c in store.add_many(fresh, progress=progress)]
        contacts_s = time.perf_counter() - start
        meetings_s = 0.0
        participants_s = 0.0
        for first in range(0, meetings, batch):
            size = min(batch, meetings - first)
            start = time.perf_counter()
            added = store.add_many(make_meeting(vocab, rng) for _ in range(size))
            meetings_s += time.perf_counter() - start
            start = time.perf_counter()
            store.add_many(
                Participant(meeting_id=m.id, contact_id=rng.choice(people), marking=m.marking)
                for m in added
            )
            participants_s += time.perf_counter() - start
            log(f"  {first + size:,} of {meetings:,} meetings (and their participants)")
    size_mib = dir_size(vault_dir) / 2**20
    print(f"built {contacts_s:.6f} {meetings_s:.6f} {participants_s:.6f}")
    print(f"size {size_mib:.1f}", flush=True)
    print("ready", flush=True)
    return 0


# -- the parent's side: launching a child and reading what it prints ------------------------


@dataclass
class Launch:
    ready: float  # parent's clock: spawn to reading "ready"
    stamps: dict[str, float]  # child's clock marks, relative to the spawn
    values: dict[str, list[str]] = field(default_factory=dict)  # other lines, by first word
    rss_kib: int = 0


def read_lines(proc: subprocess.Popen[bytes], timeout: float) -> list[tuple[float, str]]:
    """Every line the child prints, with the time it was read; never waits past `timeout`."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    lines: list[tuple[float, str]] = []
    pending = b""
    deadline = time.perf_counter() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"the child printed nothing more for {timeout:.0f} s")
            if not selector.select(left):
                continue
            chunk = os.read(fd, 65536)
            now = time.perf_counter()
            if not chunk:
                return lines
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                lines.append((now, line.decode("utf-8", "replace").strip()))


def reap(proc: subprocess.Popen[bytes], timeout: float) -> tuple[int, int]:
    """Wait for the child (killing it after `timeout`): its exit code and peak RSS in KiB."""
    deadline = time.perf_counter() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_maxrss
        if time.perf_counter() > deadline:
            proc.kill()  # this child only, by its pid
            deadline = time.perf_counter() + WAIT_S
        time.sleep(0.002)


def launch(
    args: Sequence[str], stderr_path: Path, timeout: float = WAIT_S, *, live: bool = False
) -> Launch:
    """Run gui.py as a child (`args` begin with --child); the clock starts just before spawning.

    Its stderr goes to `stderr_path`, or to ours if `live` (progress worth watching).
    """
    with stderr_path.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, str(GUI), *args],
            stdout=subprocess.PIPE,
            stderr=None if live else err,
            bufsize=0,
        )
        try:
            lines = read_lines(proc, timeout)
        except BaseException:
            proc.kill()
            raise
        finally:
            assert proc.stdout is not None
            proc.stdout.close()
            code, rss = reap(proc, timeout)
    ready = next((at for at, text in lines if text == "ready"), None)
    if code != 0 or ready is None:
        tail = stderr_path.read_text(errors="replace")[-2000:]
        printed = "\n".join(text for _, text in lines)[-1000:]
        raise RuntimeError(f"child {list(args)[:2]} exited {code}:\n{printed}\n{tail}")
    out = Launch(ready - start, {}, {}, rss)
    for _, text in lines:
        word, _, rest = text.partition(" ")
        if word == "stamp":
            name, value = rest.split()
            out.stamps[name] = float(value) - start
        elif word != "ready":
            out.values[word] = rest.split()
    return out
