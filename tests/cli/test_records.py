"""Contacts, organizations, meetings, follow-ups, markings and attachments, end to end.

All tests share one vault; each makes the records it looks at, so the order they
run in does not matter.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.runner import Desk, init_vault, one_sentence

MARKINGS = "UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET"


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Desk:
    return init_vault(tmp_path_factory.mktemp("records") / "vault")[0]


@pytest.fixture(scope="module")
def org_id(desk: Desk) -> str:
    return desk.new_id(
        "org", "add", "--name", "Ministère des Armées", "--kind", "ministry", "--country", "FR"
    )


def add_contact(desk: Desk, name: str, *options: str) -> str:
    return desk.new_id("contact", "add", "--name", name, *options)


# -- contacts ---------------------------------------------------------------------------------


def test_contact_add_show_and_list(desk: Desk, org_id: str) -> None:
    contact_id = add_contact(
        desk,
        "Hélène Girard",
        "--rank",
        "Colonel",
        "--org",
        org_id,
        "--country",
        "fr",
        "--email",
        "helene.girard@example.org",
        "--phone",
        "+33 1 23 45 67 89",
        "--notes",
        "Prefers morning meetings",
        "--marking",
        "restricted",
    )

    shown = desk.json("contact", "show", contact_id)
    assert shown["id"] == contact_id
    assert shown["full_name"] == "Hélène Girard"
    assert shown["rank"] == "Colonel"
    assert shown["org_id"] == org_id
    assert shown["country"] == "FR"
    (email, phone) = sorted(shown["points"], key=lambda p: p["channel"])
    assert (email["channel"], email["value"]) == ("email", "helene.girard@example.org")
    assert (phone["channel"], phone["value"], phone["e164"]) == (
        "phone",
        "+33 1 23 45 67 89",
        "+33123456789",
    )
    assert shown["notes"] == "Prefers morning meetings"
    assert shown["marking"] == "RESTRICTED"
    assert shown["meetings"] == []
    assert shown["last_contact"] is None

    listed = desk.json("contact", "list", "--limit", "1000")
    assert [c for c in listed if c["id"] == contact_id] == [
        {
            k: v
            for k, v in shown.items()
            if k
            not in ("last_contact", "overdue", "meetings", "open_followups", "points", "postings")
            and k != "relations"
        }
    ]
    table = desk.ok("contact", "list", "--limit", "1000").out.splitlines()
    assert table[0].split() == ["ID", "FULL_NAME", "RANK", "COUNTRY", "MARKING"]
    row = next(line for line in table if line.startswith(contact_id))
    assert "Hélène Girard" in row
    assert "RESTRICTED" in row


def test_contact_list_filters_by_country_and_org(desk: Desk, org_id: str) -> None:
    french = add_contact(desk, "Julien Moreau", "--country", "FR", "--org", org_id)
    japanese = add_contact(desk, "Haruto Mori", "--country", "JP")

    by_country = desk.ids("contact", "list", "--country", "jp", "--limit", "1000")
    assert japanese in by_country
    assert french not in by_country
    by_org = desk.ids("contact", "list", "--org", org_id, "--limit", "1000")
    assert french in by_org
    assert japanese not in by_org


def test_contact_edit_changes_and_clears_fields(desk: Desk) -> None:
    contact_id = add_contact(
        desk, "Jonas Becker", "--rank", "Major", "--notes", "Met at the staff college"
    )

    edited = desk("contact", "edit", contact_id, "--rank", "Lieutenant Colonel", "--notes", "")

    assert edited.code == 0, edited
    shown = desk.json("contact", "show", contact_id)
    assert shown["rank"] == "Lieutenant Colonel"
    assert shown["notes"] is None
    assert shown["full_name"] == "Jonas Becker"
    assert shown["updated_at"] > shown["created_at"]


def test_contact_delete(desk: Desk) -> None:
    contact_id = add_contact(desk, "Sabine Vogel", "--notes", "quetzalcoatl")
    assert [h["id"] for h in desk.json("search", "quetzalcoatl")] == [contact_id]

    assert desk("contact", "delete", contact_id).code == 0

    show = desk("contact", "show", contact_id)
    assert show.code == 1
    assert contact_id in one_sentence(show.err)
    assert contact_id not in desk.ids("contact", "list", "--limit", "1000")
    assert desk.json("search", "quetzalcoatl") == []


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--email", "not-an-email", "not-an-email"),
        ("--org", "00000000-0000-7000-8000-000000000000", "00000000-0000-7000-8000-000000000000"),
    ],
)
def test_contact_add_refuses_bad_values(desk: Desk, option: str, value: str, named: str) -> None:
    result = desk("contact", "add", "--name", "Rejected Person", option, value)

    assert result.code == 1
    assert result.out == ""
    assert named in one_sentence(result.err)


# -- organizations -----------------------------------------------------------------------------


def test_org_add_list_show_edit_delete(desk: Desk, org_id: str) -> None:
    office = desk.new_id(
        "org",
        "add",
        "--name",
        "Bundeswehr Liaison Office",
        "--kind",
        "armed service",
        "--country",
        "de",
        "--parent",
        org_id,
        "--notes",
        "Second floor",
    )
    member = add_contact(desk, "Lukas Krüger", "--org", office)

    shown = desk.json("org", "show", office)
    assert shown["name"] == "Bundeswehr Liaison Office"
    assert shown["kind"] == "armed-service"
    assert shown["country"] == "DE"
    assert shown["parent_id"] == org_id
    assert shown["contacts"] == [f"Lukas Krüger ({member})"]
    table = desk.ok("org", "list", "--country", "de").out.splitlines()
    assert table[0].split() == ["ID", "NAME", "KIND", "COUNTRY", "MARKING"]
    assert any(line.startswith(office) and "Bundeswehr Liaison Office" in line for line in table)

    assert desk("org", "edit", office, "--name", "BW Liaison Office", "--notes", "").code == 0
    edited = desk.json("org", "show", office)
    assert edited["name"] == "BW Liaison Office"
    assert edited["notes"] is None
    assert edited["country"] == "DE"

    assert desk("org", "delete", office).code == 0
    assert desk("org", "show", office).code == 1
    assert office not in desk.ids("org", "list", "--limit", "1000")


def test_org_add_refuses_an_unknown_kind(desk: Desk) -> None:
    result = desk("org", "add", "--name", "Mystery", "--kind", "club")

    assert result.code == 1
    assert "ministry" in one_sentence(result.err)


def test_contacts_of_a_deleted_org_can_still_be_edited(desk: Desk) -> None:
    org_id = desk.new_id("org", "add", "--name", "Disbanded Directorate")
    contact_id = add_contact(desk, "Tomasz Nowak", "--org", org_id, "--rank", "Major")
    desk.ok("org", "delete", org_id)

    result = desk("contact", "edit", contact_id, "--rank", "Colonel")

    assert result.code == 0, result
    assert desk.json("contact", "show", contact_id)["rank"] == "Colonel"


# -- meetings and follow-ups -------------------------------------------------------------------


def test_meeting_links_participants_and_contacts(desk: Desk) -> None:
    guest = add_contact(desk, "Camille Roux", "--rank", "Commander")
    meeting_id = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Staff talks",
        "--when",
        "2026-03-14T10:30+01:00",
        "--place",
        "Balard, room 4",
        "--participant",
        guest,
        "--notes",
        "Agreed on the exercise calendar",
    )

    meeting = desk.json("meeting", "show", meeting_id)
    assert meeting["title"] == "Staff talks"
    assert meeting["starts_at"] == "2026-03-14T09:30:00Z"
    assert meeting["place"] == "Balard, room 4"
    assert meeting["notes"] == "Agreed on the exercise calendar"
    assert meeting["participants"] == [f"Camille Roux  [{guest}]"]

    contact = desk.json("contact", "show", guest)
    assert contact["last_contact"] == "2026-03-14T09:30:00Z"
    assert len(contact["meetings"]) == 1
    assert "Staff talks" in contact["meetings"][0]
    assert meeting_id in contact["meetings"][0]
    plain = desk.ok("contact", "show", guest).out
    assert "last contact" in plain
    assert meeting_id in plain

    listed = desk.json("meeting", "list", "--limit", "1000")
    assert meeting_id in [m["id"] for m in listed]
    starts = [m["starts_at"] for m in listed]
    assert starts == sorted(starts, reverse=True)


def test_meeting_edit_and_delete(desk: Desk) -> None:
    first = add_contact(desk, "Ana Luísa Carvalho")
    second = add_contact(desk, "Rafael Pereira")
    meeting_id = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Port visit",
        "--when",
        "2026-04-01T08:00Z",
        "--participant",
        first,
    )

    edited = desk(
        "meeting",
        "edit",
        meeting_id,
        "--title",
        "Port visit, day 1",
        "--add-participant",
        second,
        "--remove-participant",
        first,
    )

    assert edited.code == 0, edited
    meeting = desk.json("meeting", "show", meeting_id)
    assert meeting["title"] == "Port visit, day 1"
    assert meeting["participants"] == [f"Rafael Pereira  [{second}]"]

    assert desk("meeting", "delete", meeting_id).code == 0
    assert desk("meeting", "show", meeting_id).code == 1
    after = desk.json("contact", "show", second)
    assert after["meetings"] == []
    assert after["last_contact"] is None


def test_meeting_time_without_a_zone_is_the_station_zone_the_computers_until_set(
    tmp_path: Path,
) -> None:
    desk = init_vault(tmp_path / "vault")[0]
    tokyo = {"TZ": "Asia/Tokyo"}
    assert desk.json("meeting", "zone", **tokyo) == {"zone": "Asia/Tokyo", "follows_system": True}
    followed = desk.new_id(
        "meeting", "add", "--title", "Reception", "--when", "2026-05-20T18:00", **tokyo
    )
    zoned = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Call to Paris",
        "--when",
        "2026-05-20T18:00",
        "--tz",
        "Europe/Paris",
        **tokyo,
    )

    assert "Africa/Lagos" in desk.ok("meeting", "zone", "Africa/Lagos", **tokyo).out
    assert desk.ok("meeting", "zone", **tokyo).out.strip() == "Africa/Lagos"
    lagos = desk.new_id(
        "meeting", "add", "--title", "Port visit", "--when", "2026-05-20T18:00", **tokyo
    )
    desk.ok("meeting", "edit", followed, "--when", "2026-05-20T19:00", **tokyo)  # its own zone

    shown = {m: desk.json("meeting", "show", m) for m in (followed, zoned, lagos)}
    assert [(s["starts_at"], s["timezone"]) for s in shown.values()] == [
        ("2026-05-20T10:00:00Z", "Asia/Tokyo"),
        ("2026-05-20T16:00:00Z", "Europe/Paris"),
        ("2026-05-20T17:00:00Z", "Africa/Lagos"),
    ]
    refused = desk("meeting", "zone", "Europe/Atlantis")
    assert refused.code == 1
    assert "Europe/Atlantis" in one_sentence(refused.err)
    for machine_dependent in ("localtime", "posix/Europe/Paris"):
        assert desk("meeting", "zone", machine_dependent).code == 1
    assert desk.ok("meeting", "zone", **tokyo).out.strip() == "Africa/Lagos"

    # A new zone without a time keeps the hour, as the editor's time field does.
    desk.ok("meeting", "edit", zoned, "--tz", "Asia/Tokyo", **tokyo)
    moved = desk.json("meeting", "show", zoned)
    assert (moved["starts_at"], moved["timezone"]) == ("2026-05-20T09:00:00Z", "Asia/Tokyo")
    desk.ok("meeting", "edit", zoned, "--tz", "", **tokyo)  # blank: the station's, Lagos
    moved = desk.json("meeting", "show", zoned)
    assert (moved["starts_at"], moved["timezone"]) == ("2026-05-20T17:00:00Z", "Africa/Lagos")
    back = desk.json("meeting", "zone", "--system", **tokyo)
    assert back == {"zone": "Asia/Tokyo", "follows_system": True}


def test_last_contact_is_the_latest_meeting_before_now_not_a_planned_one(desk: Desk) -> None:
    regular = add_contact(desk, "Ines Duarte", "--cadence-days", "30")
    loose = add_contact(desk, "Jan Kowalski")
    for title, when in (("Old talks", "2020-01-10T09:00Z"), ("Planned visit", "2999-01-01T09:00Z")):
        desk.ok(
            "meeting",
            "add",
            "--title",
            title,
            "--when",
            when,
            "--participant",
            regular,
            "--participant",
            loose,
        )

    shown = desk.json("contact", "show", regular)
    assert (shown["last_contact"], shown["overdue"]) == ("2020-01-10T09:00:00Z", True)
    assert len(shown["meetings"]) == 2  # the planned one is listed, but is not contact made
    assert "overdue" in desk.ok("contact", "show", regular).out
    other = desk.json("contact", "show", loose)
    assert (other["last_contact"], other["overdue"]) == ("2020-01-10T09:00:00Z", False)
    assert "overdue" not in desk.ok("contact", "show", loose).out


def test_meeting_add_refuses_a_bad_time_and_an_unknown_participant(desk: Desk) -> None:
    bad_time = desk("meeting", "add", "--title", "Oops", "--when", "next tuesday")
    assert bad_time.code == 1
    assert "next tuesday" in one_sentence(bad_time.err)

    ghost = "00000000-0000-7000-8000-000000000000"
    bad_guest = desk(
        "meeting", "add", "--title", "Ghost", "--when", "2026-01-01T10:00Z", "--participant", ghost
    )
    assert bad_guest.code == 1
    assert ghost in one_sentence(bad_guest.err)


def test_followups_open_and_done(desk: Desk) -> None:
    contact_id = add_contact(desk, "Priya Iyer")
    meeting_id = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Exercise planning",
        "--when",
        "2026-02-02T09:00Z",
        "--participant",
        contact_id,
    )
    followup_id = desk.new_id(
        "followup",
        "add",
        "--action",
        "Send the exercise dates",
        "--due",
        "2026-03-21",
        "--contact",
        contact_id,
        "--meeting",
        meeting_id,
    )

    open_items = desk.json("followup", "list", "--limit", "1000")
    mine = [f for f in open_items if f["id"] == followup_id]
    assert len(mine) == 1
    assert mine[0]["status"] == "open"
    assert mine[0]["due_date"] == "2026-03-21"
    assert any(followup_id in f for f in desk.json("contact", "show", contact_id)["open_followups"])

    assert desk("followup", "done", followup_id).code == 0

    assert followup_id not in desk.ids("followup", "list", "--limit", "1000")
    assert followup_id in desk.ids("followup", "list", "--status", "done", "--limit", "1000")
    assert desk.json("contact", "show", contact_id)["open_followups"] == []


def test_followup_about_a_deleted_contact_can_still_be_done(desk: Desk) -> None:
    contact_id = add_contact(desk, "Otieno Mwangi")
    followup_id = desk.new_id(
        "followup", "add", "--action", "Return the borrowed flag", "--contact", contact_id
    )
    desk.ok("contact", "delete", contact_id)

    result = desk("followup", "done", followup_id)

    assert result.code == 0, result
    assert followup_id in desk.ids("followup", "list", "--status", "done", "--limit", "1000")


def test_followup_add_refuses_a_bad_due_date(desk: Desk) -> None:
    result = desk("followup", "add", "--action", "Call back", "--due", "21/03/2026")

    assert result.code == 1
    assert "21/03/2026" in one_sentence(result.err)


# -- markings ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def marked(desk: Desk) -> dict[str, str]:
    """One contact per marking, all from a country no other test uses."""
    return {
        marking: add_contact(desk, f"Zofia {marking.title()}", "--country", "PL", "--marking", m)
        for marking, m in (
            ("UNCLASSIFIED", "unclassified"),
            ("RESTRICTED", "RESTRICTED"),
            ("SECRET", "Secret"),
        )
    }


def test_max_marking_hides_what_is_above_it(desk: Desk, marked: dict[str, str]) -> None:
    shown = desk.ids("contact", "list", "--country", "PL", "--max-marking", "RESTRICTED")

    assert sorted(shown) == sorted([marked["UNCLASSIFIED"], marked["RESTRICTED"]])


def test_marking_filter_is_exact(desk: Desk, marked: dict[str, str]) -> None:
    exact = desk.ids("contact", "list", "--country", "PL", "--marking", "restricted")

    assert exact == [marked["RESTRICTED"]]


def test_search_respects_max_marking(desk: Desk, marked: dict[str, str]) -> None:
    everything = {h["id"] for h in desk.json("search", "zofia")}
    limited = {h["id"] for h in desk.json("search", "zofia", "--max-marking", "RESTRICTED")}

    assert marked["SECRET"] in everything
    assert marked["SECRET"] not in limited
    assert marked["RESTRICTED"] in limited


@pytest.mark.parametrize(
    "args",
    [
        ("contact", "list", "--max-marking", "TOP-SECRET-ISH"),
        ("contact", "list", "--marking", "TOP-SECRET-ISH"),
        ("contact", "add", "--name", "Nobody", "--marking", "TOP-SECRET-ISH"),
    ],
    ids=["max-marking", "marking", "add"],
)
def test_unknown_marking_is_a_clear_error(desk: Desk, args: tuple[str, ...]) -> None:
    result = desk(*args)

    assert result.code == 1
    sentence = one_sentence(result.err)
    assert "TOP-SECRET-ISH" in sentence
    assert MARKINGS in sentence
    assert result.out == ""


def test_markings_list(desk: Desk) -> None:
    assert desk.ok("markings", "list").out.split() == MARKINGS.split(", ")


# -- attachments -------------------------------------------------------------------------------


def test_attachment_round_trip(desk: Desk, tmp_path: Path) -> None:
    owner = add_contact(desk, "Aoi Takahashi")
    card = tmp_path / "business-card.jpg"
    payload = os.urandom(200_000) + b"\x00\xff\x00" + bytes(range(256))
    card.write_bytes(payload)

    attachment_id = desk.new_id("attachment", "add", owner, card, "--marking", "RESTRICTED")

    listed = desk.json("attachment", "list", owner)
    assert len(listed) == 1
    assert listed[0]["id"] == attachment_id
    assert listed[0]["name"] == "business-card.jpg"
    assert listed[0]["mime"] == "image/jpeg"
    assert listed[0]["size"] == len(payload)
    assert listed[0]["marking"] == "RESTRICTED"
    assert "data" not in listed[0]

    out = tmp_path / "exported" / "card.jpg"
    out.parent.mkdir()
    exported = desk("attachment", "export", attachment_id, "--out", out)
    assert exported.code == 0, exported
    assert out.read_bytes() == payload
    assert "not encrypted" in exported.out


def test_attachment_needs_an_existing_owner(desk: Desk, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("hello", encoding="utf-8")
    ghost = "00000000-0000-7000-8000-000000000000"

    result = desk("attachment", "add", ghost, note)

    assert result.code == 1
    assert ghost in one_sentence(result.err)
    assert desk.json("attachment", "list", ghost) == []


def test_a_followup_names_several_contacts_or_its_meetings_people(desk: Desk) -> None:
    ana = add_contact(desk, "Ana Ferreira")
    bruno = add_contact(desk, "Bruno Keller")
    carla = add_contact(desk, "Carla Rossi")
    meeting_id = desk.new_id(
        "meeting",
        "add",
        "--title",
        "Port visit planning",
        "--when",
        "2026-02-03T09:00Z",
        "--participant",
        ana,
        "--participant",
        bruno,
    )
    both = desk.new_id(
        "followup", "add", "--action", "Send the berth plan", "--contact", ana, "--contact", carla
    )
    everyone = desk.new_id("followup", "add", "--action", "Thank them", "--meeting", meeting_id)

    listed = {f["id"]: f["contact_ids"] for f in desk.json("followup", "list", "--limit", "1000")}
    assert (listed[both], listed[everyone]) == ([ana, carla], [ana, bruno])
    for person, expected in ((ana, {both, everyone}), (bruno, {everyone}), (carla, {both})):
        assert set(desk.ids("followup", "list", "--contact", person)) == expected
        shown = desk.json("contact", "show", person)["open_followups"]
        assert {f.rsplit("(", 1)[1].rstrip(")") for f in shown} == expected
