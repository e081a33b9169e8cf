"""A vault of fictional people and meetings, for trying the application safely.

The demo is a station in Paris: the host nation's ministries and staffs, and the
embassies and ministries of seven other countries (`demo_people`). Meetings fall
in office hours at the station, and a title names who took part ("Lunch with X"
is a lunch with X at the table); one is the host nation's dinner for the attachés,
seated, and a few gifts fill the register (`demo_protocol`). The data is fixed by a
seed and the clock, so screenshots and tests repeat.

The demo opens with a passphrase everyone knows (`DEMO_PASSPHRASE`): it is kept
between starts, to be reopened without asking, until it is rebuilt on request.
It is marked inside the vault (`DEMO_MARK` in its meta), so every window that
opens it says DEMO, however it was opened.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from liaison_desk.core.atomic import storage_error
from liaison_desk.core.clock import Clock, SystemClock
from liaison_desk.core.demo_details import details
from liaison_desk.core.demo_people import (
    BY_CODE,
    STATION_COUNTRY,
    STATION_NAME,
    STATION_ZONE,
    Person,
    invent_people,
    organization_plans,
)
from liaison_desk.core.demo_protocol import accreditation, add_dinner, add_gifts
from liaison_desk.core.errors import VaultExists, WrongPassphrase
from liaison_desk.core.keyslots import KdfParams, normalize_passphrase, read_keyfile, wipe
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.ranks import rank_table
from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization, Participant
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.station_zone import set_station_zone
from liaison_desk.core.store import Store
from liaison_desk.core.vault import DEMO_MARK, KEY_FILE, Vault, is_vault

DEMO_PASSPHRASE = "demo vault of fictional people: nothing real in here"
"""Known to all: the demo holds nothing worth protecting, and reopens without asking."""

OFFICE_OPENS = time(8, 30)
OFFICE_CLOSES = time(18, 0)

Progress = Callable[[str], None]

_TOPICS = (
    "maritime security cooperation",
    "the annual staff talks",
    "a port visit next spring",
    "officer exchange places at the staff college",
    "humanitarian relief planning",
    "the national day programme",
    "a joint exercise after-action review",
    "export licence timelines",
    "the defence cooperation agreement",
    "language training for officers",
    "the visit of the chief of staff",
    "peacekeeping training support",
)
_EXERCISES = ("Northern Lantern", "Blue Meadow", "Quartz Shield", "Amber Harbor", "Iron Saddle")
_ACTIONS_MINE = (
    "Send {name} the note on {topic}",
    "Confirm the dates for {topic} with {name}",
    "Share the meeting record with {name}",
    "Invite {name} to the next round of {topic}",
    "Ask HQ for guidance on {topic} before replying to {name}",
)
_ACTIONS_THEIRS = (
    "Draft agenda for {topic} (from {name})",
    "Attendance list for {topic} (from {name})",
    "Comments on our paper on {topic} (from {name})",
)


def create_demo_vault(
    path: Path,
    *,
    contacts: int = 300,
    meetings: int = 600,
    seed: int = 7,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> tuple[Vault, str]:
    """Create and fill a demo vault; returns it unlocked with its (well-known) passphrase.

    It uses the cheapest key-slot cost we allow: it holds nothing worth protecting.
    """
    rng = random.Random(seed)
    vault, _ = Vault.create(
        path, DEMO_PASSPHRASE, name=STATION_NAME, role="station", kdf=KdfParams.floor(), clock=clock
    )
    store = vault.store
    now = datetime.fromtimestamp(vault.clock.now_ms() / 1000, tz=UTC)
    with store.transaction():
        vault.set_meta(DEMO_MARK, "fictional")
        set_station_zone(store, STATION_ZONE)
        local = now.astimezone(ZoneInfo(STATION_ZONE))
        people = _add_people(store, rng, contacts, local.date(), progress)
        _add_meetings(store, rng, people, max(meetings - 1, 0), local)
        # The library first: its sample limits check the gifts as they are added.
        import_directory(store, resource_dir() / "protocol")
        if meetings > 0:
            add_dinner(store, people, _weekday(local.date() + timedelta(days=9)))
        if progress:
            progress(f"{meetings} meetings")
        gifts = add_gifts(store, people, local.date())
        if progress:
            progress(f"{gifts} gifts")
    return vault, DEMO_PASSPHRASE


def open_demo(
    path: Path,
    *,
    rebuild: bool = False,
    replace_other: bool = False,
    contacts: int = 300,
    meetings: int = 600,
    clock: Clock | None = None,
    progress: Progress | None = None,
) -> tuple[Vault, bool]:
    """The demo vault at `path`, unlocked: the one kept from before, or a new one.

    Returns the vault and whether it was built now. `rebuild` replaces a demo
    kept from before. A vault there that is not a demo is never touched, unless
    `replace_other`: the application's own demo folder, where only demos are
    written, may hold one made before demos were kept, under a passphrase lost.
    """
    if is_vault(path):
        kept = _reopen(path, clock)
        if kept is not None and not rebuild:
            return kept, False
        if kept is None and not replace_other:
            raise VaultExists(f"{path} holds a vault that is not a demo; it was left untouched.")
        if kept is not None:
            kept.lock()
        try:
            shutil.rmtree(path)
        except OSError as exc:
            raise storage_error(exc, path) from exc
    vault, _ = create_demo_vault(
        path, contacts=contacts, meetings=meetings, clock=clock, progress=progress
    )
    return vault, True


def _reopen(path: Path, clock: Clock | None) -> Vault | None:
    """The demo at `path`, unlocked; None if the vault there is not a demo.

    The demo passphrase is tried on the key slot first, not through `Vault.unlock`:
    on an officer's own vault named by mistake, it must not count as a failed unlock.
    """
    keyfile = read_keyfile(path / KEY_FILE)
    try:
        wipe(
            keyfile.slot("passphrase").open(normalize_passphrase(DEMO_PASSPHRASE), keyfile.vault_id)
        )
    except WrongPassphrase:
        return None
    vault = Vault.unlock(path, DEMO_PASSPHRASE, clock=clock or SystemClock())
    if not vault.info.demo:
        vault.lock()
        return None
    return vault


# -- people ---------------------------------------------------------------------------------


def _add_people(
    store: Store, rng: random.Random, how_many: int, today: date, progress: Progress | None
) -> dict[str, tuple[Person, Contact]]:
    plans = organization_plans()
    org_ids: dict[str, str] = {}
    for plan in plans:  # parents come first in the plans
        org = store.add(
            Organization(
                name=plan.name,
                kind=plan.kind,
                country=plan.country,
                parent_id=org_ids.get(plan.parent) if plan.parent else None,
                tags=("demo",),
            )
        )
        org_ids[plan.key] = org.id
    if progress:
        progress(f"{len(plans)} organizations")
    invented = invent_people(rng, how_many)
    ranks = rank_table()
    added = store.add_many(
        Contact(
            full_name=person.full_name,
            rank=person.rank,
            rank_code=ranks.code_of(person.rank, person.country),
            diplomatic_rank=diplomatic_rank,
            accredited_on=accredited_on,
            position=person.position,
            org_id=org_ids[person.org.key],
            country=person.country,
            given_name=person.given,
            family_name=person.family,
            languages=_languages(person),
            how_met=rng.choice(
                (
                    "Introduced at a reception",
                    "Met during staff talks",
                    "Course classmate at the staff college",
                    "Introduced by the previous attaché",
                )
            ),
            cadence_days=rng.choice((None, 30, 60, 60, 90)),
            marking=rng.choice(("UNCLASSIFIED", "UNCLASSIFIED", "RESTRICTED")),
            tags=("demo", person.country.lower()),
        )
        for person, (diplomatic_rank, accredited_on) in zip(
            invented, accreditation(invented, today), strict=True
        )
    )
    own_rng = random.Random(rng.getstate()[1][0])  # details draw apart: the rest stays the same
    store.add_many(
        record
        for person, contact in zip(invented, added, strict=True)
        for record in details(own_rng, person, contact)
    )
    if progress:
        progress(f"{len(added)} contacts")
    return {c.id: (p, c) for p, c in zip(invented, added, strict=True)}


def _languages(person: Person) -> tuple[str, ...]:
    spoken = BY_CODE[person.country].languages
    return spoken if "French" in spoken else (*spoken, "French")


# -- meetings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    kind: str
    title: str
    place: str | None
    host: Contact
    guests: tuple[Contact, ...]
    start: time


def _add_meetings(
    store: Store,
    rng: random.Random,
    people: dict[str, tuple[Person, Contact]],
    how_many: int,
    now: datetime,
) -> None:
    zone = now.tzinfo
    assert zone is not None
    contacts = [c for _, c in people.values()]
    by_org: dict[str | None, list[Contact]] = {}
    for contact in contacts:
        by_org.setdefault(contact.org_id, []).append(contact)
    today = now.date()
    for n in range(how_many):
        # The first few fall this week, so the Today page has something to show.
        day = _weekday(today + timedelta(days=n)) if n < 8 else _past_or_soon(rng, today)
        plan = _plan(rng, people, by_org, contacts)
        when = datetime.combine(day, plan.start, tzinfo=zone)
        topic = rng.choice(_TOPICS)
        meeting = store.add(
            Meeting(
                title=plan.title.format(topic=topic),
                kind=plan.kind,
                starts_at=when.isoformat(),
                timezone=STATION_ZONE,
                place=plan.place,
                summary=f"Discussed {topic}." if when < now else None,
                notes=_notes(rng, plan, topic) if when < now else None,
                marking=rng.choice(("UNCLASSIFIED", "RESTRICTED", "RESTRICTED", "CONFIDENTIAL")),
                tags=("demo",),
            )
        )
        store.add_many(
            Participant(
                meeting_id=meeting.id,
                contact_id=who.id,
                role="host" if who is plan.host else "guest",
                marking=meeting.marking,
            )
            for who in (plan.host, *plan.guests)
        )
        if when < now and rng.random() < 0.35:
            store.add(_follow_up(rng, meeting, plan.host, topic, when.date(), today))


def _weekday(day: date) -> date:
    """The day itself, or the Monday after a weekend."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


