"""Checks and normalisation applied to every record before it is stored.

Each check raises ValidationError with a sentence naming the field, so the CLI
and the GUI can show it as it is.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from liaison_desk.core import markings as markings_mod
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, MEETING, ORGANIZATION, PROTOCOL, Kind, R
from liaison_desk.core.records import (
    FOLLOWUP_STATUSES,
    MEETING_KINDS,
    ORGANIZATION_KINDS,
    PROTOCOL_CATEGORIES,
    Attachment,
    Contact,
    FollowUp,
    Meeting,
    Organization,
    Participant,
    ProtocolRef,
)

MAX_SHORT = 1_000
MAX_LONG = 2_000_000
MAX_ATTACHMENT = 64 * 1024 * 1024
_LONG_FIELDS = frozenset({"notes", "body", "summary", "trust_notes", "how_met", "address"})
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,40}$")

Exists = Callable[[Kind[Any], str], bool]


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


def validate(kind: Kind[R], record: R, markings: Sequence[str], exists: Exists) -> R:
    """Return the record as it will be stored, or raise ValidationError."""
    changes: dict[str, Any] = {}
    for field in kind.fields:
        value = getattr(record, field)
        if field in kind.list_fields:
            changes[field] = _clean_list(field, value)
        elif isinstance(value, str) or value is None:
            changes[field] = _clean_text(field, value) if field != "marking" else value
    changes["marking"] = markings_mod.resolve(markings, record.marking or "")
    clean = dataclasses.replace(record, **changes)
    return _CHECKS[type(clean)](clean, exists)  # type: ignore[no-any-return]


def _organization(o: Organization, exists: Exists) -> Organization:
    _require("name", o.name)
    if o.parent_id is not None and o.parent_id == o.id:
        raise ValidationError("An organization cannot be its own parent.")
    _must_exist(exists, ORGANIZATION, "parent", o.parent_id)
    return dataclasses.replace(
        o, kind=_one_of("kind", o.kind, ORGANIZATION_KINDS), country=country_code(o.country)
    )


def _contact(c: Contact, exists: Exists) -> Contact:
    _require("full name", c.full_name)
    for email in c.emails:
        if not _EMAIL.match(email):
            raise ValidationError(f"{email!r} is not an email address.")
    for phone in c.phones:
        if not _PHONE.match(phone):
            raise ValidationError(f"{phone!r} is not a phone number.")
    if c.cadence_days is not None and not 1 <= c.cadence_days <= 3650:
        raise ValidationError("The contact cadence must be between 1 and 3650 days.")
    _must_exist(exists, ORGANIZATION, "organization", c.org_id)
    return dataclasses.replace(c, country=country_code(c.country))


def _meeting(m: Meeting, exists: Exists) -> Meeting:
    _require("title", m.title)
    if m.timezone is not None:
        zone(m.timezone)
    return dataclasses.replace(
        m,
        starts_at=utc_timestamp(_require("time", m.starts_at), m.timezone),
        kind=_one_of("kind", m.kind, MEETING_KINDS),
    )


def _participant(p: Participant, exists: Exists) -> Participant:
    _must_exist(exists, MEETING, "meeting", _require("meeting", p.meeting_id))
    _must_exist(exists, CONTACT, "participant", _require("participant", p.contact_id))
    return p


def _followup(f: FollowUp, exists: Exists) -> FollowUp:
    _require("action", f.action)
    if f.status not in FOLLOWUP_STATUSES:
        raise ValidationError(f"The status must be one of: {', '.join(FOLLOWUP_STATUSES)}.")
    _must_exist(exists, MEETING, "meeting", f.meeting_id)
    _must_exist(exists, CONTACT, "contact", f.contact_id)
    return dataclasses.replace(f, due_date=iso_date("due date", f.due_date))


def _protocol(p: ProtocolRef, exists: Exists) -> ProtocolRef:
    _require("title", p.title)
    _require("body", p.body)
    country = None if (p.country or "").lower() == "general" else country_code(p.country)
    return dataclasses.replace(
        p,
        country=country,
        category=_one_of("category", p.category, PROTOCOL_CATEGORIES),
        effective_date=iso_date("effective date", p.effective_date),
    )


def _attachment(a: Attachment, exists: Exists) -> Attachment:
    _require("name", a.name)
    _require("type", a.mime)
    if len(a.data) > MAX_ATTACHMENT:
        raise ValidationError("Attachments are limited to 64 MiB.")
    owners = (CONTACT, ORGANIZATION, MEETING, FOLLOWUP, PROTOCOL)
    if not any(exists(kind, _require("owner", a.owner_id)) for kind in owners):
        raise ValidationError(f"There is no record {a.owner_id} to attach the file to.")
    return a


_CHECKS: dict[type[Any], Callable[[Any, Exists], Any]] = {
    Organization: _organization,
    Contact: _contact,
    Meeting: _meeting,
    Participant: _participant,
    FollowUp: _followup,
    ProtocolRef: _protocol,
    Attachment: _attachment,
}
