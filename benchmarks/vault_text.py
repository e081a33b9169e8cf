"""The text vault.py fills its vault with, and the Ctrl+K-style queries it searches for.

Notes that look like an officer's (Zipf-distributed vocabulary with a long tail of rare words,
names, places, codenames, numbers), contacts and meetings built from them, and a fixed mix of
queries, each with the FTS5 expression the plain SQLite baseline is given for it. All of it is
drawn from one `random.Random`, so --seed fixes it. The word lists are corpus.py's, shared with
gui.py; the generator is vault.py's own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from liaison_desk.core.markings import DEFAULT_MARKINGS
from liaison_desk.core.records import MEETING_KINDS, Contact, Meeting
from liaison_desk.core.text_fold import fold

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

_FIRST_NAMES = words(
    "Camille Julien Hélène Mathieu Océane Jonas Anneliese Lukas Sabine Jürgen Haruto Yui "
    "Sota Aoi Ren João Rafael Beatriz Thiago Wanjiru Otieno Achieng Kamau Njeri Aarav Priya "
    "Vikram Ananya Rohan Katarzyna Piotr Agnieszka Tomasz Zofia Émilie Liam Chloé Noah Sarah "
    "Ingrid Lars Sigrid Mikko Aino Dimitris Eleni Giulia Marco Lucía Javier Inês Tiago Amadou "
    "Fatou Kwame Ama Ji-woo Min-jun Siti Budi Olga Andrei Ilse Pieter Saoirse Cian"
)

_PLACES = (
    *PLACES,
    *words("Wellington Seoul Manila Accra Helsinki Copenhagen Stockholm Prague Budapest Valletta"),
)
_RANKS = (
    "Colonel",
    "Lieutenant Colonel",
    "Commander",
    "Captain (N)",
    "Major",
    "Brigadier General",
    "Rear Admiral",
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
    "Naval attaché",
    "Air attaché",
)
_LANGUAGES = ("en", "fr", "de", "ja", "pt", "sw", "hi", "pl", "es", "it", "ko", "ar")
_COUNTRIES = ("FR", "DE", "PL", "KE", "JP", "BR", "CA", "IN", "NO", "IT", "ES", "SN", "KR")
_HOW_MET = (
    "Introduced at a reception",
    "Met during staff talks",
    "Course classmate",
    "Seated together at the national day dinner",
    "Counterpart on the joint exercise planning cell",
)


class TextGen:
    """Notes that look like an officer's: Zipf-distributed vocabulary, names, places, codes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        words = list(dict.fromkeys(LIAISON_WORDS))
        rng.shuffle(words)  # which words are the common ones is fixed by the seed
        syllables = ("ka", "ro", "vel", "tan", "mir", "sol", "dor", "ne", "lu", "bra", "zen", "ot")
        # Real notes draw on a vocabulary of thousands of words (units, systems, programmes,
        # local terms); the rare tail is what makes a typed word selective. LIAISON_WORDS
        # keep the top ranks of the Zipf curve.
        tail = {made_up(rng, syllables, 2, 4) for _ in range(6000)}
        words += sorted(tail - set(words))
        self.content = words
        self.cum_weights = zipf_weights(len(words))
        self.codenames = sorted({made_up(rng, syllables, 2, 3).capitalize() for _ in range(1500)})

    def zipf_word(self) -> str:
        return self.rng.choices(self.content, cum_weights=self.cum_weights)[0]

    def _token(self, content: str) -> str:
        r = self.rng.random()
        if r < 0.30:
            return self.rng.choice(FUNCTION_WORDS)
        if r < 0.36:
            return self.rng.choice(_FIRST_NAMES if r < 0.33 else LAST_NAMES)
        if r < 0.40:
            return self.rng.choice(_PLACES)
        if r < 0.42:
            return self.rng.choice(self.codenames)
        if r < 0.45:
            return str(self.rng.choice((self.rng.randint(1, 31), self.rng.randint(100, 99999))))
        return content

    def sentence(self) -> str:
        n = self.rng.randint(8, 20)
        content = self.rng.choices(self.content, cum_weights=self.cum_weights, k=n)
        tokens = [self._token(w) for w in content]
        if self.rng.random() < 0.3:
            tokens[self.rng.randrange(1, n - 1)] += ","
        return tokens[0][:1].upper() + tokens[0][1:] + " " + " ".join(tokens[1:]) + "."

    def text(self, target_chars: int) -> str:
        return paragraph(self.sentence, target_chars)

    def name(self) -> tuple[str, str]:
        return self.rng.choice(_FIRST_NAMES), self.rng.choice(LAST_NAMES)