def _past_or_soon(rng: random.Random, today: date) -> date:
    return _weekday(today - timedelta(days=rng.randint(-21, 540)))


def _plan(
    rng: random.Random,
    people: dict[str, tuple[Person, Contact]],
    by_org: dict[str | None, list[Contact]],
    contacts: list[Contact],
) -> _Plan:
    """A kind of engagement, a title that fits it, who took part and at what hour."""
    host = rng.choice(contacts)
    person, _ = people[host.id]
    colleagues = [c for c in by_org[host.org_id] if c.id != host.id]
    others = [c for c in contacts if c.org_id != host.org_id]
    name = f"{host.rank} {host.full_name}"
    roll = rng.random()
    # People at their ministry at home are met by telephone; the others, in Paris.
    if roll < 0.25 or person.org.phones_of != STATION_COUNTRY:
        return _Plan(
            "call", f"Call with {name} on {{topic}}", None, host, (), _call_hour(rng, person)
        )
    if roll < 0.40:
        return _Plan(
            "meeting",
            f"Lunch with {name}",
            rng.choice(("Officers' club", "Restaurant near the ministry", "Embassy residence")),
            host,
            (),
            time(12, 30),
        )
    if roll < 0.55:
        guests = tuple(rng.sample(colleagues, min(len(colleagues), rng.randint(1, 3))))
        return _Plan(
            "visit",
            f"Visit to the {person.org.name}",
            person.org.name,
            host,
            guests,
            _hour(rng, 9, 15),
        )
    if roll < 0.65 and person.org.kind == "embassy":
        guests = tuple(rng.sample(others, rng.randint(2, 5)))
        return _Plan(
            "reception",
            f"{_adjective(person)} national day reception",
            f"Residence of the ambassador, {person.org.name.removeprefix('Embassy of ')}",
            host,
            guests,
            time(17, 30),
        )
    if roll < 0.70 and person.org.kind == "armed-service":
        guests = tuple(rng.sample(others, rng.randint(1, 3)))
        return _Plan(
            "joint-exercise",
            f"Exercise {rng.choice(_EXERCISES)}: observer day",
            "Training area, Champagne",
            host,
            guests,
            _hour(rng, 9, 10),
        )
    guests = tuple(rng.sample(colleagues, min(len(colleagues), rng.randint(0, 2))))
    return _Plan(
        "meeting",
        f"Meeting with {name} on {{topic}}",
        person.org.name,
        host,
        guests,
        _hour(rng, 9, 17),
    )


