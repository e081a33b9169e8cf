"""The repeatable and dated parts of a card, read the way phones, Outlook, Google and Apple
write them: typed phones, emails, addresses, web pages and handles; birthday and
anniversary; relations; postings; languages.

Labels come from an item group's X-ABLabel (Apple, Google) when there is one,
else from the TYPE parameters ("fax", "pager" and "mobile" before "work" and
"home", so a work fax is a fax); labels no list offers are kept as written.
Each reader marks the lines it used, so what it leaves is reported as not kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from vobject.base import ContentLine

from liaison_desk.core.interop.vcard_values import (
    Properties,
    param_text_of,
    param_values,
    parts_of,
    pref_of,
    split,
    text_of,
    types_of,
    unescape,
)
from liaison_desk.core.phones import split_extension

# TYPE values that say which phone, email or address it is, strongest first.
_TYPE_LABELS = (
    ("FAX", "fax"),
    ("PAGER", "pager"),
    ("CELL", "mobile"),
    ("MOBILE", "mobile"),
    ("IPHONE", "mobile"),
    ("WORK", "work"),
    ("HOME", "home"),
    ("MAIN", "main"),
    ("OTHER", "other"),
)
# TYPE values that say nothing a label would: how the line is used or encoded.
_NOT_LABELS = frozenset(
    [
        "VOICE",
        "PREF",
        "INTERNET",
        "X400",
        "MSG",
        "TEXT",
        "VIDEO",
        "BBS",
        "MODEM",
        "CAR",
        "ISDN",
        "PCS",
        "DOM",
        "INTL",
        "POSTAL",
        "PARCEL",
        "TEXTPHONE",
        "BASE64",
        "B",
        "JPEG",
        "PNG",
        "GIF",
    ]
)
# Apple's and Google's standard labels, as our labels.
_APPLE_LABELS = {
    "mobile": "mobile",
    "iphone": "mobile",
    "homefax": "fax",
    "workfax": "fax",
    "otherfax": "fax",
    "pager": "pager",
    "work": "work",
    "home": "home",
    "main": "main",
    "other": "other",
    "homepage": "homepage",
    "spouse": "spouse",
    "partner": "partner",
    "manager": "reports-to",
    "anniversary": "anniversary",
}
# Instant messaging: the handle properties programs wrote before IMPP, and each service's
# URI scheme (IMPP values are URIs: "xmpp:alice@example.org").
_HANDLES = {
    "X-SKYPE": "skype",
    "X-SKYPE-USERNAME": "skype",
    "X-JABBER": "jabber",
    "X-GTALK": "gtalk",
    "X-GOOGLE-TALK": "gtalk",
    "X-AIM": "aim",
    "X-YAHOO": "yahoo",
    "X-MSN": "msn",
    "X-ICQ": "icq",
    "X-QQ": "qq",
    "X-GADUGADU": "gadugadu",
    "X-MS-IMADDRESS": "im",
}
SCHEMES = {
    "skype": "skype",
    "jabber": "xmpp",
    "gtalk": "xmpp",
    "xmpp": "xmpp",
    "aim": "aim",
    "yahoo": "ymsgr",
    "msn": "msnim",
    "icq": "icq",
    "sip": "sip",
    "matrix": "matrix",
    "irc": "irc",
    "signal": "sgnl",
}
_SERVICE_OF_SCHEME = {"xmpp": "xmpp", "ymsgr": "yahoo", "msnim": "msn", "sgnl": "signal"}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):(.+)$", re.DOTALL)
# Relations: the properties Outlook, Evolution and Thunderbird write, and their meaning.
_RELATED_PROPERTIES = {
    "X-SPOUSE": "spouse",
    "X-MS-SPOUSE": "spouse",
    "X-EVOLUTION-SPOUSE": "spouse",
    "X-MS-MANAGER": "reports-to",
    "X-EVOLUTION-MANAGER": "reports-to",
    "X-MS-ASSISTANT": "assistant",
    "X-EVOLUTION-ASSISTANT": "assistant",
}
ANNIVERSARIES = ("ANNIVERSARY", "X-ANNIVERSARY", "X-MS-ANNIVERSARY", "X-EVOLUTION-ANNIVERSARY")
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?$")
_NO_YEAR = re.compile(r"^--(\d{2})-?(\d{2})$")
_APPLE_NO_YEAR = "1604"  # Apple writes a birthday without its year in the year 1604
LEVEL = re.compile(r"^(?:[ABC][12]|native)$", re.IGNORECASE)
ORG_CHAIN = "chain"  # X-LIAISON-POSTING's X-LIAISON-ORG: the organization is a record's chain


@dataclass(frozen=True, kw_only=True)
class Point:
    """A phone, email, address, web page or handle as a card gives it."""

    channel: str  # phone, email, address, web, im
    label: str | None = None
    value: str | None = None
    extension: str | None = None
    po_box: str | None = None
    extended: str | None = None
    street: str | None = None
    locality: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    pref: int | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True, kw_only=True)
class Job:
    """A posting: `organization` is a chain of organizations when `chain`, else a name."""

    title: str
    organization: tuple[str, ...] = ()
    chain: bool = False
    starts_on: str | None = None
    ends_on: str | None = None


@dataclass(frozen=True, kw_only=True)
class Relative:
    """A relation to a person named here, or to the card whose UID is `uid`."""

    relation: str
    name: str | None = None
    uid: str | None = None


def _none(text: str) -> str | None:
    return text or None


def label_of(props: Properties, line: ContentLine) -> str | None:
    """The line's label: its group's X-ABLabel, else its TYPEs (see the module)."""
    written = props_label(props, line)
    if written is not None:
        return written
    types = types_of(line)
    for name, label in _TYPE_LABELS:
        if name in types:
            return label
    other = sorted(t.lower() for t in types if t not in _NOT_LABELS and not t.startswith("X-"))
    return other[0] if other else None


def phone_value(text: str) -> tuple[str, str | None]:
    """The number as typed and its extension, from a tel: URI or text ("… x89")."""
    if text[:4].lower() == "tel:":
        number, *params = text[4:].split(";")
        ext = next((p[4:] for p in params if p[:4].lower() == "ext="), None)
        return number.strip(), ext or None
    return split_extension(text)


def points(props: Properties) -> Iterator[Point]:
    """Every phone, email, address, web page and handle, in the card's order per channel."""
    for line in props.all("TEL"):
        value, extension = phone_value(text_of(line))
        if value:
            yield Point(
                channel="phone",
                label=label_of(props, line),
                value=value,
                extension=extension,
                pref=pref_of(line),
                line=line.lineNumber,
            )
    for line in props.all("EMAIL"):
        email = text_of(line)
        email = email[7:].strip() if email[:7].lower() == "mailto:" else email
        if email:
            yield _simple("email", props, line, email)
    yield from _addresses(props)
    for line in props.all("URL"):
        if url := text_of(line):
            yield _simple("web", props, line, url)
    yield from _handles(props)


