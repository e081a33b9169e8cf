"""Questions that join records: last contact and overdue (one rule), titles, who was there."""

from __future__ import annotations

from datetime import date

import pytest

from liaison_desk.core import occurrences, relations
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, ORGANIZATION
from liaison_desk.core.records import Contact, Meeting, Organization, Participant
from liaison_desk.core.vault import Vault
from tests.conftest import StepClock

MARCH_14_NOON_MS = 1_773_489_600_000  # 2026-03-14T12:00:00Z


def meet(vault: Vault, when: str, *people: Contact) -> Meeting:
    meeting = vault.store.add(Meeting(title=f"Met {when}", starts_at=when))
    for person in people:
        vault.store.add(Participant(meeting_id=meeting.id, contact_id=person.id))
    return meeting


def test_last_contacts_is_one_grouped_query_without_deleted_meetings(vault: Vault) -> None:
    store = vault.store
    a, b = store.add_many([Contact(full_name="A"), Contact(full_name="B")])
    meet(vault, "2026-01-01T10:00:00Z", a, b)
    later = meet(vault, "2026-02-01T10:00:00Z", a)
    store.delete(Meeting, later.id)

    last = relations.last_contacts(store, [a.id, b.id, "none"], MARCH_14_NOON_MS)

    assert last == {a.id: "2026-01-01T10:00:00Z", b.id: "2026-01-01T10:00:00Z"}


def test_a_planned_meeting_is_not_contact_made(vault: Vault) -> None:
    store = vault.store
    person = store.add(Contact(full_name="Hélène Girard", cadence_days=30))
    meet(vault, "2026-01-10T09:00:00Z", person)
    meet(vault, "2026-03-14T12:00:00Z", person)  # exactly now: it counts
    meet(vault, "2026-03-20T09:00:00Z", person)  # planned: it does not

    clock = StepClock(MARCH_14_NOON_MS, step=0)
    standing = relations.standing(store, clock, person)

    assert standing == relations.Standing("2026-03-14T12:00:00Z", overdue=False)
    later = StepClock(MARCH_14_NOON_MS + 90 * 86_400_000, step=0)  # mid-June, nothing since
    assert relations.standing(store, later, person) == relations.Standing(
        "2026-03-20T09:00:00Z", overdue=True
    )


def test_overdue_rules() -> None:
    today = date(2026, 3, 14)
    assert not relations.is_overdue(None, None, today)
    assert relations.is_overdue(None, 10, today)
    assert not relations.is_overdue("2026-03-04T10:00:00Z", 10, today)
    assert relations.is_overdue("2026-03-03T10:00:00Z", 10, today)


def test_standings_of_a_page(vault: Vault) -> None:
    store = vault.store
    never, recent, loose = store.add_many(
        [
            Contact(full_name="Never met", cadence_days=30),
            Contact(full_name="Met recently", cadence_days=30),
            Contact(full_name="No cadence"),
        ]
    )
    meet(vault, "2026-03-10T09:00:00Z", recent, loose)

    found = relations.standings(store, StepClock(MARCH_14_NOON_MS, step=0), [never, recent, loose])

    assert found == {
        never.id: relations.Standing(None, overdue=True),
        recent.id: relations.Standing("2026-03-10T09:00:00Z", overdue=False),
        loose.id: relations.Standing("2026-03-10T09:00:00Z", overdue=False),
    }


def test_titles_and_linked_titles_skip_deleted_and_missing(vault: Vault) -> None:
    store = vault.store
    ministry = store.add(Organization(name="Ministry of Defence"))
    gone = store.add(Organization(name="Disbanded"))
    person = store.add(Contact(full_name="Hélène Girard", org_id=ministry.id))
    store.delete(Organization, gone.id)

    assert relations.titles(store, ORGANIZATION, [ministry.id, gone.id, None, "x"]) == {
        ministry.id: "Ministry of Defence"
    }
    draft = {"org_id": gone.id}
    assert relations.linked_titles(store, CONTACT, [vars(person), draft]) == {
        ministry.id: "Ministry of Defence"
    }
    assert relations.linked_titles(store, FOLLOWUP, [{"contact_ids": [person.id]}]) == {
        person.id: "Hélène Girard"
    }


def test_names_at_each_meeting(vault: Vault) -> None:
    store = vault.store
    a, b, left = store.add_many(
        [Contact(full_name="Ana"), Contact(full_name="Bruno"), Contact(full_name="Left")]
    )
    both = meet(vault, "2026-01-01T10:00:00Z", a, b, left)
    alone = meet(vault, "2026-01-02T10:00:00Z")
    store.delete(Contact, left.id)

    names = relations.names_at(store, [both.id, alone.id])

    assert set(names) == {both.id}
    assert sorted(names[both.id].split(", ")) == ["Ana", "Bruno"]
    assert [x.contact.full_name for x in relations.participants(store, both.id)] in (
        ["Ana", "Bruno"],
        ["Bruno", "Ana"],
    )


