"""Military ranks that compare across nations, through their NATO codes (STANAG 2116).

A "Capitaine de vaisseau", a "Kapitän zur See" and a US Navy "Captain" are one
grade, OF-5; a "Fregattenkapitän" is OF-4. The table in `resources/ranks/` (one
JSON file per nation, each naming its sources) holds each armed force's ranks per
service in the nation's own words and in English, with their codes. A contact keeps
the rank as typed and, when it maps, the code (`Contact.rank_code`); a rank typed
freely keeps no code and reads as "not mapped".
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Contact
from liaison_desk.core.resources import resource_dir

SERVICES = ("army", "navy", "air-force", "marines", "gendarmerie", "space-force")
NOT_MAPPED = "not mapped"
_CODE = re.compile(r"^(OF|OR|WO)-(\d{1,2})$")
_TOP = {"OF": 10, "OR": 9, "WO": 5}
# A grade's place among all others: every officer above every warrant officer, above
# every other rank (STANAG 2116 lists WO grades between OR-9 and OF-1).
_BASE = {"OF": 200, "WO": 100, "OR": 0}
# Dots, hyphens and apostrophes, as typed or as a word processor makes them.
_PUNCTUATION = re.compile("[.\\-\u2010\u2013'\u2019]")
# "Captain (N)", "Colonel (Air)": a service named in brackets after the rank.
_QUALIFIER = re.compile(r"\s*\(([^)]*)\)\s*$")
_QUALIFIERS = {
    "n": "navy",
    "navy": "navy",
    "rn": "navy",
    "usn": "navy",
    "naval": "navy",
    "a": "army",
    "army": "army",
    "af": "air-force",
    "air": "air-force",
    "air force": "air-force",
    "air-force": "air-force",
    "usaf": "air-force",
    "raf": "air-force",
    "m": "marines",
    "marines": "marines",
    "usmc": "marines",
}


def check_code(code: str) -> str:
    """`code` if it is a NATO grade code (OF-1..OF-10, OR-1..OR-9, WO-1..WO-5), else an error."""
    found = _CODE.match(code)
    if not found or not 1 <= int(found.group(2)) <= _TOP[found.group(1)]:
        raise ValidationError(
            f"{code!r} is not a NATO rank code such as OF-5, OR-9 or WO-2 (STANAG 2116)."
        )
    return code


def seniority(code: str) -> int:
    """How senior a NATO code is: higher is more senior (OF-5 > OF-4 > WO-5 > OR-9)."""
    found = _CODE.match(check_code(code))
    assert found is not None
    return _BASE[found.group(1)] + int(found.group(2))


@dataclass(frozen=True)
class Rank:
    """One rank of one nation's service, with its NATO code."""

    nation: str  # ISO 3166-1 alpha-2, upper case
    service: str  # one of SERVICES
    native: str  # in the nation's own words ("Fregattenkapitän")
    english: str  # as the nation's English sources put it ("Commander")
    code: str  # the NATO code ("OF-4")

    @property
    def seniority(self) -> int:
        return seniority(self.code)

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        """Most senior first, then by nation and name: `sorted(ranks, key=lambda r: r.sort_key)`."""
        return (-self.seniority, self.nation, self.service, self.native)

    @property
    def label(self) -> str:
        """How a picker shows it: "Fregattenkapitän (Commander), navy, OF-4"."""
        english = f" ({self.english})" if _key(self.english) != _key(self.native) else ""
        return f"{self.native}{english}, {self.service}, {self.code}"


@dataclass(frozen=True)
class NationRanks:
    """One nation's file: its name and the sources its ranks were taken from."""

    nation: str
    name: str
    sources: tuple[str, ...]
    ranks: tuple[Rank, ...]


def _key(text: str) -> str:
    """Text as ranks are compared: accents (of every script), case, width, dots, hyphens
    and spacing folded, so "Fregattenkapitan", "ΤΑΞΙΑΡΧΟΣ" and "１等陸佐" find their rank."""
    parts = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    text = "".join(c for c in parts if not unicodedata.combining(c)).casefold()
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _split(text: str) -> tuple[str, str | None]:
    """A rank's key and the service a bracket after it names: "Captain (N)" -> captain, navy."""
    qualifier = _QUALIFIER.search(text)
    if qualifier and _key(qualifier.group(1)) in _QUALIFIERS:
        return _key(text[: qualifier.start()]), _QUALIFIERS[_key(qualifier.group(1))]
    return _key(text), None


