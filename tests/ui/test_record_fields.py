"""What the forms and the detail page hold: links agree with the core, saves go as one Edit."""

from __future__ import annotations

from datetime import UTC, datetime

from liaison_desk.core.kinds import CONTACT, MEETING
from liaison_desk.core.meetings import NewFollowUp
from liaison_desk.core.record_detail import RecordDetail
from liaison_desk.core.records import Contact, Meeting
from liaison_desk.core.relations import LINK_FIELDS, Standing
from liaison_desk.ui.detail_page import detail_html
from liaison_desk.ui.record_fields import FIELDS, blank_fields, editor_fields, plan_save


def test_the_link_fields_of_the_forms_are_the_cores() -> None:
    links = {
        kind: {spec.name: spec.ref for spec in specs if spec.ref is not None}
        for kind, specs in FIELDS.items()
    }
    with_forms = {kind: fields for kind, fields in LINK_FIELDS.items() if kind in FIELDS}
    assert {kind: found for kind, found in links.items() if found} == with_forms


def person(name: str, contact_id: str) -> dict[str, object]:
    return {"contact_id": contact_id, "name": name, "participant_id": None}


def test_a_meeting_form_becomes_one_edit_with_its_people_by_contact() -> None:
    stored = Meeting(id="m", title="Talks", starts_at="2026-05-20T09:00Z", timezone="Asia/Tokyo")
    original = editor_fields(MEETING, stored, "UTC")
    original["participants"] = [person("Ana", "a"), person("Bruno", "b")]
    current = {
        **original,
        "timezone": None,  # blanked: the core reads the time in the station's zone
        "participants": [person("Bruno", "b"), person("Carla", "c")],
        "followups": [{"action": "Send the minutes", "due_date": "2026-05-27"}],
    }

    edit = plan_save(MEETING, "m", original, current)

    # The whole timing goes together, as the form shows it (the end it offered included).
    assert edit.values == {
        "starts_at": "2026-05-20T18:00",
        "ends_at": "2026-05-20T19:00",
        "timezone": None,
        "all_day": False,
    }
    assert (edit.add_people, edit.remove_people) == (("c",), ("a",))
    assert edit.followups == (NewFollowUp("Send the minutes", "2026-05-27"),)


def test_a_new_meeting_starts_at_the_next_hour_at_the_station() -> None:
    now = datetime(2026, 5, 20, 8, 30, tzinfo=UTC)
    blank = blank_fields(now, "Asia/Tokyo")
    assert (blank["starts_at"], blank["timezone"]) == ("2026-05-20T18:00", "Asia/Tokyo")


def test_the_detail_page_says_last_contact_and_overdue() -> None:
    contact = Contact(
        id="c", full_name="Hélène <Girard>", created_at="2026-03-14T12:00Z", updated_at="x" * 16
    )
    overdue = RecordDetail(CONTACT, contact, standing=Standing("2026-01-20T12:00:00Z", True))
    never = RecordDetail(CONTACT, contact, standing=Standing(None, False))

    page, _ = detail_html(overdue)
    assert "2026-01-20 — overdue for contact" in page
    assert "Hélène &lt;Girard&gt;" in page
    assert "never" in detail_html(never)[0]
