"""Names in any script: the Latin shadow of a name the search index holds, and of a query.

"Петров", "Παπαδόπουλος" and "محمد" are indexed as written and, beside them in the
index's `names` column, as their Latin letters (anyascii: "petrov", "papadopoulos",
"mhmd"); a Latin query meets them there, and a query typed in another script is
turned into Latin letters the same way, so it meets "Petrov" in the title.

Arabic is written without its short vowels, so "Mohammed" and "mhmd" still differ.
Both sides therefore also carry a consonant skeleton of each name word: Latin
letters, vowels (and the half-vowels y, w) dropped, doubled letters made single,
q read as k, so "Mohammed", "Muhammad", "Mohamed" and "محمد" all give "mhmd"; the
Arabic article is dropped too ("الحسن" also gives "hsn"), and two neighbouring
words give their joined skeleton ("عبد الله" gives "bdlh", as "Abdullah" does).
The same skeleton finds "Müller" and "Muller" from "Mueller", and "Petrova" from
"Petrov". Neither is a word: a Latin spelling is indexed with a leading "0"
("0petrov"), a key with a trailing one ("mhmd0"), so neither meets a word of the
notes, and looking them up reads the names only (a word of the notes starting
with what is typed would otherwise be read in every meeting, to be dropped).

What it does not find: spellings that differ in their consonants ("Gamal" for
"جمال", read "jml"; "Chérif" for "شريف", read "shrf"; "Osman" for "عثمان", read
"thmn"), and a Han name from its reading ("田中" reads as Chinese "tianzhong", never
"Tanaka": a Japanese name is found in Latin through the alias the contact carries;
kana do read as "tanaka"). A skeleton is loose by design: "Mueller" also finds
"Miller", ranked below the names that match as typed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from anyascii import __version__ as anyascii_version
from anyascii import anyascii

from liaison_desk.core.text_fold import fold

SQL_NAME = "name_shadow"

# Changes whenever the shadow of a stored name would change (these rules, or the
# library's tables): a vault whose index holds another builds it again at open.
SCHEME = f"1 anyascii {anyascii_version}"

_WORD = re.compile(r"\w+", re.UNICODE)
_LATIN = re.compile(r"[a-z0-9]+")
_CONSONANTS = str.maketrans("q", "k", "aeiouyw0123456789")  # q read as k
_DOUBLED = re.compile(r"(.)\1+")
_SKELETON_MARK = "0"  # after a key: "mhmd0"
_LATIN_MARK = "0"  # before a name's Latin spelling: "0petrov"

# Before anyascii, which reads Greek letter by letter (omicron-upsilon as "oy"): the
# digraphs as ELOT 743 and passports write them (accents and Arabic vowel marks go first).
_GREEK = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("γγ", "ng"), ("γκ", "gk"))  # noqa: RUF001
# The Arabic ta marbuta ends a name in "-a" (Fatima, Osama), never in the "h" anyascii gives.
_TA_MARBUTA = ("ة", "a")
_ARABIC_ARTICLE = "ال"
# The short vowels, shadda and sukun written above and below Arabic letters, rarely typed.
_ARABIC_MARKS = dict.fromkeys((*range(0x064B, 0x0660), 0x0670), None)
# Marks of combining class 9 and below (Indic viramas and nuktas) change how a letter reads;
# those above (accents, Greek tonos, Hebrew and Arabic vowel points) go before anyascii.
_KEPT = 9


@lru_cache(maxsize=8192)  # a vault's names repeat (given, family and full name; families)
def latin(word: str) -> str:
    """`word` in folded Latin letters and digits: "Петров" -> "petrov", "Müller" -> "muller"."""
    if word.isascii():
        return "".join(_LATIN.findall(word.lower()))  # a \w word may hold "_"
    text = "".join(
        c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.combining(c) <= _KEPT
    )
    for greek, roman in _GREEK:
        text = text.replace(greek, roman)
    text = text.replace(*_TA_MARBUTA)
    return "".join(_LATIN.findall(fold(anyascii(text)).lower()))


@lru_cache(maxsize=8192)
def skeleton(word: str) -> str:
    """The consonants of `word` in Latin letters: "Mohammed" and "محمد" both -> "mhmd"."""
    return _DOUBLED.sub(r"\1", latin(word).translate(_CONSONANTS))


def _keys(word: str) -> list[str]:
    """The skeleton keys one name word contributes: its own, and without the Arabic article."""
    keys = [skeleton(word)]
    if word.startswith(_ARABIC_ARTICLE) and len(word) > len(_ARABIC_ARTICLE) + 1:
        keys.append(skeleton(word[len(_ARABIC_ARTICLE) :]))
    return [key for key in keys if key]


def shadow(text: str | None) -> str | None:
    """What the index's `names` column holds for the names in `text`, None when nothing.

    The Latin spelling of each word not written in Latin letters (a Latin word is in
    the index as written already), then each word's skeleton key, then the joined key
    of each two neighbouring words; every word once.
    """
    if not text:
        return None
    words = _words(text)
    out: dict[str, None] = {}
    for word in words:
        roman = latin(word)
        if roman and roman != word:
            out[_LATIN_MARK + roman] = None
    for word in words:
        for key in _keys(word):
            out[key + _SKELETON_MARK] = None
    for first, second in pairwise(words):
        joined = _DOUBLED.sub(r"\1", skeleton(first) + skeleton(second))
        if joined:
            out[joined + _SKELETON_MARK] = None
    return " ".join(out) or None


def sql_shadow(text: object) -> object:
    """`shadow` for SQL: a name's shadow for the search index's triggers."""
    return shadow(text) if isinstance(text, str) else None


@dataclass(frozen=True)
class Spellings:
    """Other ways to find one term of a query, each as FTS5 will look it up."""

    roman: str | None  # its Latin spelling, where typed in another script: meets Latin titles
    shadowed: str | None  # that spelling as names in another script hold it: "0petrov"
    key: str | None  # its consonant key: "mhmd0"


def spellings(term: str) -> Spellings:
    """The other spellings of the words of `term` (None where a word gives none)."""
    words = _words(term)
    romans = [r for r in map(latin, words) if r]
    key = _DOUBLED.sub(r"\1", "".join(skeleton(w) for w in words))
    return Spellings(
        " ".join(romans) if romans and romans != words else None,
        " ".join(_LATIN_MARK + r for r in romans) if key else None,  # numbers are no names
        key + _SKELETON_MARK if key else None,
    )


def _words(text: str) -> list[str]:
    """The folded words of `text`, Arabic vowel marks dropped first (they would split a word)."""
    return _WORD.findall(fold(text).translate(_ARABIC_MARKS))


def names_match(text: str) -> str | None:
    """An FTS5 expression finding the words of `text` among the names' shadows, None if none.

    For list filters, which match titles as typed: this adds the names written in
    another script ("Pet" finds "Петров"), and those with the same consonants.
    """
    terms: list[str] = []
    for word in _words(text):
        options = [f'"{_LATIN_MARK}{latin(word) or word}"*']
        if key := skeleton(word):
            options.append(f'"{key}{_SKELETON_MARK}"')
        terms.append(f"({' OR '.join(options)})")
    return f"names : ({' AND '.join(terms)})" if terms else None


def marks_in(title: str, text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) offsets of the words of `title` that the query `text` finds through
    their shadow: "Иван Петров" for "Petrov" marks "Петров", as a match as typed is marked."""
    romans = [latin(word) for word in _words(text)]
    keys = {spellings(word).key for word in _words(text)} - {None}
    marks: list[tuple[int, int]] = []
    for found in _WORD.finditer(title):
        word = fold(found.group()).translate(_ARABIC_MARKS)
        own = {key + _SKELETON_MARK for key in _keys(word)}
        if own & keys or any(r and latin(word).startswith(r) for r in romans):
            marks.append(found.span())
    return tuple(marks)
