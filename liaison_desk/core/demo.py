"""A vault of fictional people and meetings, for trying the application safely.

Every name is drawn at random from short lists; any resemblance to a real
person is chance. The data is fixed by a seed so screenshots and tests repeat.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from liaison_desk.core.clock import Clock
from liaison_desk.core.keyslots import KdfParams
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization, Participant
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.vault import Vault

_WORDS = ("amber", "harbor", "lantern", "meadow", "orbit", "pepper", "quartz", "saddle", "timber")

_COUNTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "FR": (
        ("Camille", "Julien", "Hélène", "Mathieu", "Océane"),
        ("Moreau", "Lefèvre", "Girard", "Roux"),
        "Europe/Paris",
    ),
    "DE": (
        ("Jonas", "Anneliese", "Lukas", "Sabine", "Jürgen"),
        ("Becker", "Schäfer", "Krüger", "Vogel"),
        "Europe/Berlin",
    ),
    "JP": (
        ("Haruto", "Yui", "Sota", "Aoi", "Ren"),
        ("Takahashi", "Watanabe", "Ishikawa", "Mori"),
        "Asia/Tokyo",
    ),
    "BR": (
        ("João", "Ana Luísa", "Rafael", "Beatriz", "Thiago"),
        ("Carvalho", "Araújo", "Barbosa", "Pereira"),
        "America/Sao_Paulo",
    ),
    "KE": (
        ("Wanjiru", "Otieno", "Achieng", "Kamau", "Njeri"),
        ("Mwangi", "Odhiambo", "Kiprono", "Wafula"),
        "Africa/Nairobi",
    ),
    "IN": (
        ("Aarav", "Priya", "Vikram", "Ananya", "Rohan"),
        ("Sharma", "Iyer", "Chatterjee", "Reddy"),
        "Asia/Kolkata",
    ),
    "PL": (
        ("Katarzyna", "Piotr", "Agnieszka", "Tomasz", "Zofia"),
        ("Nowak", "Wójcik", "Kamińska", "Zieliński"),
        "Europe/Warsaw",
    ),
    "CA": (
        ("Émilie", "Liam", "Chloé", "Noah", "Sarah"),
        ("Tremblay", "Gagnon", "MacDonald", "Bouchard"),
        "America/Toronto",
    ),
}
_RANKS = (
    "Colonel",
    "Lieutenant Colonel",
    "Commander",
    "Captain (N)",
    "Major",
    "Brigadier General",
    "Mr",
    "Ms",
    "Dr",
)
_POSITIONS = (
    "Defence policy advisor",
    "Head of international cooperation",
    "Deputy chief of staff",
    "Liaison officer",
    "Procurement director",
    "Military assistant to the minister",
)
_ORG_KINDS = (
    ("Ministry of Defence", "ministry"),
    ("Army Staff", "armed-service"),
    ("Navy Staff", "armed-service"),
    ("Air Force Staff", "armed-service"),
    ("Ministry of Foreign Affairs", "ministry"),
)
_MEETING_KINDS = ("meeting", "call", "reception", "visit", "joint-exercise")
_TOPICS = (
    "maritime security cooperation",
    "the annual staff talks",
    "a port visit next spring",
    "officer exchange places at the staff college",
    "humanitarian relief planning",
    "the national day reception",
    "a joint exercise after-action review",
    "export licence timelines",
)
_PLACES = (
    "Ministry, 3rd floor",
    "Officers' club",
    "Embassy residence",
    "Naval base",
    "Café near the ministry",
    "Conference centre",
)


def create_demo_vault(
    path: Path,
    *,
    contacts: int = 300,
    meetings: int = 600,
    seed: int = 7,
    clock: Clock | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Vault, str]:
    """Create and fill a demo vault; returns it unlocked with its (random) passphrase.

    It uses the cheapest key-slot cost we allow: it holds nothing worth protecting.
    """
    rng = random.Random(seed)
    passphrase = "-".join(secrets.choice(_WORDS) for _ in range(4)) + f"-{secrets.randbelow(100)}"
    vault, _ = Vault.create(
        path, passphrase, name="DEMO station", role="station", kdf=KdfParams.floor(), clock=clock
    )
    store = vault.store
    now = datetime.fromtimestamp(vault.clock.now_ms() / 1000, tz=UTC)
    with store.transaction():
        orgs = store.add_many(
            Organization(name=f"{label} ({code})", kind=kind, country=code, tags=("demo",))
            for code in _COUNTRIES
            for label, kind in _ORG_KINDS
        )
        if progress:
            progress(f"{len(orgs)} organizations")
        people = store.add_many(_contact(rng, rng.choice(orgs)) for _ in range(contacts))
        if progress:
            progress(f"{len(people)} contacts")
        for _ in range(meetings):
            when = now - timedelta(days=rng.randint(-30, 720), minutes=rng.randint(0, 600))
            host = rng.choice(people)
            meeting = store.add(_meeting(rng, host, when))
            attendees = {host.id, *(rng.choice(people).id for _ in range(rng.randint(0, 3)))}
            store.add_many(
                Participant(meeting_id=meeting.id, contact_id=cid, marking=meeting.marking)
                for cid in sorted(attendees)
            )
            if rng.random() < 0.3:
                store.add(
                    FollowUp(
                        action=f"Send a note on {rng.choice(_TOPICS)}",
                        owner="Defence attaché",
                        due_date=(when + timedelta(days=rng.randint(3, 30))).date().isoformat(),
                        status="done" if when < now - timedelta(days=60) else "open",
                        meeting_id=meeting.id,
                        contact_ids=tuple(sorted(attendees)),
                    )
                )
        if progress:
            progress(f"{meetings} meetings")
        import_directory(store, resource_dir() / "protocol")
    return vault, passphrase


def _contact(rng: random.Random, org: Organization) -> Contact:
    code = org.country or "FR"
    first, last, _ = _COUNTRIES[code]
    given, family = rng.choice(first), rng.choice(last)
    return Contact(
        full_name=f"{given} {family}",
        rank=rng.choice(_RANKS),
        position=rng.choice(_POSITIONS),
        org_id=org.id,
        country=code,
        emails=(
            f"{given.split()[0].lower()}.{family.lower()}@example.org".encode(
                "ascii", "ignore"
            ).decode(),
        ),
        phones=(f"+{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",),
        how_met=rng.choice(
            ("Introduced at a reception", "Met during staff talks", "Course classmate")
        ),
        cadence_days=rng.choice((None, 30, 60, 90)),
        marking=rng.choice(("UNCLASSIFIED", "UNCLASSIFIED", "RESTRICTED")),
        tags=("demo", code.lower()),
    )


def _meeting(rng: random.Random, host: Contact, when: datetime) -> Meeting:
    topic = rng.choice(_TOPICS)
    _, _, zone = _COUNTRIES[host.country or "FR"]
    return Meeting(
        title=f"{rng.choice(('Talk', 'Lunch', 'Call', 'Visit'))} with {host.full_name} on {topic}",
        kind=rng.choice(_MEETING_KINDS),
        starts_at=when.isoformat(),
        timezone=zone,
        place=rng.choice(_PLACES),
        summary=f"Discussed {topic}.",
        notes=f"## Points\n\n- {host.rank} {host.full_name} raised {rng.choice(_TOPICS)}.\n"
        f"- Agreed to follow up on {topic}.\n",
        marking=rng.choice(("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL")),
        tags=("demo",),
    )
