"""The brief: one page to read ten minutes before meeting a contact, an organization or a meeting.

Who they are (their rank with its NATO code), what was discussed last, what is
still owed both ways, the gifts exchanged before, and what the protocol library
says about their country and rank (for a meeting, its people in order of
precedence, each with the reason for their place): read from the vault in a few
indexed queries (`brief_of`), so it opens as fast for a contact met 200 times
as for one met once. The GUI's Brief view, `liaison-desk brief` and the PDF all
show this one dataclass. Like a report, a brief is marked with the highest
marking of anything it shows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace

from liaison_desk.core import markings as markings_mod
from liaison_desk.core.attachments import photo_of
from liaison_desk.core.brief_protocol import applicable_references
from liaison_desk.core.clock import iso_from_ms
from liaison_desk.core.contact_details import ContactDetails, details_for
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.gifts import gifts_with
from liaison_desk.core.interop.report_data import local_when
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, MEETING, ORGANIZATION
from liaison_desk.core.occurrences import SERIES, latest_start
from liaison_desk.core.precedence import meeting_precedence
from liaison_desk.core.ranks import describe, nato_code_of
from liaison_desk.core.records import (
    Attachment,
    Contact,
    FollowUp,
    Gift,
    Meeting,
    Organization,
    Posting,
    ProtocolRef,
)
from liaison_desk.core.relations import now_stamp, participants, titles
from liaison_desk.core.station_zone import station_today
from liaison_desk.core.timelines import Timeline, country_timeline, months_ending, people_timeline
from liaison_desk.core.vault import Vault

LAST_ENGAGEMENTS = 5  # the last few: what was said last time, not the whole history
MEMBERS_SHOWN = 30  # an organization's people listed in its brief
SPOUSE_RELATIONS = ("spouse", "partner")


@dataclass(frozen=True)
class BriefPerson:
    """Who someone is, as the brief introduces them."""

    contact: Contact
    organization: str | None
    postings: tuple[Posting, ...]  # their career, in order
    spouses: tuple[str, ...]  # spouse or partner, by name
    rank: str = ""  # with its NATO code: "Fregattenkapitän (OF-4)", or "… (not mapped)"
    role: str | None = None  # at the meeting briefed
    place: str | None = None  # why they stand where they do in its precedence
    photo: Attachment | None = None  # the subject's own (a contact's brief)

    def facts(self) -> list[tuple[str, str]]:
        """Who they are as labelled lines, the empty ones left out: the same in print and
        on the terminal."""
        c = self.contact
        facts = [
            ("Rank", self.rank),
            ("Diplomatic rank", c.diplomatic_rank),
            ("Accredited", c.accredited_on),
            ("Position", c.position),
            ("Organization", self.organization),
            ("Country", c.country),
            ("Languages", ", ".join(c.languages)),
            ("Spouse", ", ".join(self.spouses)),
            ("How we met", c.how_met),
        ]
        return [(label, value) for label, value in facts if value]


@dataclass(frozen=True)
class Brief:
    """Everything one brief shows, read at one moment, with the marking it is printed under."""

    kind: str  # "contact", "organization" or "meeting"
    subject_id: str
    title: str
    scope: str  # what it covers, in one line
    marking: str
    vault_name: str
    generated_at: str
    people: tuple[BriefPerson, ...]  # the contact; the organization's people; the participants
    organization: Organization | None  # the organization briefed, or the contact's
    meeting: Meeting | None  # the meeting briefed
    when: str | None  # the meeting's time at the post
    engagements: tuple[Meeting, ...]  # the last ones before now (or the meeting), latest first
    engagements_total: int  # all engagements before then
    owed_by_us: tuple[FollowUp, ...]  # open, owned by no one or by this station
    owed_to_us: tuple[FollowUp, ...]  # open, owned by someone else
    gifts: tuple[Gift, ...]  # given to or received from any of them, newest first
    protocol: tuple[ProtocolRef, ...]
    timelines: tuple[Timeline, ...]  # the people's engagements per month (`charts_of` adds more)
    country: str | None = None  # the contact's or the organization's

    @property
    def records(self) -> int:
        """How many records it shows (for the audit log of a PDF written)."""
        return (
            len(self.people)
            + len(self.engagements)
            + len(self.owed_by_us)
            + len(self.owed_to_us)
            + len(self.gifts)
            + len(self.protocol)
        )


def brief_of(vault: Vault, kind: str, record_id: str) -> Brief:
    """The brief on a contact, an organization or a meeting, as of the vault's clock."""
    if kind == "contact":
        return _contact_brief(vault, record_id)
    if kind == "organization":
        return _organization_brief(vault, record_id)
    if kind == "meeting":
        return _meeting_brief(vault, record_id)
    raise ValidationError(f"A brief is on a contact, an organization or a meeting, not a {kind}.")


