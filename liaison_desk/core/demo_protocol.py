"""The demo's protocol side: attachés accredited, a dinner seated, gifts registered.

So that a newcomer trying the demo sees these parts of the application at work: the
gifts register with some entries flagged for declaration, a seating plan in precedence
order, and diplomats ordered by their accreditation. Nothing here draws on the demo's
random stream: the people and meetings it invents stay the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from liaison_desk.core.demo_people import STATION_COUNTRY, STATION_ZONE, Person
from liaison_desk.core.gifts import add_gift
from liaison_desk.core.records import Contact, Gift, Meeting, Participant
from liaison_desk.core.seating_plan import make_plan
from liaison_desk.core.store import Store

DINNER_TITLE = "Dinner for the defence attachés"
DINNER_PLACE = "Hôtel de Brienne"
DINNER_HOUR = time(19, 30)
TABLE_SEATS = 10

# An embassy's defence attaché ranks as a counsellor, the deputy as a first secretary.
_DIPLOMATIC = {"Defence attaché": "counsellor", "Deputy defence attaché": "first-secretary"}

# (the defence attaché's country, direction, what, value, currency, occasion, days ago)
_GIFTS = (
    ("JP", "received", "Framed woodblock print", "18000", "JPY", "Farewell call", 12),
    ("JP", "given", "Book on the châteaux of the Loire", "45", "EUR", "Return gift", 5),
    ("DE", "received", "Bottle of Riesling", "25", "EUR", "Visit to the embassy", 61),
    ("IN", "received", "Pashmina shawl", "120", "EUR", "National day reception", 75),
    ("BR", "given", "Plaque of the defence section", "60", "EUR", "Courtesy call", 90),
    ("KE", "given", "Working lunch for a visiting delegation", "340", "EUR", "Staff talks", 24),
)


def accreditation(people: Sequence[Person], today: date) -> list[tuple[str | None, str | None]]:
    """Each person's diplomatic rank and date of accreditation, (None, None) for most:
    embassies' defence attachés and their deputies, accredited some weeks apart, so that
    precedence among equals has a date to go by."""
    out: list[tuple[str | None, str | None]] = []
    accredited = today - timedelta(days=150)
    for person in people:
        rank = _DIPLOMATIC.get(person.position) if person.org.kind == "embassy" else None
        if rank is None:
            out.append((None, None))
            continue
        out.append((rank, accredited.isoformat()))
        accredited -= timedelta(days=41)
    return out


def _attaches(people: Mapping[str, tuple[Person, Contact]]) -> dict[str, Contact]:
    """Each embassy's defence attaché, by country."""
    return {
        person.country: contact
        for person, contact in people.values()
        if person.org.kind == "embassy" and person.position == "Defence attaché"
    }


def add_dinner(store: Store, people: Mapping[str, tuple[Person, Contact]], day: date) -> None:
    """The host nation's dinner for the attaché corps on `day`, seated by `make_plan`.

    Its host is the first of the host nation's people (the head of international
    cooperation when there is one); the guests, the accredited attachés and the
    host nation's service staffs' first officers.
    No dinner when the demo has nobody of the host nation.
    """
    own = [(p, c) for p, c in people.values() if p.country == STATION_COUNTRY]
    if not own:
        return
    host = next((c for p, c in own if p.org.key == "dgris"), own[0][1])
    firsts = [
        c
        for p, c in own
        if p.org.kind == "armed-service" and p.position == p.org.positions[0] and c is not host
    ]
    guests = [c for _, c in people.values() if c.diplomatic_rank] + firsts
    when = datetime.combine(day, DINNER_HOUR, tzinfo=ZoneInfo(STATION_ZONE))
    meeting = store.add(
        Meeting(
            title=DINNER_TITLE,
            kind="dinner",
            starts_at=when.isoformat(),
            timezone=STATION_ZONE,
            place=DINNER_PLACE,
            marking="UNCLASSIFIED",
            tags=("demo",),
        )
    )
    store.add_many(
        Participant(
            meeting_id=meeting.id,
            contact_id=who.id,
            role="host" if who is host else "guest",
            marking=meeting.marking,
        )
        for who in (host, *guests)
    )
    tables = math.ceil((1 + len(guests)) / TABLE_SEATS)
    make_plan(store, meeting.id, f"{tables}x{TABLE_SEATS}")


def add_gifts(store: Store, people: Mapping[str, tuple[Person, Contact]], today: date) -> int:
    """A few gifts given to and received from defence attachés, checked against the
    sample limits of the protocol library (imported before): some over them, so the
    register shows declarations. Returns how many were added (the attachés of a small
    demo are fewer)."""
    attaches = _attaches(people)
    added = 0
    for country, direction, what, value, currency, occasion, days_ago in _GIFTS:
        contact = attaches.get(country)
        if contact is None:
            continue
        add_gift(
            store,
            Gift(
                direction=direction,
                description=what,
                value=value,
                currency=currency,
                exchanged_on=(today - timedelta(days=days_ago)).isoformat(),
                contact_ids=(contact.id,),
                occasion=occasion,
                marking="UNCLASSIFIED",
                tags=("demo",),
            ),
        )
        added += 1
    return added
