"""The brief holds what an officer needs before meeting someone, read from a real vault."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from liaison_desk.core.brief import LAST_ENGAGEMENTS, brief_of, charts_of
from liaison_desk.core.brief_protocol import applicable_references, rank_tags
from liaison_desk.core.contact_details import ContactDetails, add_contact
from liaison_desk.core.demo import create_demo_vault
from liaison_desk.core.errors import RecordNotFound, ValidationError
from liaison_desk.core.gifts import add_gift
from liaison_desk.core.meetings import save_meeting
from liaison_desk.core.precedence import meeting_precedence
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.records import (
    Contact,
    ContactRelation,
    FollowUp,
    Gift,
    Meeting,
    Organization,
    Participant,
    Posting,
    ProtocolRef,
)
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import StepClock

EVERYTHING = ListQuery(limit=100_000)
PROTOCOL_DIR = Path(__file__).resolve().parents[2] / "resources" / "protocol"
NOW = 1_780_000_000_000  # 2026-05-28T20:26:40Z


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    vault, _ = create_demo_vault(
        tmp_path_factory.mktemp("demo") / "demo",
        contacts=40,
        meetings=240,
        clock=StepClock(start_ms=NOW, step=0),
    )
    yield vault
    vault.lock()


def busiest(vault: Vault) -> Contact:
    """The demo contact met most often (before now), with a follow-up open."""
    rows = vault.conn.execute(
        "SELECT p.contact_id FROM participants p JOIN meetings m ON m.id = p.meeting_id "
        "WHERE m.summary IS NOT NULL AND EXISTS (SELECT 1 FROM followups f, "
        "json_each(f.contact_ids) j WHERE j.value = p.contact_id AND f.status = 'open') "
        "GROUP BY p.contact_id ORDER BY count(*) DESC, p.contact_id LIMIT 1"
    ).fetchone()
    return vault.store.get(Contact, rows[0])


def test_a_demo_contacts_brief_holds_their_engagements_followups_and_protocol(
    demo: Vault,
) -> None:
    store = demo.store
    contact = busiest(demo)
    attended = store.list(Participant, EVERYTHING)
    theirs = {p.meeting_id for p in attended if p.contact_id == contact.id}
    meetings = [m for m in store.list(Meeting, EVERYTHING) if m.id in theirs]
    past = sorted(
        (m for m in meetings if m.starts_at < "2026-05-28T20:26:40Z"),
        key=lambda m: m.starts_at,
        reverse=True,
    )
    open_ones = [
        f
        for f in store.list(FollowUp, EVERYTHING)
        if f.status == "open" and contact.id in f.contact_ids
    ]

    brief = brief_of(demo, "contact", contact.id)

    assert brief.title == f"{contact.rank} {contact.full_name}"
    assert [p.contact.id for p in brief.people] == [contact.id]
    person = brief.people[0]
    assert person.organization == store.get(Organization, str(contact.org_id)).name
    assert brief.organization is not None and brief.organization.id == contact.org_id
    assert [m.id for m in brief.engagements] == [m.id for m in past[:LAST_ENGAGEMENTS]]
    assert all(m.summary for m in brief.engagements)
    assert brief.engagements_total == len(past)
    assert {f.id for f in (*brief.owed_by_us, *brief.owed_to_us)} == {f.id for f in open_ones}
    assert all(f.owner is None for f in brief.owed_by_us)
    assert all(f.owner == contact.full_name for f in brief.owed_to_us)
    order = ["forms-of-address", "order-of-precedence", "gifts-hospitality", "cultural-notes"]
    cited_in_order = [(r.country, r.category) for r in brief.protocol]
    assert cited_in_order == sorted(
        cited_in_order, key=lambda pair: (order.index(str(pair[1])), pair[0] is None)
    )
    cited = {(r.country, r.category) for r in brief.protocol}
    assert {(None, "forms-of-address"), (None, "gifts-hospitality")} <= cited
    assert all(r.country in (None, contact.country) for r in brief.protocol)
    assert not {c for _, c in cited} & {"ceremonies", "legal-status"}
    shown = [contact.marking, *(m.marking for m in brief.engagements)]
    assert brief.marking == max(shown, key=store.markings().index)
    (timeline,) = brief.timelines
    assert charts_of(demo, brief)[0] == timeline
    country = charts_of(demo, brief)[1]
    assert country.title == f"Engagements with {contact.country}"
    assert len(timeline.months) == 24 and timeline.months[-1] == "2026-05"
    in_window = [m for m in meetings if m.starts_at[:7] >= timeline.months[0]]
    assert timeline.total == len(in_window)
    assert country.total >= timeline.total


def test_the_brief_names_the_spouse_postings_and_splits_followups_both_ways(
    vault: Vault,
) -> None:
    store = vault.store
    embassy = store.add(Organization(name="Embassy of Japan", country="JP"))
    spouse = store.add(Contact(full_name="Sato Yumi"))
    person = add_contact(
        store,
        Contact(full_name="Sato Kenji", rank="Captain (N)", org_id=embassy.id, country="JP"),
        ContactDetails(
            postings=(Posting(contact_id="", title="Defence attaché", starts_on="2025-09"),),
            relations=(
                ContactRelation(contact_id="", relation="spouse", other_id=spouse.id),
                ContactRelation(contact_id="", relation="deputy-of", name="Col. Ito"),
            ),
        ),
    )
    held = save_meeting(
        store, None, {"title": "Lunch", "starts_at": "2026-01-10T12:00Z"}, add_people=[person.id]
    )
    store.add(FollowUp(action="Send the programme", contact_ids=(person.id,)))
    store.add(FollowUp(action="Their agenda", owner="Sato Kenji", contact_ids=(person.id,)))
    owner = vault.info.name.upper()
    store.add(FollowUp(action="Book the room", owner=owner, meeting_id=held.id))
    store.add(FollowUp(action="Done already", status="done", contact_ids=(person.id,)))
    store.add(ProtocolRef(title="Japan: bowing", body="…", country="JP", category="cultural-notes"))
    store.add(ProtocolRef(title="Kenya", body="…", country="KE", category="cultural-notes"))
    store.add(ProtocolRef(title="SOFA", body="…", country="JP", category="legal-status"))

    brief = brief_of(vault, "contact", person.id)

    (who,) = brief.people
    assert who.spouses == ("Sato Yumi",)
    assert [p.title for p in who.postings] == ["Defence attaché"]
    assert who.organization == "Embassy of Japan"
    assert [f.action for f in brief.owed_by_us] == ["Send the programme", "Book the room"]
    assert [f.action for f in brief.owed_to_us] == ["Their agenda"]
    assert [r.title for r in brief.protocol] == ["Japan: bowing"]
    assert [m.id for m in brief.engagements] == [held.id]


def test_a_meeting_brief_lists_its_people_and_the_engagements_before_it(vault: Vault) -> None:
    store = vault.store
    host = store.add(Contact(full_name="Zoé Martin", country="FR"))
    guest = store.add(Contact(full_name="Anna Berg", country="DE"))
    earlier = save_meeting(
        store, None, {"title": "Call", "starts_at": "2026-02-01T09:00Z"}, add_people=[guest.id]
    )
    planned = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-06-01T09:00Z"},
        add_people=[guest.id, host.id],
    )
    for p in store.list(Participant, ListQuery(where={"contact_id": host.id})):
        store.update(Participant, p.id, {"role": "host"})
    store.add(ProtocolRef(title="Germany", body="…", country="DE", category="forms-of-address"))

    brief = brief_of(vault, "meeting", planned.id)

    assert brief.meeting is not None and brief.meeting.id == planned.id
    assert {p.contact.full_name: p.role for p in brief.people} == {
        "Zoé Martin": "host",
        "Anna Berg": None,
    }
    assert [m.id for m in brief.engagements] == [earlier.id]
    assert [r.title for r in brief.protocol] == ["Germany"]
    assert charts_of(vault, brief) == brief.timelines  # a meeting has no country of its own


def test_an_organization_brief_covers_its_people(vault: Vault) -> None:
    store = vault.store
    staff = store.add(Organization(name="Naval Staff", country="FR"))
    people = [store.add(Contact(full_name=n, org_id=staff.id)) for n in ("B. Roux", "A. Petit")]
    save_meeting(
        store, None, {"title": "Visit", "starts_at": "2026-01-05T09:00Z"}, add_people=[people[0].id]
    )

    brief = brief_of(vault, "organization", staff.id)

    assert brief.title == "Naval Staff"
    assert [t.title for t in charts_of(vault, brief)] == [
        "Engagements with Naval Staff",
        "Engagements with FR",
    ]
    assert [p.contact.full_name for p in brief.people] == ["A. Petit", "B. Roux"]
    assert brief.engagements_total == 1


def test_a_brief_of_nothing_says_so(vault: Vault) -> None:
    with pytest.raises(RecordNotFound):
        brief_of(vault, "contact", "no-such-id")
    with pytest.raises(ValidationError, match="not a followup"):
        brief_of(vault, "followup", "x")


def test_a_reference_narrowed_to_ranks_is_cited_only_for_those_ranks(vault: Vault) -> None:
    store = vault.store
    flags = store.add(
        ProtocolRef(
            title="Flag officers",
            body="…",
            category="forms-of-address",
            tags=("of-6", "OF-7", "protocol"),
        )
    )
    admiral = Contact(full_name="Adm. Roux", rank="Vice-amiral")
    captain = Contact(full_name="Cdt Petit", rank="Capitaine de frégate")
    codes = {"Vice-amiral": "OF-8", "Contre-amiral": "OF-7"}

    def code(contact: Contact) -> str | None:
        return codes.get(contact.rank or "")

    assert rank_tags(flags) == {"OF-6", "OF-7"}
    assert applicable_references(store, ["FR"], [captain], code) == []
    assert applicable_references(store, ["FR"], [admiral], code) == []
    rear = Contact(full_name="CA Blanc", rank="Contre-amiral")
    assert [r.title for r in applicable_references(store, [], [rear], code)] == ["Flag officers"]


def test_the_brief_gives_the_rank_with_its_nato_code_and_the_gifts_both_ways(
    vault: Vault,
) -> None:
    store = vault.store
    import_directory(store, PROTOCOL_DIR)  # HQ's sample library, with its gift limits
    captain = store.add(Contact(full_name="Jean Roux", rank="Capitaine de vaisseau", country="FR"))
    other = store.add(Contact(full_name="Anna Berg", rank="Oberst", country="DE"))
    given = add_gift(
        store,
        Gift(
            direction="given",
            description="Regimental plaque",
            value="40",
            currency="EUR",
            exchanged_on="2026-02-01",
            contact_ids=(captain.id,),
        ),
    )
    received = add_gift(
        store,
        Gift(
            direction="received",
            description="Porcelain vase",
            value="900",
            currency="EUR",
            exchanged_on="2026-03-15",
            contact_ids=(captain.id, other.id),
            occasion="National day",
        ),
    )
    add_gift(
        store,
        Gift(
            direction="given",
            description="Book",
            value="20",
            currency="EUR",
            exchanged_on="2026-03-20",
            contact_ids=(other.id,),
        ),
    )

    brief = brief_of(vault, "contact", captain.id)

    assert brief.people[0].rank == "Capitaine de vaisseau (OF-5)"
    assert [g.id for g in brief.gifts] == [received.id, given.id]  # newest first, theirs only
    assert received.declaration is not None and given.declaration is None
    unmapped = store.add(Contact(full_name="X", rank="Chief sniffer", country="FR"))
    assert brief_of(vault, "contact", unmapped.id).people[0].rank == "Chief sniffer (not mapped)"


def test_a_meeting_brief_lists_its_people_in_order_of_precedence_with_the_reasons(
    vault: Vault,
) -> None:
    store = vault.store
    import_directory(store, PROTOCOL_DIR)
    people = [
        store.add(Contact(full_name="Cne Petit", rank="Capitaine", country="FR")),
        store.add(Contact(full_name="Gén. Blanc", rank="Général de division", country="FR")),
        store.add(Contact(full_name="Col. Roux", rank="Colonel", country="FR")),
    ]
    talks = save_meeting(
        store,
        None,
        {"title": "Staff talks", "starts_at": "2026-06-01T09:00Z"},
        add_people=[p.id for p in people],
    )

    brief = brief_of(vault, "meeting", talks.id)

    expected = meeting_precedence(store, talks.id)
    assert [p.contact.id for p in brief.people] == [placed.contact_id for placed in expected]
    assert [p.contact.full_name for p in brief.people] == ["Gén. Blanc", "Col. Roux", "Cne Petit"]
    assert [p.place for p in brief.people] == [f"{x.place}. {x.reason}" for x in expected]
    assert "OF-" in str(brief.people[0].place)


def test_a_series_ranks_among_the_last_engagements_by_its_latest_occurrence(
    vault: Vault,
) -> None:
    """Monthly since January 2025 (May's cancelled, so last held 10 April 2026): it leads
    the last engagements, ahead of the calls of 2025 its first date is older than."""
    store = vault.store
    person = store.add(Contact(full_name="Anna Berg"))
    series = store.add(
        Meeting(
            title="Monthly liaison",
            starts_at="2025-01-10T09:00:00Z",
            recurrence="FREQ=MONTHLY",
            exdates=("2026-05-10T09:00:00Z",),
        )
    )
    calls = [
        store.add(Meeting(title="Call", starts_at=f"2025-0{n}-01T09:00:00Z")) for n in range(3, 10)
    ]
    for meeting in (series, *calls):
        store.add(Participant(meeting_id=meeting.id, contact_id=person.id))

    brief = brief_of(vault, "contact", person.id)

    assert [m.id for m in brief.engagements] == [series.id, *[c.id for c in reversed(calls)]][
        :LAST_ENGAGEMENTS
    ]
    assert brief.engagements_total == 1 + len(calls)