def make_contact(gen: TextGen) -> Contact:
    rng = gen.rng
    first, last = gen.name()
    return Contact(
        full_name=f"{first} {last}",
        rank=rng.choice(_RANKS),
        position=rng.choice(_POSITIONS),
        country=rng.choice(_COUNTRIES),
        languages=tuple(rng.sample(_LANGUAGES, rng.randint(1, 3))),
        given_name=first,
        family_name=last,
        nicknames=(f"{ascii_fold(first)}.{ascii_fold(last)}",),
        how_met=rng.choice(_HOW_MET),
        trust_notes=gen.text(80) if rng.random() < 0.3 else None,
        notes=gen.text(rng.randint(100, 300)),
        cadence_days=rng.choice((None, 30, 60, 90)),
        marking=rng.choice(DEFAULT_MARKINGS[:3]),
        tags=tuple(rng.sample(TAGS, rng.randint(0, 2))),
    )


def make_meeting(gen: TextGen) -> Meeting:
    rng = gen.rng
    first, last = gen.name()
    topic = f"{gen.zipf_word()} {gen.zipf_word()}"
    return Meeting(
        title=f"{rng.choice(('Talk', 'Lunch', 'Call', 'Visit'))} with {first} {last} on {topic}",
        starts_at=f"{rng.randint(2019, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        f"T{rng.randint(6, 21):02d}:{rng.choice((0, 15, 30, 45)):02d}:00Z",
        kind=rng.choice(MEETING_KINDS),
        timezone=rng.choice(TIMEZONES),
        place=f"{rng.choice(_PLACES)}, {gen.zipf_word()} {rng.choice(('room', 'hall', 'club'))}",
        summary=gen.text(rng.randint(80, 200)),
        notes=gen.text(rng.randint(900, 1100)),
        marking=rng.choice(DEFAULT_MARKINGS),
        tags=tuple(rng.sample(TAGS, rng.randint(0, 3))),
    )


@dataclass(frozen=True)
class Query:
    text: str  # what the user types, given to liaison_desk.core.search.search
    match: str  # the FTS5 expression it stands for, given to the plain database
    kind: str


def make_queries(gen: TextGen, count: int) -> list[Query]:
    """A fixed mix: single words, 3-letter prefixes, quoted two-word phrases, two-word AND,
    and names being typed (2 to 4 letters of a surname, no `*`: the word being typed is a
    prefix). A last word without a space after it is a prefix too, as in the search box."""
    rng = gen.rng
    queries: list[Query] = [Query("amb*", '"amb"*', "prefix"), Query("Hel", '"hel"*', "typed")]
    long_words = [w for w in gen.content if len(w) >= 4 and w.isascii()]
    while len(queries) < count:
        slot = len(queries) % 5
        if slot == 0:
            pool = rng.choice((gen.content, gen.content, gen.content, LAST_NAMES, _PLACES))
            word = rng.choice(pool)
            queries.append(Query(word, f'"{fold(word)}"*', "word"))
        elif slot == 1:
            stem = rng.choice(long_words)[:3]
            queries.append(Query(f"{stem}*", f'"{fold(stem)}"*', "prefix"))
        elif slot == 2:
            words = [
                t.strip(",.").lower() for t in gen.sentence().split() if t.strip(",.").isalpha()
            ]
            i = rng.randrange(len(words) - 1)
            a, b = words[i], words[i + 1]
            queries.append(Query(f'"{a} {b}"', f'"{fold(a)} {fold(b)}"', "phrase"))
        elif slot == 3:
            a, b = gen.zipf_word(), rng.choice(gen.content)
            queries.append(Query(f"{a} {b}", f'"{fold(a)}" "{fold(b)}"*', "and"))
        else:
            typed = rng.choice(LAST_NAMES)[: rng.randint(2, 4)]
            queries.append(Query(typed, f'"{fold(typed)}"*', "typed"))
    rng.shuffle(queries)
    return queries