def _simple(channel: str, props: Properties, line: ContentLine, value: str) -> Point:
    return Point(
        channel=channel,
        label=label_of(props, line),
        value=value,
        pref=pref_of(line),
        line=line.lineNumber,
    )


def _addresses(props: Properties) -> Iterator[Point]:
    """ADR lines with their free-form label: 4.0's LABEL parameter, or 2.1/3.0's LABEL line
    of the same item group or, failing that, with the same TYPEs."""
    labels = list(props.peek("LABEL"))
    for line in props.all("ADR"):
        parts = parts_of(line, 7)
        text = param_text_of(line, "LABEL").replace("\\n", "\n")  # some write 3.0's escape
        if not text:
            for candidate in labels:
                if candidate.group == line.group and (
                    line.group or types_of(candidate) == types_of(line)
                ):
                    labels.remove(candidate)
                    props.use(candidate)
                    text = text_of(candidate)
                    break
        box, extended, street, locality, region, postcode, country = (p for p in parts[:7])
        if not any(parts[:7]) and not text:
            continue
        yield Point(
            channel="address",
            label=label_of(props, line),
            value=_none(text.strip()),
            po_box=_none(box),
            extended=_none(extended),
            street=_none(street),
            locality=_none(locality),
            region=_none(region),
            postcode=_none(postcode),
            country=_none(country),
            pref=pref_of(line),
            line=line.lineNumber,
        )


def _handles(props: Properties) -> Iterator[Point]:
    """IMPP (the service from X-SERVICE-TYPE, else the URI's scheme, the scheme then left
    out of the value), and the older X-SKYPE, X-JABBER… properties."""
    for line in props.all("IMPP"):
        value = text_of(line)
        service = next(iter(param_values(line, "X-SERVICE-TYPE")), None)
        match = _SCHEME.match(value)
        if match is not None:
            scheme, handle = match.group(1).lower(), match.group(2)
            if service is None and (scheme in SCHEMES or scheme in _SERVICE_OF_SCHEME):
                service = _SERVICE_OF_SCHEME.get(scheme, scheme)
            if service is not None and SCHEMES.get(service.casefold()) == scheme:
                value = handle
        if value:
            yield Point(
                channel="im", label=service, value=value, pref=pref_of(line), line=line.lineNumber
            )
    for name, service in _HANDLES.items():
        for line in props.all(name):
            if value := text_of(line):
                label = None if service == "im" else service
                yield Point(channel="im", label=label, value=value, line=line.lineNumber)