def in_series(vault: Vault, meeting: Meeting, *people: Contact) -> Meeting:
    added = vault.store.add(meeting)
    for person in people:
        vault.store.add(Participant(meeting_id=added.id, contact_id=person.id))
    return added


def test_a_series_counts_its_latest_occurrence_until_now_not_its_first(vault: Vault) -> None:
    """Weekly on Thursdays at 10:00 in New York since November (15:00Z in winter, 14:00Z
    since 8 March): the 12 March one was cancelled and the 19 March one is still to come,
    so the last one met is 5 March, well inside a 14-day cadence."""
    store = vault.store
    person = store.add(Contact(full_name="Col. Haddad", cadence_days=14))
    in_series(
        vault,
        Meeting(
            title="Weekly liaison",
            starts_at="2025-11-06T15:00:00Z",
            timezone="America/New_York",
            recurrence="FREQ=WEEKLY",
            exdates=("2026-03-12T14:00:00Z",),
        ),
        person,
    )

    clock = StepClock(MARCH_14_NOON_MS, step=0)
    assert relations.standing(store, clock, person) == relations.Standing(
        "2026-03-05T15:00:00Z", overdue=False
    )


def test_a_series_that_ended_counts_its_last_one_and_a_later_single_meeting_wins(
    vault: Vault,
) -> None:
    store = vault.store
    ended, also_met, on_dates = store.add_many(
        [Contact(full_name="Ended"), Contact(full_name="Also met"), Contact(full_name="Dates")]
    )
    in_series(
        vault,
        Meeting(
            title="Monthly", starts_at="2025-10-01T09:00:00Z", recurrence="FREQ=MONTHLY;COUNT=3"
        ),
        ended,
        also_met,
    )
    meet(vault, "2026-02-20T09:00:00Z", also_met)
    meet(vault, "2025-11-15T09:00:00Z", ended)  # earlier than the series' last
    in_series(
        vault,
        Meeting(
            title="Visits",
            starts_at="2026-01-05",
            all_day=True,
            rdates=("2026-02-09", "2026-04-06"),
        ),
        on_dates,
    )

    last = relations.last_contacts(store, [ended.id, also_met.id, on_dates.id], MARCH_14_NOON_MS)

    assert last == {
        ended.id: "2025-12-01T09:00:00Z",
        also_met.id: "2026-02-20T09:00:00Z",
        on_dates.id: "2026-02-09T00:00:00Z",
    }


def test_a_series_that_cannot_be_expanded_counts_its_first_start(
    vault: Vault, caplog: pytest.LogCaptureFixture
) -> None:
    store = vault.store
    person = store.add(Contact(full_name="Broken rule"))
    series = in_series(
        vault,
        Meeting(title="Weekly", starts_at="2026-01-08T10:00:00Z", recurrence="FREQ=WEEKLY"),
        person,
    )
    # As a record written by another client might hold it: a rule no calendar expands.
    store.conn.execute(
        "UPDATE meetings SET recurrence = 'FREQ=WEEKLY;BYDAY=XX' WHERE id = ?", (series.id,)
    )

    assert relations.last_contacts(store, [person.id], MARCH_14_NOON_MS) == {
        person.id: "2026-01-08T10:00:00Z"
    }
    assert series.id in caplog.text


def test_a_series_is_expanded_once_a_day_and_each_moment_gets_its_own_latest(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Daily at 15:00Z: at noon the last one met is yesterday's, at four today's; the
    contact list asks for every page, and the series is expanded once for the day."""
    person = vault.store.add(Contact(full_name="Cdr. Okafor"))
    in_series(
        vault,
        Meeting(title="Daily brief", starts_at="2026-01-05T15:00:00Z", recurrence="FREQ=DAILY"),
        person,
    )
    expansions = []
    real = occurrences._found
    monkeypatch.setattr(occurrences, "_found", lambda *args: expansions.append(args) or real(*args))
    noon, four = MARCH_14_NOON_MS, MARCH_14_NOON_MS + 4 * 3_600_000
    assert relations.last_contacts(vault.store, [person.id], noon) == {
        person.id: "2026-03-13T15:00:00Z"
    }
    assert relations.last_contacts(vault.store, [person.id], noon) == {
        person.id: "2026-03-13T15:00:00Z"
    }
    assert relations.last_contacts(vault.store, [person.id], four) == {
        person.id: "2026-03-14T15:00:00Z"
    }
    assert len(expansions) == 1
