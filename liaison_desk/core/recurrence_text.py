"""How a series repeats, in words, and the simple rules the editor offers.

The rule itself is kept as iCalendar writes it (RRULE); lists and the editor show
"Weekly on Wednesday, 10 times" rather than FREQ=WEEKLY;COUNT=10;BYDAY=WE. A rule
with parts not spelled out here still shows its frequency and "(see the rule)".
"""

from __future__ import annotations

from datetime import date, datetime

from icalendar import vRecur

# The editor's "Repeats" choices, each a rule of its own (None: a single meeting).
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_EVERY = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
_OFTEN = {"DAILY": "Daily", "WEEKLY": "Weekly", "MONTHLY": "Monthly", "YEARLY": "Yearly"}
_DAYS = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_ORDINAL = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
_SPELLED = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"})


def frequency(rule: str | None) -> str | None:
    """The rule's FREQ (DAILY, WEEKLY…), or None for no rule or one that cannot be read."""
    if not rule:
        return None
    try:
        freq = vRecur.from_ical(rule).get("FREQ")
    except (ValueError, TypeError):
        return None
    return str(freq[0]).upper() if freq else None


def _day(value: object) -> str:
    text = str(value).upper()
    code = text[-2:]
    name = _DAYS.get(code, text)
    number = text[:-2].lstrip("+")
    if number and number.lstrip("-").isdigit():
        nth = _ORDINAL.get(int(number), f"#{number}")
        return f"the {nth} {name}"
    return name


def describe_rule(rule: str | None) -> str:
    """ "Weekly on Wednesday, 10 times", "Every 2 months, until 2026-12-31", "" for none."""
    if not rule:
        return ""
    try:
        parts = vRecur.from_ical(rule)
    except (ValueError, TypeError):
        return f"Repeats ({rule})"
    freq = str(parts.get("FREQ", ["?"])[0]).upper()
    interval = int(parts.get("INTERVAL", [1])[0] or 1)
    if interval > 1:
        text = f"Every {interval} {_EVERY.get(freq, freq.lower())}s"
    else:
        text = _OFTEN.get(freq, f"Repeats {freq.lower()}")
    days = parts.get("BYDAY")
    if days:
        text += " on " + ", ".join(_day(d) for d in days)
    if parts.get("COUNT"):
        text += f", {parts['COUNT'][0]} times"
    until = parts.get("UNTIL")
    if until:
        end = until[0]
        shown = end.date() if isinstance(end, datetime) else end
        text += f", until {shown.isoformat() if isinstance(shown, date) else shown}"
    if set(parts) - _SPELLED:
        text += " (see the rule)"
    return text


def simple_rule(freq: str | None) -> str | None:
    """The rule the editor's choice stands for: "WEEKLY" -> FREQ=WEEKLY."""
    return f"FREQ={freq}" if freq else None
