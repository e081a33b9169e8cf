"""The Today page's rules, at a fixed moment: due contacts, follow-ups each way, the week ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime

from liaison_desk.core.records import Contact, FollowUp, Meeting, Participant
from liaison_desk.core.today import SHOWN, today_at
from liaison_desk.core.vault import Vault

# Monday 16 March 2026, 20:00 UTC: already Tuesday 09:00 in Auckland (UTC+13).
NOW_MS = int(datetime(2026, 3, 16, 20, 0, tzinfo=UTC).timestamp() * 1000)


def met(vault: Vault, contact_id: str, when: str, deleted: bool = False) -> str:
    meeting = vault.store.add(Meeting(title=f"Met {when}", starts_at=when))
    vault.store.add(Participant(meeting_id=meeting.id, contact_id=contact_id))
    if deleted:
        vault.store.delete(Meeting, meeting.id)
    return meeting.id


def test_contacts_are_due_by_cadence_since_the_last_meeting_only(vault: Vault) -> None:
    add = vault.store.add
    ana = add(Contact(full_name="Ana Costa", cadence_days=30)).id
    ben = add(Contact(full_name="Ben Okoro", cadence_days=30)).id
    cal = add(Contact(full_name="Cal Reyes", cadence_days=30)).id
    dee = add(Contact(full_name="Dee Marsh", cadence_days=14)).id
    add(Contact(full_name="Eve Lund"))  # no cadence: never due
    fay = add(Contact(full_name="Fay Nour", cadence_days=30)).id
    met(vault, ana, "2026-02-01T10:00Z")
    met(vault, ana, "2026-04-01T10:00Z")  # planned: not contact made
    met(vault, ben, "2026-02-14T10:00Z")  # due exactly today
    met(vault, cal, "2026-03-01T10:00Z")
    met(vault, fay, "2026-01-01T10:00Z")
    met(vault, fay, "2026-03-10T10:00Z", deleted=True)  # a deleted meeting is no contact
    vault.store.update(Contact, ana, {"notes": "Edited today: still not contact."})

    page = today_at(vault.store, NOW_MS, "UTC", "Paris")

    lines = page.get_in_touch.items
    assert [c.id for c in lines] == [fay, ana, ben, dee]  # most overdue first, never met last
    assert [c.overdue_on(page.day) for c in lines] == [True, True, False, True]
    assert lines[1].due == date(2026, 3, 3) and lines[1].last_met == "2026-02-01T10:00:00Z"
    assert lines[3].last_met is None and lines[3].due is None
    assert cal not in [c.id for c in lines]
    assert page.contacts_overdue == 3


def test_open_followups_due_are_split_by_who_owes_them_and_done_ones_never_count(
    vault: Vault,
) -> None:
    add = vault.store.add
    mine_late = add(FollowUp(action="Send the agenda", due_date="2026-03-10")).id
    mine_today = add(FollowUp(action="Call the attaché", owner=" paris ", due_date="2026-03-16")).id
    theirs_late = add(
        FollowUp(action="Return the visit list", owner="Col. Haddad", due_date="2026-03-12")
    ).id
    add(FollowUp(action="Later", owner="Col. Haddad", due_date="2026-03-20"))
    add(FollowUp(action="Done already", due_date="2026-03-01", status="done"))
    add(FollowUp(action="No date"))
    gone = add(FollowUp(action="Deleted", due_date="2026-03-01")).id
    vault.store.delete(FollowUp, gone)
    closed = add(FollowUp(action="Closed since", owner="Col. Haddad", due_date="2026-03-02")).id
    vault.store.update(FollowUp, closed, {"status": "done"})

    page = today_at(vault.store, NOW_MS, "UTC", "Paris")

    assert [f.id for f in page.i_owe.items] == [mine_late, mine_today]
    assert [f.id for f in page.owed_to_me.items] == [theirs_late]
    assert page.owed_to_me.items[0].owner == "Col. Haddad"
    assert page.followups_overdue == 2
    assert (page.overdue, page.due_today) == (2, 1)


def test_meetings_today_and_this_week_are_days_at_the_station(vault: Vault) -> None:
    def meeting(title: str, when: str) -> str:
        return vault.store.add(Meeting(title=title, starts_at=when)).id

    monday_morning = meeting("Monday 09:00 UTC", "2026-03-16T09:00Z")  # Auckland: Monday 22:00
    tuesday_dawn = meeting("Tuesday 05:00 UTC", "2026-03-17T05:00Z")  # Auckland: Tuesday 18:00
    sunday = meeting("Sunday noon UTC", "2026-03-22T12:00Z")  # Auckland: Monday 01:00
    next_monday = meeting("Next Monday 10:00 UTC", "2026-03-23T10:00Z")  # Auckland: 23:00
    vault.store.delete(Meeting, meeting("Cancelled", "2026-03-16T15:00Z"))

    utc = today_at(vault.store, NOW_MS, "UTC", "Paris")
    assert utc.day == date(2026, 3, 16)
    assert [m.id for m in utc.meetings_today.items] == [monday_morning]
    assert [m.id for m in utc.meetings_this_week.items] == [tuesday_dawn, sunday]

    auckland = today_at(vault.store, NOW_MS, "Pacific/Auckland", "Paris")
    assert auckland.day == date(2026, 3, 17)
    assert [m.id for m in auckland.meetings_today.items] == [tuesday_dawn]
    assert auckland.meetings_today.items[0].local.hour == 18
    assert [m.id for m in auckland.meetings_this_week.items] == [sunday, next_monday]


def test_long_lists_show_the_first_and_count_them_all(vault: Vault) -> None:
    with vault.store.transaction():
        for i in range(SHOWN + 7):
            vault.store.add(FollowUp(action=f"Action {i:03d}", due_date="2026-03-01"))
    page = today_at(vault.store, NOW_MS, "UTC", "Paris")
    assert len(page.i_owe.items) == SHOWN
    assert (page.i_owe.total, page.i_owe.more) == (SHOWN + 7, 7)
    assert page.i_owe.items[0].action == "Action 000"


def test_an_empty_vault_has_an_empty_page(vault: Vault) -> None:
    page = today_at(vault.store, NOW_MS, "Europe/Paris", "Paris")
    assert (page.overdue, page.due_today) == (0, 0)
    assert page.get_in_touch.total == page.meetings_this_week.total == 0


def test_a_series_shows_each_occurrence_and_an_all_day_meeting_its_own_day(vault: Vault) -> None:
    """Monday 16 March 2026 in New York: the daily call began a month ago (its Wednesday is
    left out); the reception is all day on Tuesday there too, not on Monday evening."""
    add = vault.store.add
    add(
        Meeting(
            title="Daily call",
            starts_at="2026-02-16T14:00:00Z",
            ends_at="2026-02-16T14:30:00Z",
            timezone="America/New_York",
            recurrence="FREQ=DAILY",
            exdates=("2026-03-18T13:00:00Z",),  # 09:00 in New York, summer time
        )
    )
    add(Meeting(title="Reception", starts_at="2026-03-17", all_day=True))

    page = today_at(vault.store, NOW_MS, "America/New_York", "Paris")

    assert [(m.title, m.local.strftime("%a %H:%M")) for m in page.meetings_today.items] == [
        ("Daily call", "Mon 09:00")
    ]
    week = [
        (m.title, m.local.strftime("%a %H:%M"), m.all_day) for m in page.meetings_this_week.items
    ]
    assert week == [
        ("Reception", "Tue 00:00", True),
        ("Daily call", "Tue 09:00", False),
        ("Daily call", "Thu 09:00", False),
        ("Daily call", "Fri 09:00", False),
        ("Daily call", "Sat 09:00", False),
        ("Daily call", "Sun 09:00", False),
    ]
    assert page.meetings_this_week.items[1].recurring


def test_a_contact_met_in_a_series_is_due_from_its_latest_occurrence(vault: Vault) -> None:
    """The weekly meeting since January was last held on Friday 13 March (next one is
    Friday 20 March); the fortnightly one ended on 30 January, so that contact is due."""
    add = vault.store.add
    weekly = add(Contact(full_name="Weekly", cadence_days=14)).id
    lapsed = add(Contact(full_name="Lapsed", cadence_days=30)).id
    for contact_id, meeting in (
        (weekly, Meeting(title="Weekly", starts_at="2026-01-02T09:00Z", recurrence="FREQ=WEEKLY")),
        (
            lapsed,
            Meeting(
                title="Fortnightly",
                starts_at="2025-11-21T09:00Z",
                recurrence="FREQ=WEEKLY;INTERVAL=2;UNTIL=20260131T000000Z",
            ),
        ),
    ):
        meeting_id = add(meeting).id
        add(Participant(meeting_id=meeting_id, contact_id=contact_id))

    page = today_at(vault.store, NOW_MS, "UTC", "Paris")

    assert [(c.id, c.last_met) for c in page.get_in_touch.items] == [
        (lapsed, "2026-01-30T09:00:00Z")
    ]
    assert page.contacts_overdue == 1