def date_of(line: ContentLine) -> str | None:
    """A BDAY or ANNIVERSARY as "YYYY-MM-DD", or "--MM-DD" without a year; None if it is
    no date (free text, an impossible day)."""
    text = text_of(line)
    if match := _NO_YEAR.match(text):
        month, day = int(match.group(1)), int(match.group(2))
        try:
            dt.date(2000, month, day)  # a leap year: 29 February is a birthday
        except ValueError:
            return None
        return f"--{month:02d}-{day:02d}"
    if not (match := _DATE.match(text)):
        return None
    year, month, day = (int(g) for g in match.groups())
    if match.group(1) in param_values(line, "X-APPLE-OMIT-YEAR"):
        year = 2000
        no_year = True
    else:
        no_year = False
    try:
        day_of = dt.date(year, month, day)
    except ValueError:
        return None
    return f"--{month:02d}-{day:02d}" if no_year else day_of.isoformat()


def first_date(props: Properties, names: tuple[str, ...], apple_label: str = "") -> str | None:
    """The first date among the lines `names` (or Apple's X-ABDATE with that label)."""
    for name in names:
        for line in props.peek(name):
            if (found := date_of(line)) is not None:
                _use_alternatives(props, name, line, found)
                return found
    if apple_label:
        for line in props.peek("X-ABDATE"):
            if props_label(props, line, use=False) == apple_label and (found := date_of(line)):
                props.use(line)
                props.label(line)
                return found
    return None


def props_label(props: Properties, line: ContentLine, *, use: bool = True) -> str | None:
    """The line's group label, Apple's standard ones as ours ("reports-to" for Manager)."""
    written = props.label(line, use=use)
    return _APPLE_LABELS.get(written.casefold(), written) if written else None


def _use_alternatives(props: Properties, name: str, line: ContentLine, found: str) -> None:
    """Mark the line kept, with the ones that say the same date (vCard 4.0's ALTID twins)."""
    altid = param_values(line, "ALTID")
    for other in props.peek(name):
        same = altid and param_values(other, "ALTID") == altid
        if other is line or same or date_of(other) == found:
            props.use(other)


def relatives(props: Properties) -> Iterator[Relative]:
    """RELATED, Apple's X-ABRELATEDNAMES, and Outlook's and Evolution's X-…-SPOUSE lines."""
    for line in props.all("RELATED"):
        value = text_of(line)
        kinds = param_values(line, "TYPE")
        relation = kinds[0] if kinds else "other"
        if not value:
            continue
        if value[:9].lower() == "urn:uuid:":
            yield Relative(relation=relation, uid=value[9:])
        else:
            yield Relative(relation=relation, name=value)
    for line in props.all("X-ABRELATEDNAMES"):
        if value := text_of(line):
            yield Relative(relation=props_label(props, line) or "other", name=value)
    for name, relation in _RELATED_PROPERTIES.items():
        for line in props.all(name):
            if value := text_of(line):
                yield Relative(relation=relation, name=value)


def jobs(props: Properties) -> Iterator[Job]:
    """Our X-LIAISON-POSTING lines: title;organization (units, comma-separated);starts;ends."""
    for line in props.all("X-LIAISON-POSTING"):
        title, organization, starts, ends = (split(str(line.value), ";") + [""] * 4)[:4]
        units = tuple(u for u in (unescape(x).strip() for x in split(organization, ",")) if u)
        if title := unescape(title).strip():
            yield Job(
                title=title,
                organization=units,
                chain=ORG_CHAIN in param_values(line, "X-LIAISON-ORG"),
                starts_on=_none(unescape(starts).strip()),
                ends_on=_none(unescape(ends).strip()),
            )


def languages(props: Properties) -> Iterator[tuple[str, ContentLine]]:
    """LANG (X-LIAISON-LANG in our 3.0 cards), preferred first, with our level ("fr:C1"),
    each with its line."""
    lines = [*props.all("LANG"), *props.all("X-LIAISON-LANG")]
    for line in sorted(lines, key=lambda ln: pref_of(ln) or 101):
        if value := text_of(line):
            level = next(iter(param_values(line, "X-LIAISON-LEVEL")), "")
            yield (f"{value}:{level}" if level else value), line