def charts_of(vault: Vault, brief: Brief) -> tuple[Timeline, ...]:
    """The brief's charts: the people's engagements per month, then their country's.

    Read apart from the brief, once it is shown: a country's count goes through every
    engagement of all its people (at 100,000 meetings it takes several times the whole
    brief: benchmarks/brief.py), and the page need not wait for a chart.
    """
    if not brief.country or not brief.timelines:
        return brief.timelines
    months = brief.timelines[0].months
    return (*brief.timelines, country_timeline(vault.store, brief.country, months))


# -- the three subjects ---------------------------------------------------------------------


def _contact_brief(vault: Vault, contact_id: str) -> Brief:
    store = vault.store
    contact = store.get(Contact, contact_id)
    org = store.get(Organization, contact.org_id) if contact.org_id else None
    person = _people(vault, [contact])[0]
    person = replace(person, photo=photo_of(vault, contact_id))
    months = months_ending(station_today(store, vault.clock))
    timelines = [people_timeline(store, [contact_id], contact.full_name, months)]
    return _brief(
        vault,
        kind="contact",
        subject_id=contact_id,
        title=" ".join(x for x in (contact.rank, contact.full_name) if x),
        scope="Brief on a contact",
        country=contact.country,
        people=(person,),
        organization=org,
        countries=[contact.country],
        timelines=timelines,
    )


def _organization_brief(vault: Vault, org_id: str) -> Brief:
    store = vault.store
    org = store.get(Organization, org_id)
    members = store.conn.execute(
        f"SELECT {CONTACT.columns()} FROM contacts WHERE org_id = ? AND deleted = 0 "
        "ORDER BY full_name COLLATE NOCASE LIMIT ?",
        (org_id, MEMBERS_SHOWN),
    )
    contacts = [CONTACT.from_row(row) for row in members]
    months = months_ending(station_today(store, vault.clock))
    timelines = [people_timeline(store, [c.id for c in contacts], org.name, months)]
    return _brief(
        vault,
        kind="organization",
        subject_id=org_id,
        title=org.name,
        scope="Brief on an organization",
        country=org.country,
        people=tuple(_people(vault, contacts)),
        organization=org,
        countries=[org.country, *(c.country for c in contacts)],
        timelines=timelines,
    )


def _meeting_brief(vault: Vault, meeting_id: str) -> Brief:
    """A meeting's people in order of precedence (HQ's rule for its hosts' country), each
    with the reason for their place."""
    store = vault.store
    meeting = store.get(Meeting, meeting_id)
    attending = {a.contact.id: a for a in participants(store, meeting_id)}
    placed = meeting_precedence(store, meeting_id)
    contacts = [attending[p.contact_id].contact for p in placed if p.contact_id in attending]
    reasons = {p.contact_id: f"{p.place}. {p.reason}" for p in placed}
    people = tuple(
        replace(
            p,
            role=attending[p.contact.id].participant.role,
            place=reasons.get(p.contact.id),
        )
        for p in _people(vault, contacts)
    )
    months = months_ending(station_today(store, vault.clock))
    ids = [c.id for c in contacts]
    return _brief(
        vault,
        kind="meeting",
        subject_id=meeting_id,
        title=meeting.title,
        scope="Brief for a meeting",
        people=people,
        organization=None,
        countries=[c.country for c in contacts],
        timelines=[people_timeline(store, ids, "these participants", months)],
        meeting=meeting,
    )


# -- the parts every brief has --------------------------------------------------------------


def _brief(
    vault: Vault,
    *,
    kind: str,
    subject_id: str,
    title: str,
    scope: str,
    people: tuple[BriefPerson, ...],
    organization: Organization | None,
    countries: Sequence[str | None],
    timelines: Sequence[Timeline],
    meeting: Meeting | None = None,
    country: str | None = None,
) -> Brief:
    ids = [p.contact.id for p in people]
    before = meeting.starts_at if meeting else _now_stamp(vault)
    engagements, total = _engagements(vault, ids, before, meeting.id if meeting else None)
    owed_by_us, owed_to_us = _followups(vault, ids)
    gifts = _gifts(vault, ids)
    protocol = applicable_references(
        vault.store, countries, [p.contact for p in people], nato_code_of
    )
    shown = [
        *(p.contact.marking for p in people),
        *(x.marking for p in people for x in p.postings),
        *(p.photo.marking for p in people if p.photo),
        *(m.marking for m in engagements),
        *(f.marking for f in (*owed_by_us, *owed_to_us)),
        *(g.marking for g in gifts),
        *(r.marking for r in protocol),
        *([organization.marking] if organization else []),
        *([meeting.marking] if meeting else []),
    ]
    markings = vault.store.markings()
    return Brief(
        kind=kind,
        subject_id=subject_id,
        title=title,
        scope=scope,
        marking=markings_mod.highest(markings, shown) or markings[0],
        vault_name=vault.info.name,
        generated_at=iso_from_ms(vault.clock.now_ms())[:16].replace("T", " ") + " UTC",
        people=people,
        organization=organization,
        meeting=meeting,
        when=local_when(meeting) if meeting else None,
        engagements=tuple(engagements),
        engagements_total=total,
        owed_by_us=tuple(owed_by_us),
        owed_to_us=tuple(owed_to_us),
        gifts=gifts,
        protocol=tuple(protocol),
        timelines=tuple(timelines),
        country=country,
    )


