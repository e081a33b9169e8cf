"""Generated text shared by the benchmark scripts (vault.py and gui.py).

The word lists both scripts draw from, and the pieces of a Zipf-curve text generator. The
generators themselves stay apart (vault.py's TextGen, gui.py's Vocabulary in gui_child.py), as
do the first names, ranks, positions and record makers: they differ, and a given --seed must
keep producing the rows each script has always measured. For the same reason a list's order
matters here: a seed shuffles it, or draws from it by index.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Callable, Sequence


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FUNCTION_WORDS = words(
    "the the the of of and and to to a a in in that is was for on with as by at from it be "
    "this are have not will their which would should our they he she his her we also but "
    "after before during about into over under than then there"
)

# Common words of liaison work, in the order a seed has always shuffled them: vault.py uses
# them as they are; gui.py (gui_child.py) inserts "ambush" and adds more military terms.
# Each generator puts a few thousand rarer made-up terms (units, systems, programmes, local
# names) behind them on a Zipf curve.
LIAISON_WORDS = words(
    "liaison attaché embassy ministry delegation cooperation exercise logistics training "
    "procurement protocol agenda briefing staff talks officer colonel general commander navy "
    "army aviation defence security maritime border regional bilateral multilateral agreement "
    "memorandum understanding visit reception ceremony dinner lunch invitation schedule "
    "deadline report assessment capability equipment helicopter frigate submarine radar "
    "satellite cyber communications interoperability doctrine planning readiness deployment "
    "mission peacekeeping humanitarian disaster relief evacuation medical engineering "
    "infrastructure budget funding contract industry supplier delivery maintenance spares fuel "
    "port airfield base headquarters command discussed agreed proposed requested confirmed "
    "declined postponed expressed concern interest support positive cautious informal formal "
    "senior junior new former incoming outgoing annual quarterly joint combined initial final "
    "draft revised pending urgent routine sensitive public private ambassador ambitious "
    "ambiguous amber ambulance amphibious ammunition analysis anniversary approval arrangement "
    "arrival aircraft airspace alliance allocation academy adviser audit authority autumn "
    "battalion brigade bureau cadet campaign candidate capacity cargo certificate chancellery "
    "channel chief civilian clearance coast coastguard college committee compliance conference "
    "consulate convoy corridor council counterpart course courtesy credentials crew customs "
    "decision declaration delay demining department deputy detachment dialogue diplomat "
    "director division document donation drill election engine envoy escort estimate "
    "evaluation exchange expert export facility fleet flight forecast forum frontier garrison "
    "gift guidance harbour helmet honour hospital host hotel hydrography immigration import "
    "incident inspection instructor insurance interpreter inventory island itinerary journal "
    "jurisdiction keynote laboratory language launch legal licence lieutenant manoeuvre "
    "manual medal minister monitoring museum national negotiation network observer operation "
    "order outcome parade parliament partner passport patrol permit personnel pilot platoon "
    "precedence presentation president press priority programme project proposal quota "
    "rank ratification reconnaissance recruitment regiment regulation rehearsal renewal "
    "representative rescue research reserve residence review river rotation salute sanctions "
    "scholarship seminar sergeant shipment signal simulator squadron standard statement "
    "strategy summit surveillance symposium tactics tanker technician telegram tender "
    "terminal territory threat toast trade transit translation transport treaty tribunal "
    "uniform university vehicle vessel veteran village visa warehouse weather workshop "
    "writing youth zone winter spring summer dinner speech minutes note follow action item "
    "timeline phone call email message letter copy signature stamp seal office floor room "
    "garden terrace club cafe restaurant car driver flight ticket baggage arrival departure"
)

LAST_NAMES = words(
    "Moreau Lefèvre Girard Roux Becker Schäfer Krüger Vogel Takahashi Watanabe Ishikawa Mori "
    "Carvalho Araújo Barbosa Pereira Mwangi Odhiambo Kiprono Wafula Sharma Iyer Chatterjee "
    "Reddy Nowak Wójcik Kamińska Zieliński Tremblay Gagnon MacDonald Bouchard Johansson "
    "Nieminen Papadopoulos Rossi Bianchi García Fernández Silva Costa Diallo Ndiaye Mensah "
    "Asante Kim Park Santoso Wijaya Ivanova Popescu Janssen Visser Murphy Byrne Novák Horváth"
)

PLACES = words(  # vault.py adds ten more
    "Paris Berlin Warsaw Nairobi Tokyo Brasília Ottawa Kraków Mombasa Osaka Toulon Brest "
    "Kiel Gdynia Mumbai Halifax Geneva Brussels Vienna Oslo Riga Vilnius Tallinn Bucharest "
    "Athens Rome Madrid Lisbon Dakar Abidjan Djibouti Doha Singapore Jakarta Canberra"
)

TIMEZONES = (
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Warsaw",
    "Africa/Nairobi",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "America/Toronto",
    "Asia/Kolkata",
)

TAGS = ("navy", "army", "air", "industry", "protocol", "nato", "un", "eu", "training", "vip")


def ascii_fold(text: str) -> str:
    """Lower-case ASCII without spaces ("Hélène" -> "helene"), for e-mail addresses."""
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed.encode("ascii", "ignore").decode().lower().replace(" ", "")


def zipf_weights(count: int) -> list[float]:
    """Cumulative weights for random.choices: the word of rank r is drawn with weight 1/r."""
    return list(itertools.accumulate(1.0 / (i + 1) for i in range(count)))


def made_up(rng: random.Random, syllables: Sequence[str], shortest: int, longest: int) -> str:
    """A made-up word of `shortest` to `longest` syllables (a rare term, a codename)."""
    return "".join(rng.choice(syllables) for _ in range(rng.randint(shortest, longest)))


def paragraph(sentence: Callable[[], str], chars: int) -> str:
    """Sentences joined by spaces until there are at least `chars` characters."""
    parts: list[str] = []
    size = 0
    while size < chars:
        s = sentence()
        parts.append(s)
        size += len(s) + 1
    return " ".join(parts)
