"""A national-day dinner in a vault: 24 guests of 14 nations, the host and co-host, and two
interpreters, as the seating tests plan it."""

from __future__ import annotations

from dataclasses import dataclass

from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.records import Contact
from liaison_desk.core.store import Store

HOSTS = (
    ("Laurent", "Claire Laurent", "FR", "ambassador", "fr:native en:C1 de:B1"),
    ("Marchand", "Paul Marchand", "FR", ("Colonel", "OF-5"), "fr:native en:C2 es:B2"),
)
# Guests, each: key, name, country, (rank, NATO code) or a diplomatic rank, languages.
GUESTS = (
    ("Okafor", "Grace Okafor", "NG", "ambassador", "en:C2"),
    ("Ivanov", "Pyotr Ivanov", "BG", ("Admiral", "OF-9"), "ru:native"),
    ("Schmidt", "Jonas Schmidt", "DE", ("Generalleutnant", "OF-8"), "de:native en:C1"),
    ("Tanaka", "Hiroshi Tanaka", "JP", ("Lieutenant General", "OF-8"), "ja:native"),
    ("Dubois", "Marc Dubois", "BE", ("Major General", "OF-7"), "fr:native en:B2"),
    ("Rossi", "Luca Rossi", "IT", ("Brigadier General", "OF-6"), "it:native fr:C1 en:B1"),
    ("García", "Ana García", "ES", ("Colonel", "OF-5"), "es:native en:B1"),
    ("Nowak", "Piotr Nowak", "PL", ("Colonel", "OF-5"), "pl:native en:C1 de:B2"),
    ("Silva", "João Silva", "PT", ("Colonel", "OF-5"), "pt:native es:C1 en:B2"),
    ("Jensen", "Anders Jensen", "DK", ("Colonel", "OF-5"), "da:native en:C2"),
    ("Müller", "Eva Müller", "DE", ("Oberst", "OF-5"), "de:native fr:B2 en:B1"),
    ("Smith", "John Smith", "GB", ("Colonel", "OF-5"), "en:native"),
    ("Kaya", "Emre Kaya", "TR", ("Albay", "OF-5"), "tr:native en:B2"),
    ("Popescu", "Ion Popescu", "RO", ("Locotenent-colonel", "OF-4"), "ro:native fr:C1 en:B1"),
    ("Horvat", "Ivo Horvat", "HR", ("Lieutenant Colonel", "OF-4"), "hr:native en:B2"),
    ("López", "Carmen López", "ES", ("Teniente coronel", "OF-4"), "es:native en:B1"),
    ("Novák", "Jan Novák", "CZ", ("Major", "OF-3"), "cs:native de:B2 en:B1"),
    ("Papadopoulos", "Nikos Papadopoulos", "GR", ("Major", "OF-3"), "el:native en:C1"),
    ("Berg", "Lars Berg", "SE", ("Major", "OF-3"), "sv:native en:C1"),
    ("Virtanen", "Mika Virtanen", "FI", ("Major", "OF-3"), "fi:native en:C1"),
    ("Dimitrov", "Georgi Dimitrov", "BG", ("Major", "OF-3"), "bg:native ru:C1 en:B1"),
    ("Moreau", "Luc Moreau", "FR", ("Captain", "OF-2"), "fr:native en:B1"),
    ("O'Brien", "Sean O'Brien", "IE", ("Captain", "OF-2"), "en:native"),
    ("Weber", "Karl Weber", "DE", ("Hauptmann", "OF-2"), "de:native en:B2"),
)
INTERPRETERS = (
    ("Orlova", "Irina Orlova", "BG", "ru:native en:C2 fr:C1"),
    ("Sato", "Yuki Sato", "JP", "ja:native en:C2"),
)


@dataclass(frozen=True)
class Dinner:
    meeting_id: str
    ids: dict[str, str]  # key (family name) -> contact id

    def key_of(self, contact_id: str) -> str:
        return next(k for k, v in self.ids.items() if v == contact_id)


def _contact(name: str, country: str, standing: object, languages: str) -> Contact:
    fields: dict[str, object] = {}
    if isinstance(standing, tuple):
        fields = {"rank": standing[0], "rank_code": standing[1]}
    elif isinstance(standing, str):
        fields = {"diplomatic_rank": standing, "accredited_on": "2025-03-01"}
    return Contact(full_name=name, country=country, languages=tuple(languages.split()), **fields)  # type: ignore[arg-type]


def national_day_dinner(store: Store, kind: str = "dinner") -> Dinner:
    """The dinner with its 28 people: hosts in the role "host", interpreters in theirs."""
    people = [(k, _contact(n, c, s, lang), "host") for k, n, c, s, lang in HOSTS]
    people += [(k, _contact(n, c, s, lang), "guest") for k, n, c, s, lang in GUESTS]
    people += [(k, _contact(n, c, None, lang), "interpreter") for k, n, c, lang in INTERPRETERS]
    added = store.add_many([contact for _, contact, _ in people])
    ids = {key: contact.id for (key, _, _), contact in zip(people, added, strict=True)}
    roles = {contact.id: role for (_, _, role), contact in zip(people, added, strict=True)}
    meeting = save_meeting(
        store,
        None,
        {"title": "National day dinner", "starts_at": "2026-07-14T19:30Z", "kind": kind},
        add_people=list(ids.values()),
        roles=roles,
    )
    return Dinner(meeting.id, ids)
