"""What a report shows: one meeting, or a period's engagements with a country or an
organization, marked with the highest marking of anything in it."""

from __future__ import annotations

import pytest

from liaison_desk.core.errors import RecordNotFound, ValidationError
from liaison_desk.core.interop.report_data import meeting_report, period_report
from liaison_desk.core.records import Contact, FollowUp, Meeting, Organization, Participant
from liaison_desk.core.vault import Vault


@pytest.fixture
def world(vault: Vault) -> dict[str, str]:
    store = vault.store
    ministry = store.add(Organization(name="Ministry of Defence", country="KE"))
    navy = store.add(Organization(name="Kenya Navy", parent_id=ministry.id))
    wanjiru = store.add(Contact(full_name="Wanjiru Mwangi", org_id=navy.id, rank="Commander"))
    otieno = store.add(Contact(full_name="Otieno Odhiambo", country="KE", marking="CONFIDENTIAL"))
    yui = store.add(Contact(full_name="Yui Mori", country="JP"))
    talks = store.add(
        Meeting(title="Port visit", starts_at="2026-04-20T06:00:00Z", timezone="Africa/Nairobi")
    )
    lunch = store.add(
        Meeting(title="Lunch", starts_at="2026-05-02T10:00:00Z", marking="RESTRICTED")
    )
    tokyo = store.add(Meeting(title="Tokyo call", starts_at="2026-04-21T01:00:00Z"))
    later = store.add(Meeting(title="Next year", starts_at="2027-01-10T10:00:00Z"))
    for meeting, contact in (
        (talks, wanjiru),
        (talks, yui),
        (lunch, otieno),
        (tokyo, yui),
        (later, otieno),
    ):
        store.add(Participant(meeting_id=meeting.id, contact_id=contact.id))
    store.add(FollowUp(action="Send the programme", meeting_id=talks.id, due_date="2026-04-30"))
    return {"talks": talks.id, "lunch": lunch.id, "navy": navy.id, "ministry": ministry.id}


def test_meeting_report_has_people_followups_and_local_time(
    vault: Vault, world: dict[str, str]
) -> None:
    report = meeting_report(vault, world["talks"])

    [section] = report.meetings
    assert report.title == "Port visit"
    assert section.when == "Mon 20 Apr 2026, 09:00 (Africa/Nairobi)"
    assert [(p.name, p.organization) for p in section.people] == [
        ("Wanjiru Mwangi", "Kenya Navy"),
        ("Yui Mori", None),
    ]
    assert [f.action for f in section.followups] == ["Send the programme"]
    assert report.marking == "UNCLASSIFIED"
    assert report.records == 4
    with pytest.raises(RecordNotFound):
        meeting_report(vault, "01934b2e-0000-7000-8000-000000000000")


def test_period_report_by_country_takes_people_and_their_organizations(
    vault: Vault, world: dict[str, str]
) -> None:
    report = period_report(vault, start="2026-04-01", end="2026-05-02", country="ke")

    assert [s.meeting.title for s in report.meetings] == ["Port visit", "Lunch"]
    assert report.title == "Engagements with KE"
    assert report.marking == "CONFIDENTIAL"  # Otieno's marking: the highest shown
    assert [(p.name, p.meetings) for p in report.people] == [
        ("Otieno Odhiambo", 1),
        ("Wanjiru Mwangi", 1),
        ("Yui Mori", 1),
    ]


def test_period_report_by_organization_includes_its_units(
    vault: Vault, world: dict[str, str]
) -> None:
    report = period_report(vault, start="2026-01-01", end="2026-12-31", org_id=world["ministry"])

    assert [s.meeting.title for s in report.meetings] == ["Port visit"]
    assert report.title == "Engagements with Ministry of Defence"


def test_followups_run_in_due_date_order_across_meetings_the_undated_last(
    vault: Vault, world: dict[str, str]
) -> None:
    store = vault.store
    for action, meeting, due in (
        ("Return the visit", "lunch", None),
        ("Thank the host", "lunch", "2026-05-03"),
        ("Book the berth", "talks", "2026-06-15"),
        ("Write the minutes", "talks", None),
    ):
        store.add(FollowUp(action=action, meeting_id=world[meeting], due_date=due))

    report = period_report(vault, start="2026-04-01", end="2026-05-31", country="KE")

    assert [(s.meeting.title, f.action) for s, f in report.followups_by_due_date()] == [
        ("Port visit", "Send the programme"),  # 30 April
        ("Lunch", "Thank the host"),  # 3 May
        ("Port visit", "Book the berth"),  # 15 June
        ("Port visit", "Write the minutes"),  # undated: the meetings' order
        ("Lunch", "Return the visit"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2026-05-01", "end": "2026-04-01", "country": "KE"}, "ends .* before it starts"),
        (
            {"start": "1 May", "end": "2026-06-01", "country": "KE"},
            "start date '1 May' is not a date",
        ),
        ({"start": "2026-05-01", "end": "2026-06-01", "country": "Kenya"}, "not a two-letter code"),
        ({"start": "2026-05-01", "end": "2026-06-01"}, "either a country or an organization"),
    ],
)
def test_period_report_refuses_a_muddled_request(
    vault: Vault, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        period_report(vault, **kwargs)