class RankTable:
    """Every nation's ranks, looked up by name (native or English) and by nation."""

    def __init__(self, nations: tuple[NationRanks, ...]) -> None:
        self.nations = {n.nation: n for n in nations}
        self.ranks: tuple[Rank, ...] = tuple(r for n in nations for r in n.ranks)
        self._native: dict[str, list[Rank]] = {}
        self._english: dict[str, list[Rank]] = {}
        for rank in self.ranks:
            self._native.setdefault(_split(rank.native)[0], []).append(rank)
            self._english.setdefault(_split(rank.english)[0], []).append(rank)

    def __iter__(self) -> Iterator[Rank]:
        return iter(self.ranks)

    def of_nation(self, nation: str | None) -> tuple[Rank, ...]:
        """A nation's ranks (every nation's when `nation` is None) as a list offers them: by
        nation, by service (army, navy, air force…), most senior first, as the files list them."""
        wanted = nation.strip().upper() if nation else None
        chosen = [r for r in self.ranks if wanted is None or r.nation == wanted]
        return tuple(sorted(chosen, key=lambda r: (r.nation, SERVICES.index(r.service))))

    def matches(self, text: str, nation: str | None = None) -> list[Rank]:
        """The ranks `text` may name: the nation's, in its own words or in English, else any
        nation's (a rank typed in English for a nation the table lacks).

        A service in brackets narrows them ("Captain (N)" is the navy's captain).
        """
        key, service = _split(text)
        if not key:
            return []
        wanted = nation.strip().upper() if nation else None
        candidates = self._native.get(key, []) + self._english.get(key, [])
        found = [r for r in dict.fromkeys(candidates) if service in (None, r.service)]
        own = [r for r in found if r.nation == wanted]
        return own or found

    def find(self, text: str, nation: str | None = None) -> Rank | None:
        """The rank `text` names, when every rank it may name has one code; else None.

        "Captain" alone is OF-2 in the US Army and OF-5 in the US Navy: it maps only
        with its service ("Captain (N)") or picked from the table.
        """
        found = self.matches(text, nation)
        if not found or len({r.code for r in found}) > 1:
            return None
        return found[0]

    def code_of(self, text: str | None, nation: str | None) -> str | None:
        """The NATO code a rank typed for a nation maps to, or None (not mapped)."""
        rank = self.find(text, nation) if text else None
        return rank.code if rank else None


def nato_code_of(contact: Contact) -> str | None:
    """The contact's NATO code: the one kept when the rank was picked, else the table's."""
    if contact.rank_code:
        return contact.rank_code
    return rank_table().code_of(contact.rank, contact.country)


def rank_fields(text: str | None, nation: str | None, code: str | None = None) -> dict[str, Any]:
    """The contact fields a typed (or picked) rank sets: its text and, when it maps, its code.

    A code given with the text (the picker's choice) wins over the table's guess, so
    "Captain" picked as the navy's keeps OF-5.
    """
    text = text.strip() if text else None
    if not text:
        return {"rank": None, "rank_code": None}
    if code is not None:
        return {"rank": text, "rank_code": check_code(code)}
    return {"rank": text, "rank_code": rank_table().code_of(text, nation)}


def rank_changes(fields: Mapping[str, Any], held: Contact | None) -> dict[str, Any]:
    """An edit's fields, with the code worked out again when the rank or the country changes.

    The code follows the rank's text and the contact's nation, unless the edit gives
    one (a rank picked as the navy's "Captain" on the command line: OF-5).
    """
    if not {"rank", "rank_code", "country"} & set(fields):
        return dict(fields)
    text = fields.get("rank", held.rank if held else None)
    nation = fields.get("country", held.country if held else None)
    return {**fields, **rank_fields(text, nation, fields.get("rank_code"))}


def unmapped_reason(text: str, nation: str | None) -> str | None:
    """Why a typed rank has no code, in a sentence (None when it maps)."""
    found = rank_table().matches(text, nation)
    codes = sorted({r.code for r in found}, key=seniority, reverse=True)
    if len(codes) == 1:
        return None
    if codes:
        return (
            f"The rank {text!r} may be {' or '.join(codes)}: it is kept {NOT_MAPPED}; "
            "pick it from the table or give its code."
        )
    return f"The rank {text!r} is not in the rank table: it is kept as typed, {NOT_MAPPED}."


def describe(contact: Contact) -> str:
    """A contact's rank as a line reads it: "Fregattenkapitän (OF-4)" or "… (not mapped)"."""
    if not contact.rank:
        return ""
    return f"{contact.rank} ({nato_code_of(contact) or NOT_MAPPED})"


def load_nation(path: Path) -> NationRanks:
    """One nation's file, checked: a nation code, sources, known services, valid codes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    nation = str(data["nation"]).upper()
    sources = tuple(str(s) for s in data["sources"])
    if len(nation) != 2 or not sources:
        raise ValueError(f"{path.name}: a nation needs its two-letter code and its sources")
    ranks = []
    for service, rows in data["services"].items():
        if service not in SERVICES:
            raise ValueError(f"{path.name}: unknown service {service!r}")
        for code, native, english in rows:
            ranks.append(Rank(nation, service, native, english, check_code(code)))
    return NationRanks(nation, str(data["name"]), sources, tuple(ranks))


@functools.cache
def rank_table() -> RankTable:
    """The table shipped in resources/ranks/, read once."""
    folder = resource_dir() / "ranks"
    return RankTable(tuple(load_nation(p) for p in sorted(folder.glob("*.json"))))
