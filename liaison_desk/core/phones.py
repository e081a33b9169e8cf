"""Phone numbers as people type them: kept as typed, with an extension and an E.164 form.

A number is stored as typed (vanity letters, spaces, brackets), because that is
how its owner gave it; a trailing extension ("x89", "ext. 89", ";ext=89") is
split off so it can be dialled after the call connects. The E.164 form
(`+33612345678`) is what libphonenumber makes of the number, when it is a valid
number of a known plan: it lets a search or a duplicate check compare numbers
written differently.
"""

from __future__ import annotations

import re

import phonenumbers

from liaison_desk.core.errors import ValidationError

# A trailing extension: "x89", "ext 89", "ext. 89", "extension 89", ";ext=89", "#89".
_EXTENSION = re.compile(r"\s*(?:;\s*ext=|#|\b(?:ext(?:ension)?\.?|x)\s*)\s*(\d{1,10})\s*$", re.I)
# Digits, vanity letters and the punctuation people put between groups.
_NUMBER = re.compile(r"^\+?[0-9A-Za-z ()./-]{3,40}$")
MIN_DIGITS = 3


def split_extension(value: str) -> tuple[str, str | None]:
    """("+1 555 0100", "89") from "+1 555 0100 x89"; the value alone when none."""
    match = _EXTENSION.search(value)
    if match is None or match.start() == 0:
        return value, None
    return value[: match.start()].rstrip(" ,;"), match.group(1)


def check_number(value: str) -> str:
    """The number as typed, or ValidationError: digits (at least three), vanity letters,
    spaces and the usual separators, with an optional leading +."""
    text = value.strip()
    if not _NUMBER.match(text) or sum(c.isdigit() for c in text) < MIN_DIGITS:
        raise ValidationError(f"{value!r} is not a phone number.")
    return text


def e164(value: str, region: str | None) -> str | None:
    """The number's E.164 form when it is valid; `region` (a country code) is the plan of a
    number written without its international prefix."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
