"""Checks and normalisation applied to every record before it is stored.

Each check raises ValidationError with a sentence naming the field, so the CLI
and the GUI can show it as it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import vRecur

from liaison_desk.core import gift_limits, routing
from liaison_desk.core import markings as markings_mod
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import (
    CONTACT,
    FOLLOWUP,
    GIFT,
    MEETING,
    ORGANIZATION,
    PROTOCOL,
    Kind,
)
from liaison_desk.core.phones import check_number, e164, split_extension
from liaison_desk.core.precedence_rules import check_rule
from liaison_desk.core.ranks import check_code
from liaison_desk.core.records import (
    CONTACT_CHANNELS,
    DIPLOMATIC_RANKS,
    FOLLOWUP_STATUSES,
    GIFT_DIRECTIONS,
    MEETING_KINDS,
    ORGANIZATION_KINDS,
    PHONE_LABELS,
    PROTOCOL_CATEGORIES,
    RELATION_KINDS,
)
from liaison_desk.core.structured_refs import rules_of

MAX_SHORT = 1_000
MAX_LONG = 2_000_000
LONG_TEXT_BYTES = 4 * MAX_LONG  # a file holding the longest text, in UTF-8 at worst
MAX_ATTACHMENT = 64 * 1024 * 1024
# A record's fields as one op carries them (JSON, UTF-8): a bundle's items are at most
# 1 MiB + 4 KiB (`sync.payload.MAX_ITEM`), and an op adds its clocks to the fields. A record
# the core stored but no peer could read would stop its vault's sync for good.
MAX_RECORD_BYTES = 1_000_000
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_LONG_FIELDS = frozenset({"notes", "body", "summary", "trust_notes", "how_met"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EXTENSION = re.compile(r"^[0-9*#]{1,20}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
_PARTIAL_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_AMOUNT = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,3})?$")  # ASCII: \d takes any script's digits
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_PREF = 100

Exists = Callable[[Kind[Any], str], bool]
# A contact's country by contact id (None if it has none): a phone's default numbering plan.
CountryOf = Callable[[str], str | None]


def _label(field: str) -> str:
    return field.replace("_", " ")


def _clean_text(field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"The {_label(field)} must be text.")
    text = value.strip()
    limit = MAX_LONG if field in _LONG_FIELDS else MAX_SHORT
    if len(text) > limit:
        raise ValidationError(f"The {_label(field)} is longer than {limit:,} characters.")
    return text or None


def _clean_list(field: str, values: Any) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence):
        raise ValidationError(f"The {_label(field)} must be a list.")
    out: list[str] = []
    for value in values:
        text = _clean_text(field, value)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def country_code(value: str | None) -> str | None:
    if value is None:
        return None
    code = value.strip().upper()
    if not _COUNTRY.match(code):
        raise ValidationError(f"Country {value!r} is not a two-letter code such as FR or JP.")
    return code


def utc_timestamp(value: str, timezone: str | None) -> str:
    """ISO 8601 in, UTC with a Z out, so meetings sort correctly across posts."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"The time {value!r} is not ISO 8601 (for example 2026-03-14T10:30+01:00)."
        ) from None
    if moment.tzinfo is None:
        if timezone is None:
            raise ValidationError(f"The time {value!r} needs a UTC offset or a time zone.")
        moment = moment.replace(tzinfo=zone(timezone))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone {name!r} (use a name like Europe/Paris)."
        ) from None


