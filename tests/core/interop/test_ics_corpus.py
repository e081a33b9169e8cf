"""Every calendar of the shared interop corpus through import, export and re-import.

The corpus (real exports and the icalendar project's test files, see its README)
lives beside the project, as CI has it: ../shared/interop-corpus, or where
LIAISON_INTEROP_CORPUS says. It is read from there, never copied. Under CI=true a
missing corpus fails the run instead of skipping it.

For each file: no traceback; a file is refused only when icalendar cannot read it
or it holds no event icalendar can find; every readable event comes in and every
other is skipped with a reason; the file's outcome (imported, skipped, not kept)
is the one recorded in `ics_corpus_outcomes`; the export parses with icalendar;
importing the export into another vault gives the same meetings, field by field;
and importing it back into the first vault changes nothing.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest

from liaison_desk.core.errors import ImportFormatError
from liaison_desk.core.interop.ical import parse_events, read_events
from liaison_desk.core.interop.ical_writer import meeting_uid
from liaison_desk.core.interop.meeting_export import ics_bytes
from liaison_desk.core.interop.meeting_import import apply_events
from liaison_desk.core.records import Meeting
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock
from tests.core.interop.ics_corpus_outcomes import OUTCOMES, REFUSED

ENV = "LIAISON_INTEROP_CORPUS"
EVERYTHING = ListQuery(limit=100_000)
KEPT = (
    "title",
    "starts_at",
    "ends_at",
    "timezone",
    "all_day",
    "recurrence",
    "exdates",
    "rdates",
    "kind",
    "place",
    "notes",
    "tags",
    "marking",
)


def corpus() -> Path | None:
    """The corpus folder: beside the project root, else where the environment says."""
    root = Path(__file__).resolve().parents[3]
    for candidate in (root.parent / "shared" / "interop-corpus", os.environ.get(ENV)):
        if candidate and (Path(candidate) / "ics").is_dir():
            return Path(candidate) / "ics"
    return None


FOLDER = corpus()
FILES = sorted(p.name for p in FOLDER.glob("*.ics")) if FOLDER else []


def _missing() -> None:
    message = f"the interop corpus is missing (../shared/interop-corpus or ${ENV})"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def vaults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, Vault]]:
    """Two vaults for the whole corpus: each file's meetings are deleted after it."""
    made = [
        Vault.create(
            tmp_path_factory.mktemp(name) / "vault",
            PASSPHRASE,
            name=name,
            kdf=FAST_KDF,
            clock=StepClock(),
        )[0]
        for name in ("first", "second")
    ]
    yield made[0], made[1]
    for vault in made:
        vault.lock()


def _live(vault: Vault) -> list[Meeting]:
    return vault.store.list(Meeting, EVERYTHING)


def _kept(meeting: Meeting) -> tuple[object, ...]:
    uid = meeting.uid or meeting_uid(meeting.id)
    return (*(getattr(meeting, f) for f in KEPT), uid)


def _icalendar_events(path: Path) -> int | None:
    """How many VEVENTs icalendar itself finds in the file, None if it cannot read it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = icalendar.Calendar.from_ical(path.read_bytes(), multiple=True)
    except ValueError:
        return None
    return sum(len(c.walk("VEVENT")) for c in found)


def outcome(path: Path, first: Vault, second: Vault) -> tuple[object, ...]:
    """The file's outcome, checking the round trip on the way; its meetings are deleted."""
    try:
        events = read_events(path, station="UTC")
    except ImportFormatError:
        assert not _icalendar_events(path), f"{path.name}: icalendar reads events we refuse"
        return (REFUSED,)
    try:
        summary = apply_events(first, events)
        readable = sum(1 for e in events if e.skip is None)
        assert summary.added + summary.held + summary.merged == readable
        assert summary.skipped == len(events) - readable
        assert len(summary.skipped_events) == summary.skipped  # each with its reason
        meetings = sorted((_kept(m) for m in _live(first)), key=repr)
        data, count, _ = ics_bytes(first.store, EVERYTHING, 1_780_000_000_000, followups=False)
        assert count == len(meetings)
        icalendar.Calendar.from_ical(data)  # every export parses
        exported = parse_events(data.decode(), "export.ics", station="UTC")
        back = apply_events(first, exported)
        assert (back.added, back.merged, back.skipped) == (0, 0, 0)  # re-import: no change
        apply_events(second, exported)
        assert sorted((_kept(m) for m in _live(second)), key=repr) == meetings
        return summary.added, summary.skipped, summary.not_kept, summary.others
    finally:
        for vault in (first, second):
            for meeting in _live(vault):
                vault.store.delete(Meeting, meeting.id)


def test_the_table_names_every_file_of_the_corpus() -> None:
    if FOLDER is None:
        _missing()
    assert sorted(OUTCOMES) == FILES


@pytest.mark.parametrize("name", sorted(OUTCOMES))
def test_each_calendar_of_the_corpus(name: str, vaults: tuple[Vault, Vault]) -> None:
    if FOLDER is None:
        _missing()
    assert FOLDER is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # icalendar's guesses about vendor zone names
        found = outcome(FOLDER / name, *vaults)
    assert found == OUTCOMES[name]
