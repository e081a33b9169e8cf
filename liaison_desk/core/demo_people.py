"""The invented people of the demo: names, organizations, emails and phone numbers.

Every name is drawn from short lists of common given and family names; any
resemblance to a real person is chance. Email domains end in `.example`
(reserved, RFC 2606) and phone numbers follow each country's numbering plan
(so they look right and validate) without belonging to anyone we know of.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from liaison_desk.core.ranks import rank_table, seniority

STATION_COUNTRY = "FR"
STATION_ZONE = "Europe/Paris"
STATION_NAME = "Defence section, Paris"

# Letters NFKD does not take apart into a base letter and an accent.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "Ø": "O",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",  # dotless i
    }
)


def ascii_fold(text: str) -> str:
    """Hélène Łukasiewicz -> Helene Lukasiewicz: accents dropped, letters spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode()
    )


def email_local(given: str, family: str) -> str:
    """The part before the @: given.family, in ASCII, a space or apostrophe becoming -."""

    def part(name: str) -> str:
        words = ascii_fold(name).lower().replace("'", " ").split()
        return "-".join(words)

    return f"{part(given)}.{part(family)}"


@dataclass(frozen=True)
class Country:
    code: str
    adjective: str
    zone: str
    languages: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    families: tuple[str, ...]
    phones: tuple[str, ...]  # formats; each X becomes a digit
    ministry: str
    domain: str  # the country's government domain, under the reserved .example


COUNTRIES: tuple[Country, ...] = (
    Country(
        "FR",
        "French",
        "Europe/Paris",
        ("French", "English"),
        ("Camille", "Hélène", "Océane", "Élodie", "Margaux", "Anaïs", "Sophie"),
        ("Julien", "Mathieu", "François", "Jérôme", "Benoît", "Thibault", "Loïc"),
        (
            "Moreau",
            "Lefèvre",
            "Girard",
            "Roux",
            "Dubois",
            "Fontaine",
            "Chevalier",
            "Mercier",
            "Gauthier",
            "Lemaître",
            "Bérard",
            "Perrin",
        ),
        ("+33 1 4X XX XX XX", "+33 6 1X XX XX XX"),
        "Ministry of the Armed Forces",
        "gouv.fr.example",
    ),
    Country(
        "DE",
        "German",
        "Europe/Berlin",
        ("German", "English"),
        ("Anneliese", "Sabine", "Jördis", "Katrin", "Ulrike", "Franziska"),
        ("Jonas", "Lukas", "Jürgen", "Matthias", "Sönke", "Henrik"),
        ("Becker", "Schäfer", "Krüger", "Vogel", "Weiß", "Großmann", "Köhler", "Brandt"),
        ("+49 30 2XXX XXXX", "+49 151 XXXX XXXX"),
        "Federal Ministry of Defence",
        "bund.de.example",
    ),
    Country(
        "JP",
        "Japanese",
        "Asia/Tokyo",
        ("Japanese", "English"),
        ("Yui", "Aoi", "Haruka", "Misaki", "Sakura"),
        ("Haruto", "Sota", "Ren", "Kenji", "Takumi"),
        ("Takahashi", "Watanabe", "Ishikawa", "Mori", "Yamamoto", "Nakamura", "Saitō"),
        ("+81 3 5XXX XXXX", "+81 90 3XXX XXXX"),
        "Ministry of Defense",
        "go.jp.example",
    ),
    Country(
        "BR",
        "Brazilian",
        "America/Sao_Paulo",
        ("Portuguese", "English", "Spanish"),
        ("Ana Luísa", "Beatriz", "Letícia", "Conceição", "Mariana"),
        ("João", "Rafael", "Thiago", "Sérgio", "Vinícius"),
        ("Carvalho", "Araújo", "Barbosa", "Pereira", "Gonçalves", "Magalhães", "Simões"),
        ("+55 61 3XXX XXXX", "+55 61 99XXX XXXX"),
        "Ministry of Defence",
        "gov.br.example",
    ),
    Country(
        "KE",
        "Kenyan",
        "Africa/Nairobi",
        ("English", "Swahili"),
        ("Wanjiru", "Achieng", "Njeri", "Akinyi", "Wambui"),
        ("Otieno", "Kamau", "Kipchoge", "Mutua", "Omondi"),
        ("Mwangi", "Odhiambo", "Kiprono", "Wafula", "Njoroge", "Chebet", "Kariuki"),
        ("+254 20 XXX XXXX", "+254 71X XXX XXX"),
        "Ministry of Defence",
        "go.ke.example",
    ),
    Country(
        "IN",
        "Indian",
        "Asia/Kolkata",
        ("Hindi", "English"),
        ("Priya", "Ananya", "Kavya", "Meera", "Nandini"),
        ("Aarav", "Vikram", "Rohan", "Arjun", "Siddharth"),
        ("Sharma", "Iyer", "Chatterjee", "Reddy", "Menon", "Kulkarni", "Bhatt"),
        ("+91 11 2XXX XXXX", "+91 98XXX XXXXX"),
        "Ministry of Defence",
        "gov.in.example",
    ),
    Country(
        "PL",
        "Polish",
        "Europe/Warsaw",
        ("Polish", "English"),
        ("Katarzyna", "Agnieszka", "Zofia", "Małgorzata", "Joanna"),
        ("Piotr", "Tomasz", "Paweł", "Łukasz", "Michał"),
        ("Nowak", "Wójcik", "Kamińska", "Zieliński", "Łukasiewicz", "Dąbrowski", "Król"),
        ("+48 22 XXX XX XX", "+48 501 XXX XXX"),
        "Ministry of National Defence",
        "gov.pl.example",
    ),
    Country(
        "CA",
        "Canadian",
        "America/Toronto",
        ("English", "French"),
        ("Émilie", "Chloé", "Sarah", "Geneviève", "Megan"),
        ("Liam", "Noah", "Étienne", "Owen", "Mathis"),
        ("Tremblay", "Gagnon", "MacDonald", "Bouchard", "O'Neill", "Côté", "Pelletier"),
        ("+1 613 99X XXXX", "+1 613 29X XXXX"),
        "Department of National Defence",
        "gc.ca.example",
    ),
)
BY_CODE = {c.code: c for c in COUNTRIES}


