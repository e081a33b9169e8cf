"""Which passphrases we refuse at creation, and why, in words the officer can act on.

The estimate is zxcvbn's (Dropbox's estimator, maintained as the `zxcvbn`
package): it knows dictionaries, names, keyboard walks, dates, repeats and
substitutions, which a length-and-variety rule never did. A passphrase is
accepted at `ACCEPTED_SCORE` (zxcvbn's "safely unguessable: moderate
protection from offline slow-hash attacks", and our key slots use Argon2id,
a slow hash). The GUI's meter and the core's refusal read the same `assess`,
so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_LENGTH = 12
ACCEPTED_SCORE = 3
# zxcvbn refuses longer input (its matching is quadratic); a longer passphrase is judged
# on its first part, which only ever underestimates it.
_ESTIMATED_CHARS = 72
# Words an attacker who knows what this program is tries first, and the passphrases
# everyone has seen as examples (whole, so a dictionary attack's first guesses).
_PRODUCT_WORDS = (
    "liaison",
    "desk",
    "liaisondesk",
    "embassy",
    "attache",
    "station",
    "correct horse battery staple",
    "correcthorsebatterystaple",
    "tr0ub4dor&3",
)
_VERDICTS = ("Very weak", "Weak", "Fair", "Strong", "Very strong")


@dataclass(frozen=True)
class Assessment:
    """What the meter shows: a 0-4 score, the refusal (None: accepted) and zxcvbn's advice."""

    score: int
    problem: str | None
    warning: str
    suggestions: tuple[str, ...]
    crack_time: str  # how long an offline attack on a slow hash would take, in words

    @property
    def verdict(self) -> str:
        return _VERDICTS[self.score]


def assess(passphrase: str) -> Assessment:
    """Rate a passphrase the way the meter shows it and the vault enforces it."""
    if not passphrase:
        return Assessment(0, _too_short(), "", (), "")
    # Imported here: its word lists cost 13 MB and a fifth of a second, which only
    # choosing a passphrase should pay (not every unlock, sync import or CLI command).
    from zxcvbn import zxcvbn

    result = zxcvbn(passphrase[:_ESTIMATED_CHARS], user_inputs=list(_PRODUCT_WORDS))
    score = int(result["score"])
    feedback = result["feedback"]
    warning = str(feedback.get("warning") or "")
    suggestions = tuple(str(s) for s in feedback.get("suggestions") or ())
    crack_time = str(result["crack_times_display"]["offline_slow_hashing_1e4_per_second"])
    problem: str | None = None
    if len(passphrase) < MIN_LENGTH:
        problem = _too_short()
    elif score < ACCEPTED_SCORE:
        problem = " ".join(
            [warning or "An attacker would guess this passphrase too soon.", *suggestions[:1]]
        )
    return Assessment(score, problem, warning, suggestions, crack_time)


def weakness(passphrase: str) -> str | None:
    """A sentence saying why this passphrase is too weak, or None if it is acceptable."""
    return assess(passphrase).problem


def _too_short() -> str:
    return f"Use at least {MIN_LENGTH} characters; three or four unrelated words work well."
