"""Lists as CSV: a header and rows of text, safe to open in a spreadsheet.

Lists are joined with "; "; a contact's organization is its whole path,
outermost first ("Ministère des Armées / DGRIS / Bureau Afrique"). A cell a
spreadsheet would run as a formula (one starting with =, @, a tab or a carriage
return, or with + or - followed by something other than a number) gets a
leading apostrophe, the OWASP advice against CSV injection; phone numbers such
as +33 1 23 45 67 89 stay as they are. The file is UTF-8 with a byte-order
mark, so Excel reads accents right.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from liaison_desk.core.contact_details import address_text, details_for
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.interop.listing import PAGE, all_matching
from liaison_desk.core.interop.meeting_export import attendees_of
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.kinds import kind_of
from liaison_desk.core.records import Contact, Meeting, Record
from liaison_desk.core.store import ListQuery, Store

_FORMULA = ("=", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"^[+-][0-9 ()./;+-]*$")  # numbers, phone numbers, lists of them
DERIVED: dict[type[Record], tuple[str, ...]] = {
    Contact: ("organization", "phones", "emails", "addresses"),
    Meeting: ("participants",),
}


def guard(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    if text.startswith(_FORMULA) or (text[:1] in "+-" and text and not _NUMBER_LIKE.match(text)):
        return "'" + text
    return text


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return guard("; ".join(str(v) for v in value))
    return guard(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The CSV file: header row, then one row per record; CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def check_columns(cls: type[Record], columns: Sequence[str]) -> None:
    kind = kind_of(cls)
    known = ("id", "created_at", "updated_at", *kind.fields, *DERIVED.get(cls, ()))
    unknown = [c for c in columns if c not in known]
    if unknown or not columns:
        raise ValidationError(
            f"A {kind.name} has no column {unknown[0] if unknown else '(none given)'}; "
            f"choose among: {', '.join(c for c in known if c != 'data')}."
        )


_CHANNEL_COLUMNS = {"phones": "phone", "emails": "email", "addresses": "address"}


def _points_of(store: Store, contact_ids: list[str]) -> dict[str, dict[str, list[str]]]:
    """Each contact's phones, emails and addresses as text, by channel."""
    out: dict[str, dict[str, list[str]]] = {}
    for contact_id, details in details_for(store, contact_ids).items():
        for point in details.points:
            text = address_text(point) if point.channel == "address" else point.value
            if text:
                out.setdefault(contact_id, {}).setdefault(point.channel, []).append(text)
    return out


def record_rows(
    store: Store, cls: type[Record], query: ListQuery, columns: Sequence[str]
) -> Iterator[list[Any]]:
    """The values of `columns` for every record the query matches (derived ones included)."""
    check_columns(cls, columns)
    orgs = Organizations(store) if "organization" in columns else None
    page: list[Record] = []

    def flush() -> Iterator[list[Any]]:
        people = {}
        if "participants" in columns:
            people = attendees_of(store, [r.id for r in page])
        points: dict[str, dict[str, list[str]]] = {}
        if {"phones", "emails", "addresses"} & set(columns):
            points = _points_of(store, [r.id for r in page])
        for record in page:
            row: list[Any] = []
            for column in columns:
                if column == "organization" and orgs is not None:
                    row.append(" / ".join(orgs.chain(getattr(record, "org_id", None))) or None)
                elif column == "participants":
                    row.append([a.name for a in people.get(record.id, ())])
                elif column in _CHANNEL_COLUMNS:
                    row.append(points.get(record.id, {}).get(_CHANNEL_COLUMNS[column], []))
                else:
                    row.append(getattr(record, column))
            yield row

    for record in all_matching(store, cls, query):
        page.append(record)
        if len(page) == PAGE:
            yield from flush()
            page = []
    yield from flush()