@dataclass(frozen=True)
class OrgPlan:
    """An organization to create, and who works there."""

    key: str
    name: str
    kind: str
    country: str
    domain: str
    phones_of: str  # the country whose numbers its people have
    positions: tuple[str, ...]  # the first ones are held by one person each
    military: bool
    parent: str | None = None


_HOST_ORGS = (
    ("mod", "Ministry of the Armed Forces", "ministry", "defense", None, False),
    (
        "dgris",
        "Directorate-General for International Relations and Strategy",
        "ministry",
        "dgris",
        "mod",
        False,
    ),
    ("army", "French Army Staff", "armed-service", "terre", "mod", True),
    ("navy", "French Navy Staff", "armed-service", "marine", "mod", True),
    ("air", "French Air and Space Force Staff", "armed-service", "air", "mod", True),
    ("mfa", "Ministry for Europe and Foreign Affairs", "ministry", "diplomatie", None, False),
)
_POSITIONS = {
    "ministry": (
        "Head of international cooperation",
        "Deputy director for bilateral relations",
        "Defence policy advisor",
        "Desk officer, Europe",
        "Desk officer, Africa",
        "Desk officer, Asia",
        "Desk officer, Americas",
        "Policy officer",
    ),
    "armed-service": (
        "Deputy chief of staff",
        "Head of international relations",
        "Exercise planning officer",
        "Partnerships officer",
        "Liaison officer",
        "Staff officer, plans",
    ),
    "embassy": (
        "Defence attaché",
        "Deputy defence attaché",
        "Naval attaché",
        "Air attaché",
        "Army attaché",
        "Assistant defence attaché",
    ),
}


def organization_plans() -> list[OrgPlan]:
    """The host nation's ministries and staffs, and each other country's embassy and ministry."""
    host = BY_CODE[STATION_COUNTRY]
    plans = [
        OrgPlan(
            key,
            name,
            kind,
            host.code,
            f"{sub}.{host.domain}",
            host.code,
            _POSITIONS[kind],
            military,
            parent,
        )
        for key, name, kind, sub, parent, military in _HOST_ORGS
    ]
    for country in COUNTRIES:
        if country.code == STATION_COUNTRY:
            continue
        plans.append(
            OrgPlan(
                f"embassy-{country.code}",
                f"Embassy of {_country_name(country)} in Paris",
                "embassy",
                country.code,
                f"paris.embassy.{country.domain}",
                host.code,
                _POSITIONS["embassy"],
                True,
            )
        )
        plans.append(
            OrgPlan(
                f"mod-{country.code}",
                f"{country.adjective} {country.ministry}",
                "ministry",
                country.code,
                f"defence.{country.domain}",
                country.code,
                _POSITIONS["ministry"],
                False,
            )
        )
    return plans