def iso_date(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise ValidationError(
            f"The {_label(field)} {value!r} is not a date like 2026-03-14."
        ) from None


def _one_of(field: str, value: str | None, allowed: Sequence[str]) -> str | None:
    if value is None:
        return None
    normal = value.strip().lower().replace(" ", "-").replace("_", "-")
    if normal not in allowed:
        raise ValidationError(f"The {_label(field)} must be one of: {', '.join(allowed)}.")
    return normal


def _require(field: str, value: str | None) -> str:
    if not value:
        raise ValidationError(f"The {_label(field)} is required.")
    return value


def _must_exist(exists: Exists, kind: Kind[Any], field: str, record_id: str | None) -> None:
    if record_id is not None and not exists(kind, record_id):
        article = "an" if kind.name[0] in "aeiou" else "a"
        raise ValidationError(
            f"The {_label(field)} {record_id} does not name {article} {kind.name}."
        )


Values = dict[str, Any]


def validate(
    kind: Kind[Any],
    record_id: str,
    values: Values,
    markings: Sequence[str],
    exists: Exists,
    country_of: CountryOf | None = None,
) -> Values:
    """Return the field values as they will be stored, or raise ValidationError.

    Works on a dict of fields rather than the dataclass so the store builds each
    record once: this runs for every row of a 100k-row import. `country_of` gives a
    phone's default numbering plan; without it (an import's preview, checking only) a
    phone's E.164 form is not worked out, the costliest part of a contact point.
    """
    clean: Values = {}
    lists = kind.list_fields
    for field, value in values.items():
        if field in lists:
            clean[field] = _clean_list(field, value)
        elif field != "marking" and (value is None or isinstance(value, str)):
            clean[field] = _clean_text(field, value)
        else:
            clean[field] = value
    clean["marking"] = markings_mod.resolve(markings, values["marking"] or "")
    if clean.get("distribution"):
        clean["distribution"] = str(routing.parse(clean["distribution"]))
    if kind.name == "contact_point":
        _contact_point(clean, exists, country_of)
    else:
        _CHECKS[kind.name](record_id, clean, exists)
    _check_size(kind, clean)
    return clean


def _check_size(kind: Kind[Any], values: Values) -> None:
    """Refuse a record too large for one op. Counting characters first spares the encoding
    for every ordinary record (at most 6 bytes each: an escaped control character)."""
    carried = {f: v for f, v in values.items() if f not in kind.not_in_oplog}
    chars = sum(
        len(v) if isinstance(v, str) else sum(map(len, v)) if isinstance(v, list) else 8
        for v in carried.values()
    )
    if 6 * chars + 64 * len(carried) <= MAX_RECORD_BYTES:
        return
    size = len(_JSON.encode(carried).encode())
    if size > MAX_RECORD_BYTES:
        raise ValidationError(
            f"This {kind.name} holds {size / 1_000_000:.1f} MB of text; a record may hold at "
            "most 1 MB, so that every peer can receive it. Move long text into an attached file."
        )


def _organization(record_id: str, o: Values, exists: Exists) -> None:
    _require("name", o["name"])
    if o["parent_id"] is not None and o["parent_id"] == record_id:
        raise ValidationError("An organization cannot be its own parent.")
    _must_exist(exists, ORGANIZATION, "parent", o["parent_id"])
    o["kind"] = _one_of("kind", o["kind"], ORGANIZATION_KINDS)
    o["country"] = country_code(o["country"])


def _contact(record_id: str, c: Values, exists: Exists) -> None:
    _require("full name", c["full_name"])
    cadence = c["cadence_days"]
    if cadence is not None and not (isinstance(cadence, int) and 1 <= cadence <= 3650):
        raise ValidationError("The contact cadence must be between 1 and 3650 days.")
    _must_exist(exists, ORGANIZATION, "organization", c["org_id"])
    c["country"] = country_code(c["country"])
    c["languages"] = tuple(dict.fromkeys(_language(v) for v in c["languages"]))
    c["birthday"] = day_of_year("birthday", c["birthday"])
    c["anniversary"] = day_of_year("anniversary", c["anniversary"])
    if c["rank_code"] is not None:
        if not c["rank"]:
            raise ValidationError("A NATO rank code needs the rank it stands for.")
        c["rank_code"] = check_code(c["rank_code"].strip().upper())
    c["diplomatic_rank"] = _one_of("diplomatic rank", c["diplomatic_rank"], DIPLOMATIC_RANKS)
    c["accredited_on"] = iso_date("date of accreditation", c["accredited_on"])


def _language(value: str) -> str:
    """A language as "fr" or "fr:C1" (a level A1 to C2, or native). Text not starting with a
    language code and a colon is kept as typed: vaults before the levels hold free text
    ("French", "English: fluent"), which must stay valid when the contact is edited."""
    code, sep, level = (part.strip() for part in value.partition(":"))
    if not sep or not _LANGUAGE.match(code.lower()):
        return value
    level = level.upper()
    if level not in _LEVELS and level != "NATIVE":
        raise ValidationError(
            f"The language {value!r} is not a code with a level, such as fr:C1 or en:native."
        )
    return f"{code.lower()}:{'native' if level == 'NATIVE' else level}"


def day_of_year(field: str, value: str | None) -> str | None:
    """A date like 1970-03-14, or --03-14 when the year is not known."""
    if value is None:
        return None
    text = value.strip()
    try:
        if text.startswith("--") and len(text) == 7:
            date.fromisoformat(f"2000-{text[2:]}")  # a leap year: --02-29 is a day
            return text
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ValidationError(
            f"The {_label(field)} {value!r} is not a date like 1970-03-14 (or --03-14 "
            "without the year)."
        ) from None


def partial_date(field: str, value: str | None) -> str | None:
    """A year, a month or a day: 2019, 2019-09 or 2019-09-01."""
    if value is None:
        return None
    text = value.strip()
    padded = text + "-01-01"[: 10 - len(text)] if _PARTIAL_DATE.match(text) else ""
    try:
        date.fromisoformat(padded)
    except ValueError:
        raise ValidationError(
            f"The {_label(field)} {value!r} is not a year, a month or a day "
            "(2019, 2019-09 or 2019-09-01)."
        ) from None
    return text


def _contact_point(p: Values, exists: Exists, country_of: CountryOf | None) -> None:
    contact_id = _require("contact", p["contact_id"])
    _must_exist(exists, CONTACT, "contact", contact_id)
    channel = _one_of("channel", _require("channel", p["channel"]), CONTACT_CHANNELS)
    p["channel"] = channel
    label = p["label"]
    if label is not None and label.lower() in PHONE_LABELS:
        p["label"] = label.lower()
    pref = p["pref"]
    if pref is not None and not (type(pref) is int and 1 <= pref <= MAX_PREF):
        raise ValidationError(f"The preference must be a number from 1 to {MAX_PREF}.")
    p["e164"] = None
    value = p["value"]
    if channel == "phone":
        number, extension = split_extension(_require("phone number", value))
        p["value"] = number = check_number(number)
        if p["extension"] is None:
            p["extension"] = extension
        if p["extension"] is not None and not _EXTENSION.match(p["extension"]):
            raise ValidationError(f"The extension {p['extension']!r} is not digits.")
        if country_of is not None:
            region = None if number.startswith("+") else country_of(contact_id)
            p["e164"] = e164(number, region)
    elif channel == "email":
        if not _EMAIL.match(_require("email", value)):
            raise ValidationError(f"{value!r} is not an email address.")
    elif channel == "address":
        parts = ("value", "po_box", "extended", "street", "locality", "region", "postcode")
        if not any(p[f] for f in (*parts, "country")):
            raise ValidationError("An address needs at least one part.")
    else:
        _require("web address" if channel == "web" else "handle", value)


def _posting(record_id: str, p: Values, exists: Exists) -> None:
    _must_exist(exists, CONTACT, "contact", _require("contact", p["contact_id"]))
    _require("title", p["title"])
    _must_exist(exists, ORGANIZATION, "organization", p["org_id"])
    p["starts_on"] = starts = partial_date("start", p["starts_on"])
    p["ends_on"] = ends = partial_date("end", p["ends_on"])
    if starts and ends and ends[: len(starts)] < starts[: len(ends)]:
        raise ValidationError(f"The posting ends ({ends}) before it starts ({starts}).")


def _relation(record_id: str, r: Values, exists: Exists) -> None:
    contact_id = _require("contact", r["contact_id"])
    _must_exist(exists, CONTACT, "contact", contact_id)
    relation = _require("relation", r["relation"])
    known = relation.lower().replace(" ", "-").replace("_", "-")
    r["relation"] = known if known in RELATION_KINDS else relation
    if r["other_id"] is None and r["name"] is None:
        raise ValidationError("A relation names the other person: a contact or a name.")
    if r["other_id"] == contact_id:
        raise ValidationError("A contact cannot be related to themselves.")
    _must_exist(exists, CONTACT, "other person", r["other_id"])


def _meeting(record_id: str, m: Values, exists: Exists) -> None:
    _require("title", m["title"])
    if type(m["all_day"]) is not bool:
        raise ValidationError("All day must be yes or no.")
    if m["all_day"]:
        m["timezone"] = None  # a day is the same day in every zone
    elif m["timezone"] is not None:
        zone(m["timezone"])
    m["starts_at"] = _moment("time", _require("time", m["starts_at"]), m)
    if m["ends_at"] is not None:
        m["ends_at"] = _moment("end", m["ends_at"], m)
        if m["ends_at"] < m["starts_at"] or (m["all_day"] and m["ends_at"] == m["starts_at"]):
            raise ValidationError("The meeting ends before it starts.")
    m["recurrence"] = recurrence_rule(m["recurrence"])
    m["exdates"] = tuple(sorted({_moment("left-out date", d, m) for d in m["exdates"]}))
    m["rdates"] = tuple(sorted({_moment("added date", d, m) for d in m["rdates"]}))
    m["kind"] = _one_of("kind", m["kind"], MEETING_KINDS)


def _moment(what: str, value: str, m: Values) -> str:
    """A meeting's time as stored: UTC, or for an all-day meeting its day at 00:00Z."""
    if not m["all_day"]:
        return utc_timestamp(value, m["timezone"])
    try:
        day = date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise ValidationError(
            f"The {what} {value!r} is not a date like 2026-03-14 (the meeting is all day)."
        ) from None
    return f"{day.isoformat()}T00:00:00Z"


def recurrence_rule(value: str | None) -> str | None:
    """A repeat rule as RRULE writes it ("FREQ=WEEKLY;BYDAY=MO"), checked by icalendar."""
    if value is None:
        return None
    text = "".join(value.split()).upper().removeprefix("RRULE:")  # spaces mean nothing there
    try:
        rule = vRecur.from_ical(text)
    except (ValueError, TypeError):
        rule = None
    if not rule or "FREQ" not in rule:
        raise ValidationError(
            f"The repeat rule {value!r} is not an iCalendar rule such as FREQ=WEEKLY;BYDAY=MO."
        )
    return str(rule.to_ical().decode())


def _participant(record_id: str, p: Values, exists: Exists) -> None:
    _must_exist(exists, MEETING, "meeting", _require("meeting", p["meeting_id"]))
    _must_exist(exists, CONTACT, "participant", _require("participant", p["contact_id"]))


def _followup(record_id: str, f: Values, exists: Exists) -> None:
    _require("action", f["action"])
    if f["status"] not in FOLLOWUP_STATUSES:
        raise ValidationError(f"The status must be one of: {', '.join(FOLLOWUP_STATUSES)}.")
    _must_exist(exists, MEETING, "meeting", f["meeting_id"])
    for contact_id in f["contact_ids"]:
        _must_exist(exists, CONTACT, "contact", contact_id)
    f["due_date"] = iso_date("due date", f["due_date"])


def amount(field: str, value: str | None) -> str:
    """A sum of money as stored: plain digits with at most three decimals ("150", "89.90")."""
    text = _require(field, value).replace(" ", "")
    if not _AMOUNT.match(text):
        raise ValidationError(f"The {_label(field)} {value!r} is not an amount like 150 or 89.90.")
    return text


def currency_code(value: str | None) -> str:
    code = _require("currency", value).upper()
    if not _CURRENCY.match(code):
        raise ValidationError(f"The currency {value!r} is not a three-letter code such as EUR.")
    return code


def _gift(record_id: str, g: Values, exists: Exists) -> None:
    g["direction"] = _one_of("direction", _require("direction", g["direction"]), GIFT_DIRECTIONS)
    _require("description", g["description"])
    g["value"] = amount("value", g["value"])
    g["currency"] = currency_code(g["currency"])
    g["exchanged_on"] = iso_date("date", _require("date", g["exchanged_on"]))
    for contact_id in g["contact_ids"]:
        _must_exist(exists, CONTACT, "contact", contact_id)
    _must_exist(exists, MEETING, "meeting", g["meeting_id"])
    g["country"] = country_code(g["country"])


def _protocol(record_id: str, p: Values, exists: Exists) -> None:
    _require("title", p["title"])
    _require("body", p["body"])
    general = (p["country"] or "").lower() == "general"
    p["country"] = None if general else country_code(p["country"])
    p["category"] = _one_of("category", p["category"], PROTOCOL_CATEGORIES)
    p["effective_date"] = iso_date("effective date", p["effective_date"])
    rules = rules_of(p["body"])
    check_rule(p["body"], p["category"])
    if rules is not None and p["category"] == gift_limits.CATEGORY:
        gift_limits.read_limits(rules)


def _attachment(record_id: str, a: Values, exists: Exists) -> None:
    _require("name", a["name"])
    _require("type", a["mime"])
    if len(a["data"]) > MAX_ATTACHMENT:
        raise ValidationError("Attachments are limited to 64 MiB.")
    owners = (CONTACT, ORGANIZATION, MEETING, FOLLOWUP, PROTOCOL, GIFT)
    owner = _require("owner", a["owner_id"])
    if not any(exists(kind, owner) for kind in owners):
        raise ValidationError(f"There is no record {owner} to attach the file to.")


_CHECKS: dict[str, Callable[[str, Values, Exists], None]] = {
    "organization": _organization,
    "contact": _contact,
    "meeting": _meeting,
    "participant": _participant,
    "followup": _followup,
    "protocol": _protocol,
    "attachment": _attachment,
    "posting": _posting,
    "relation": _relation,
    "gift": _gift,
}