def _adjective(person: Person) -> str:
    return BY_CODE[person.country].adjective


def _hour(rng: random.Random, first: int, last: int) -> time:
    """A quarter hour from first:00 to last:00 (both within office hours)."""
    minutes = rng.randrange(first * 60, last * 60 + 1, 15)
    return time(minutes // 60, minutes % 60)


def _call_hour(rng: random.Random, person: Person) -> time:
    """An hour in office hours at the station that is also a working hour where they are."""
    here, there = ZoneInfo(STATION_ZONE), ZoneInfo(BY_CODE[person.org.phones_of].zone)
    probe = datetime(2026, 3, 4, tzinfo=here)  # a Wednesday: only the offsets matter
    fits = [
        slot
        for slot in (time(m // 60, m % 60) for m in range(9 * 60, 17 * 60 + 1, 15))
        if 8 <= datetime.combine(probe.date(), slot, tzinfo=here).astimezone(there).hour < 18
    ]
    return rng.choice(fits) if fits else _hour(rng, 9, 17)


def _notes(rng: random.Random, plan: _Plan, topic: str) -> str:
    speaker = rng.choice((plan.host, *plan.guests))
    return (
        f"## Points\n\n- {speaker.rank} {speaker.full_name} raised {rng.choice(_TOPICS)}.\n"
        f"- Agreed to follow up on {topic}.\n"
    )


def _follow_up(
    rng: random.Random, meeting: Meeting, host: Contact, topic: str, held: date, today: date
) -> FollowUp:
    due = held + timedelta(days=rng.randint(3, 21))
    mine = rng.random() < 0.7
    template = rng.choice(_ACTIONS_MINE if mine else _ACTIONS_THEIRS)
    return FollowUp(
        action=template.format(name=host.full_name, topic=topic),
        owner=None if mine else host.full_name,  # no owner: mine (core/today.py)
        due_date=due.isoformat(),
        status="done" if due < today - timedelta(days=30) else "open",
        meeting_id=meeting.id,
        contact_ids=(host.id,),
        marking=meeting.marking,
    )