def _country_name(country: Country) -> str:
    return {
        "DE": "Germany",
        "JP": "Japan",
        "BR": "Brazil",
        "KE": "Kenya",
        "IN": "India",
        "PL": "Poland",
        "CA": "Canada",
    }[country.code]


# The grades each service's officers hold, as NATO codes (STANAG 2116): three senior
# officers' and one flag or general officer's, each worded in the nation's own ranks.
_RANKS = {
    "army": ("OF-5", "OF-4", "OF-3", "OF-6"),
    "navy": ("OF-5", "OF-4", "OF-3", "OF-7"),
    "air-force": ("OF-5", "OF-4", "OF-3", "OF-6"),
}
_QUALIFIED = {"army": "Army", "navy": "N", "air-force": "Air"}


def _rank(rng: random.Random, plan: OrgPlan, position: str) -> str:
    """A rank of the service the position belongs to (a naval attaché is a naval officer)."""
    if plan.key == "navy" or position.startswith("Naval"):
        service = "navy"
    elif plan.key == "air" or position.startswith("Air"):
        service = "air-force"
    elif plan.key == "army" or position.startswith("Army"):
        service = "army"
    else:
        service = rng.choice(tuple(_RANKS))
    return rank_word(plan.country, service, rng.choice(_RANKS[service]))


def rank_word(nation: str, service: str, code: str) -> str:
    """The nation's own word for a grade of its service, as the rank table has it, so that
    it maps back to its code; a nation without that grade (no OF-6 in Japan) gives the
    next above it. A word other services use for another grade ("Captain") takes its
    service in brackets ("Captain (N)")."""
    table = rank_table()
    held = sorted(
        (r for r in table.of_nation(nation) if r.service == service),
        key=lambda r: r.seniority,
    )
    rank = next(r for r in held if r.seniority >= seniority(code))
    if table.code_of(rank.native, nation) == rank.code:
        return rank.native
    return f"{rank.native} ({_QUALIFIED[service]})"


_CIVILIAN_POSITIONS = frozenset(
    {"Desk officer, Europe", "Desk officer, Africa", "Desk officer, Asia"}
    | {"Desk officer, Americas", "Policy officer", "Defence policy advisor"}
)


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    woman: bool
    country: str
    org: OrgPlan
    position: str
    rank: str
    email: str
    phones: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.given} {self.family}"


def invent_people(rng: random.Random, how_many: int) -> list[Person]:
    """`how_many` distinct people, spread over the organizations, each with their own email.

    A name is never used twice (so never twice in one organization), and the
    first positions of each organization (its defence attaché, its head of
    cooperation) are held by one person only.
    """
    plans = organization_plans()
    names: dict[str, list[tuple[str, str, bool]]] = {}
    for country in COUNTRIES:
        pool = [(g, f, True) for g in country.women for f in country.families]
        pool += [(g, f, False) for g in country.men for f in country.families]
        rng.shuffle(pool)
        names[country.code] = pool
    people: list[Person] = []
    held: dict[str, int] = {plan.key: 0 for plan in plans}
    emails: set[str] = set()
    while len(people) < how_many:
        open_plans = [plan for plan in plans if names[plan.country]]
        if not open_plans:
            break  # every name of the lists is taken
        i = len(people)
        # Everyone somewhere first, twice round, then at random.
        plan = plans[i % len(plans)] if i < 2 * len(plans) else rng.choice(plans)
        if plan not in open_plans:
            plan = rng.choice(open_plans)
        given, family, woman = names[plan.country].pop()
        email = f"{email_local(given, family)}@{plan.domain}"
        if email in emails:
            continue  # two spellings folding to one address: the second is not invented
        emails.add(email)
        n = held[plan.key]
        held[plan.key] += 1
        singles = len(plan.positions) - 1
        position = plan.positions[n] if n < singles else plan.positions[-1]
        military = plan.military and position not in _CIVILIAN_POSITIONS
        if military or (plan.kind == "ministry" and rng.random() < 0.25):
            rank = _rank(rng, plan, position)
        else:
            rank = "Ms" if woman else "Mr"
        people.append(
            Person(
                given,
                family,
                woman,
                plan.country,
                plan,
                position,
                rank,
                email,
                tuple(phone_number(rng, fmt) for fmt in BY_CODE[plan.phones_of].phones),
            )
        )
    return people


def phone_number(rng: random.Random, fmt: str) -> str:
    """A number in the given format, each X a random digit: "+33 1 4X XX XX XX"."""
    return "".join(str(rng.randrange(10)) if c == "X" else c for c in fmt)
