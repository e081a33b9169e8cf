"""Names in any script: the Latin shadow of a name the search index holds, and of a query.

"Петров", "Παπαδόπουλος" and "محمد" are indexed as written and, beside them in the
index's `names` column, as their Latin letters (anyascii: "petrov", "papadopoulos",
"mhmd"); a Latin query meets them there, and a query typed in another script is
turned into Latin letters the same way, so it meets "Petrov" in the title.

Arabic is written without its short vowels, so "Mohammed" and "mhmd" still differ.
Names also carry a consonant key of each word: Latin letters, vowels (and the
half-vowels y, w) dropped, doubled letters made single, q read as k, so
"Mohammed", "Muhammad", "Mohamed" and "محمد" all give "mhmd"; the Arabic article
is dropped too ("الحسن" also gives "hsn"), and two neighbouring words give their
joined key ("عبد الله" gives "bdlh", as "Abdullah" does). A key bridges a name
written without its vowels (Arabic, Hebrew) and one written with them, never two
of one kind: "Moreau" does not find "Mori". A German umlaut is also indexed in its
"ue" spelling ("Müller" as "mueller"), and a query's "ue" is also read as "u", so
"Mueller" finds "Müller" and "Muller".

Neither the Latin spellings nor the keys are words: a spelling is indexed with a
leading "0" ("0petrov"), a key with a trailing "0" (from Arabic or Hebrew) or "1"
(from any other script), so neither meets a word of the notes, and looking them
up reads the names only (a word of the notes starting with what is typed would
otherwise be read in every meeting, to be dropped).

What it does not find: spellings that differ in their consonants ("Gamal" for
"جمال", read "jml"; "Chérif" for "شريف", read "shrf"; "Osman" for "عثمان", read
"thmn"), and a Han name from its reading ("田中" reads as Chinese "tianzhong", never
"Tanaka": a Japanese name is found in Latin through the alias the contact carries;
kana do read as "tanaka"). A key is loose by design: "Omar" finds every Arabic
name read "mr"; such names rank below the names that match as typed.
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
_SKELETON_MARK = "1"  # after the key of a word written with its vowels: "mhmd1"
_ABJAD_MARK = "0"  # after the key of one written without (Arabic, Hebrew): "mhmd0"
_ABJAD = re.compile("[\u0590-\u06ff\u0750-\u077f]")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_UE = re.compile(r"(?<=[a-z])([aou])e")
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
    """The keys one name word contributes: its own, and without the Arabic article."""
    keys = [skeleton(word)]
    if word.startswith(_ARABIC_ARTICLE) and len(word) > len(_ARABIC_ARTICLE) + 1:
        keys.append(skeleton(word[len(_ARABIC_ARTICLE) :]))
    mark = _mark(word)
    return [key + mark for key in keys if key]


def _mark(word: str) -> str:
    """Where a key comes from: a word written without its vowels (Arabic, Hebrew) or not."""
    return _ABJAD_MARK if _ABJAD.search(word) else _SKELETON_MARK


def shadow(text: str | None) -> str | None:
    """What the index's `names` column holds for the names in `text`, None when nothing.

    The Latin spelling of each word not written in Latin letters (a Latin word is in
    the index as written already) and the "ue" spelling of a German umlaut, then each
    word's key, then the joined key of two neighbouring words of one kind; every
    word once.
    """
    if not text:
        return None
    out: dict[str, None] = {}
    typed = _typed_words(text)
    words = [fold(word) for word in typed]
    for raw, word in zip(typed, words, strict=True):
        roman = latin(word)
        if roman and roman != word:
            out[_LATIN_MARK + roman] = None
        if (german := fold(raw.translate(_UMLAUTS))) != word:
            out[_LATIN_MARK + german] = None
    for word in words:
        out.update(dict.fromkeys(_keys(word)))
    for first, second in pairwise(words):
        joined = _DOUBLED.sub(r"\1", skeleton(first) + skeleton(second))
        if joined and _mark(first) == _mark(second):
            out[joined + _mark(first)] = None
    return " ".join(out) or None


def sql_shadow(text: object) -> object:
    """`shadow` for SQL: a name's shadow for the search index's triggers."""
    return shadow(text) if isinstance(text, str) else None


@dataclass(frozen=True)
class Spellings:
    """Other ways to find one term of a query, each as FTS5 will look it up."""

    plain: tuple[str, ...]  # met as typed words: "petrov" for "Петров", "muller" for "Mueller"
    shadowed: str | None  # its Latin spelling as names in another script hold it: "0petrov"
    keys: tuple[str, ...]  # its consonant keys: "mhmd0" (in Arabic names) for "Mohammed"


def spellings(term: str) -> Spellings:
    """The other spellings of the words of `term`.

    A key finds names of the other kind only: a Latin "Moreau" and "Marie" share
    their consonants, but only an Arabic name needs them to be found from Latin.
    """
    typed = _typed_words(term)
    words = [fold(word) for word in typed]
    romans = [r for r in map(latin, words) if r]
    key = _DOUBLED.sub(r"\1", "".join(skeleton(w) for w in words))
    plain = [" ".join(romans)] if romans and romans != words else []
    german = [fold(w.translate(_UMLAUTS)) for w in typed]
    if german != words:
        plain.append(" ".join(german))  # "Müller" finds "Mueller"
    contracted = [_UE.sub(r"\1", w) for w in words]
    if contracted != words:
        plain.append(" ".join(contracted))  # "Mueller" finds "Muller"
    if not key:  # numbers are no names
        return Spellings(tuple(plain), None, ())
    abjad = any(_ABJAD.search(w) for w in words)
    marks = (_ABJAD_MARK, _SKELETON_MARK) if abjad else (_ABJAD_MARK,)
    return Spellings(
        tuple(plain), " ".join(_LATIN_MARK + r for r in romans), tuple(key + m for m in marks)
    )


def _typed_words(text: str) -> list[str]:
    """The words of `text` in lower case, Arabic vowel marks dropped (they would split one)."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower().translate(_ARABIC_MARKS))


def names_match(text: str) -> str | None:
    """An FTS5 expression finding the words of `text` among the names' shadows, None if none.

    For list filters, which match titles as typed: this adds the names written in
    another script ("Pet" finds "Петров", "Mohammed" finds "محمد").
    """
    terms: list[str] = []
    for typed in _typed_words(text):
        word = fold(typed)
        options = [f'"{_LATIN_MARK}{latin(word) or word}"*']
        options += [f'"{key}"' for key in spellings(typed).keys]
        terms.append(f"({' OR '.join(options)})")
    return f"names : ({' AND '.join(terms)})" if terms else None


def marks_in(title: str, text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) offsets of the words of `title` that the query `text` finds through
    their shadow: "Иван Петров" for "Petrov" marks "Петров", as a match as typed is marked."""
    asked = [spellings(word) for word in _typed_words(text)]
    romans = [latin(fold(word)) for word in _typed_words(text)]
    romans += [p for s in asked for p in s.plain]
    keys = {key for s in asked for key in s.keys}
    marks: list[tuple[int, int]] = []
    for found in _WORD.finditer(title):
        raw = found.group().lower().translate(_ARABIC_MARKS)
        word = fold(raw)
        spelled = (latin(word), fold(raw.translate(_UMLAUTS)))
        if set(_keys(word)) & keys or any(r and s.startswith(r) for r in romans for s in spelled):
            marks.append(found.span())
    return tuple(marks)