def _now_stamp(vault: Vault) -> str:
    return now_stamp(vault.clock.now_ms())


def _people(vault: Vault, contacts: Sequence[Contact]) -> list[BriefPerson]:
    store = vault.store
    details = details_for(store, [c.id for c in contacts])
    org_names = titles(store, ORGANIZATION, [c.org_id for c in contacts])
    relations = [r for d in details.values() for r in d.relations]
    other_names = titles(store, CONTACT, [r.other_id for r in relations])
    out = []
    for contact in contacts:
        mine = details.get(contact.id, ContactDetails())
        spouses = tuple(
            other_names.get(r.other_id or "") or r.name or ""
            for r in mine.relations
            if r.relation in SPOUSE_RELATIONS
        )
        out.append(
            BriefPerson(
                contact=contact,
                organization=org_names.get(contact.org_id or ""),
                postings=mine.postings,
                spouses=tuple(s for s in spouses if s),
                rank=describe(contact),
            )
        )
    return out


def _engagements(
    vault: Vault, contact_ids: Sequence[str], before: str, leave_out: str | None
) -> tuple[list[Meeting], int]:
    """The last meetings of any of these people that started before `before`, latest first,
    and how many there were in all. A series ranks by its latest occurrence until then
    (`latest_start`), as it does for last met, so a monthly meeting is not pushed out of
    the last few by its first date."""
    ids = json.dumps(list(contact_ids))
    among = (
        "SELECT DISTINCT p.meeting_id FROM participants p "
        "WHERE p.contact_id IN (SELECT value FROM json_each(:ids)) AND p.deleted = 0"
    )
    where = "m.deleted = 0 AND m.starts_at < :before AND m.id IS NOT :leave_out"
    params = {"ids": ids, "before": before, "leave_out": leave_out, "last": LAST_ENGAGEMENTS}
    conn = vault.store.conn
    rows = conn.execute(
        f"SELECT {MEETING.columns('m')} FROM meetings m WHERE m.id IN ({among}) AND {where} "
        f"AND NOT {SERIES} ORDER BY m.starts_at DESC, m.id LIMIT :last",
        params,
    ).fetchall()
    series = conn.execute(
        f"SELECT {MEETING.columns('m')} FROM meetings m WHERE m.id IN ({among}) AND {where} "
        f"AND {SERIES}",
        params,
    ).fetchall()
    (total,) = conn.execute(
        f"SELECT count(*) FROM meetings m WHERE m.id IN ({among}) AND {where}", params
    ).fetchone()
    ranked = [(m.starts_at, m) for m in map(MEETING.from_row, rows)]
    for meeting in map(MEETING.from_row, series):
        ranked.append((latest_start(meeting, before) or meeting.starts_at, meeting))
    ranked.sort(key=lambda pair: pair[1].id)
    ranked.sort(key=lambda pair: pair[0], reverse=True)  # latest first, then by id
    return [m for _, m in ranked[:LAST_ENGAGEMENTS]], int(total)


def _gifts(vault: Vault, contact_ids: Sequence[str]) -> tuple[Gift, ...]:
    """The register's entries with any of these people, newest first, each once."""
    found = {g.id: g for cid in contact_ids for g in gifts_with(vault.store, cid)}
    return tuple(sorted(found.values(), key=lambda g: (g.exchanged_on, g.id), reverse=True))


def _followups(vault: Vault, contact_ids: Sequence[str]) -> tuple[list[FollowUp], list[FollowUp]]:
    """The open follow-ups that concern these people, soonest due first: those this station
    owes (no owner, or the station's own name) and those owed to it (anyone else's).

    As `relations.open_followups` reads it: those naming one of them, and those of a meeting
    one of them took part in that name no one.
    """
    ids = json.dumps(list(contact_ids))
    rows = vault.store.conn.execute(
        f"SELECT {FOLLOWUP.columns('f')} FROM followups f "
        "WHERE f.deleted = 0 AND f.status = 'open' AND ("
        " EXISTS (SELECT 1 FROM json_each(f.contact_ids) WHERE value IN "
        "  (SELECT value FROM json_each(:ids)))"
        " OR (f.contact_ids = '[]' AND f.meeting_id IN (SELECT p.meeting_id FROM participants p"
        "  WHERE p.contact_id IN (SELECT value FROM json_each(:ids)) AND p.deleted = 0))"
        ") ORDER BY f.due_date IS NULL, f.due_date, f.id",
        {"ids": ids},
    ).fetchall()
    me = vault.info.name.strip().casefold()
    ours: list[FollowUp] = []
    theirs: list[FollowUp] = []
    for row in rows:
        followup: FollowUp = FOLLOWUP.from_row(row)
        owner = (followup.owner or "").strip().casefold()
        (ours if owner in ("", me) else theirs).append(followup)
    return ours, theirs
