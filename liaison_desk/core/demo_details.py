"""The demo people's repeatable details: typed phones and emails, a career, a spouse.

Drawn from their own random stream, so the people and meetings the demo
invents stay the same whatever is added here.
"""

from __future__ import annotations

import random

from liaison_desk.core.demo_people import BY_CODE, Person
from liaison_desk.core.records import Contact, ContactPoint, ContactRelation, Posting, Record

_EARLIER_POSTS = (
    "Staff officer, plans",
    "Deputy head of international relations",
    "Instructor, staff college",
    "Desk officer",
    "Liaison officer",
)
SPOUSES = 0.4  # the share of people with a spouse named


def details(rng: random.Random, person: Person, contact: Contact) -> list[Record]:
    """A contact's points, postings and (for some) spouse, as records to add."""
    cid, mark = contact.id, contact.marking
    labels = ("work", "mobile", "home")
    out: list[Record] = [
        ContactPoint(
            contact_id=cid, marking=mark, channel="phone", label=labels[min(i, 2)], value=phone
        )
        for i, phone in enumerate(person.phones)
    ]
    out.append(
        ContactPoint(
            contact_id=cid, marking=mark, channel="email", label="work", value=person.email, pref=1
        )
    )
    started = rng.randint(2019, 2025)
    earlier = started - rng.randint(2, 4)
    country = BY_CODE[person.country]
    out.append(
        Posting(
            title=rng.choice(_EARLIER_POSTS),
            organization=country.ministry,
            starts_on=f"{earlier - rng.randint(2, 3)}-{rng.randint(1, 12):02d}",
            ends_on=f"{earlier}-{rng.randint(1, 12):02d}",
            contact_id=cid,
            marking=mark,
        )
    )
    out.append(
        Posting(
            title=person.position,
            org_id=contact.org_id,
            starts_on=f"{started}-{rng.randint(1, 12):02d}",
            contact_id=cid,
            marking=mark,
        )
    )
    if rng.random() < SPOUSES:
        given = rng.choice(country.men if person.woman else country.women)
        spouse = f"{given} {person.family}"
        out.append(ContactRelation(contact_id=cid, marking=mark, relation="spouse", name=spouse))
    return out
