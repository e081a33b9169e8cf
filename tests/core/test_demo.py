"""The demo vault looks real: distinct people, fitting titles, office hours; it is kept."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import pytest

from liaison_desk.core.contact_details import ContactDetails, details_for
from liaison_desk.core.demo import (
    DEMO_PASSPHRASE,
    OFFICE_CLOSES,
    OFFICE_OPENS,
    create_demo_vault,
    open_demo,
)
from liaison_desk.core.demo_people import STATION_ZONE, ascii_fold, email_local
from liaison_desk.core.demo_protocol import DINNER_HOUR, DINNER_TITLE
from liaison_desk.core.errors import VaultExists
from liaison_desk.core.ranks import nato_code_of, rank_table
from liaison_desk.core.records import (
    Contact,
    FollowUp,
    Gift,
    Meeting,
    Organization,
    Participant,
    ProtocolRef,
)
from liaison_desk.core.seating_plan import chart_of
from liaison_desk.core.station_zone import station_zone_setting
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.conftest import FAST_KDF, PASSPHRASE, StepClock

EVERYTHING = ListQuery(limit=100_000)
CALLING_CODES = {"FR": "33", "DE": "49", "JP": "81", "BR": "55", "KE": "254", "IN": "91"}
CALLING_CODES |= {"PL": "48", "CA": "1"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    vault, _ = create_demo_vault(
        tmp_path_factory.mktemp("demo") / "demo", clock=StepClock(start_ms=1_780_000_000_000)
    )
    yield vault
    vault.lock()


@pytest.fixture(scope="module")
def contacts(demo: Vault) -> list[Contact]:
    return demo.store.list(Contact, EVERYTHING)


@pytest.fixture(scope="module")
def details(demo: Vault, contacts: list[Contact]) -> dict[str, ContactDetails]:
    return details_for(demo.store, [c.id for c in contacts])


def channel(details: ContactDetails, name: str) -> list[str]:
    return [p.value or "" for p in details.points if p.channel == name]


@pytest.fixture(scope="module")
def orgs(demo: Vault) -> dict[str, Organization]:
    return {o.id: o for o in demo.store.list(Organization, EVERYTHING)}


def test_the_demo_is_marked_and_set_at_its_station(demo: Vault) -> None:
    assert demo.info.demo
    assert station_zone_setting(demo.store) == STATION_ZONE


def test_no_name_is_repeated_and_everyone_has_their_own_email(
    contacts: list[Contact], details: dict[str, ContactDetails]
) -> None:
    assert len(contacts) == 300
    by_org = Counter((c.org_id, c.full_name) for c in contacts)
    assert by_org.most_common(1)[0][1] == 1
    assert len({c.full_name for c in contacts}) == len(contacts)
    emails = [e for c in contacts for e in channel(details[c.id], "email")]
    assert len(emails) == len(contacts)
    assert len(set(emails)) == len(emails)


def test_emails_transliterate_accents(
    contacts: list[Contact], details: dict[str, ContactDetails]
) -> None:
    assert email_local("Hélène", "Dubois") == "helene.dubois"
    assert email_local("Ana Luísa", "O'Neill") == "ana-luisa.o-neill"
    assert ascii_fold("Jürgen Weiß, Łukasz Król, Søren Ærø, Đorđe") == (
        "Jurgen Weiss, Lukasz Krol, Soren AEro, Dorde"
    )
    accented = [c for c in contacts if not c.full_name.isascii()]
    assert len(accented) > 30
    for contact in contacts:
        (email,) = channel(details[contact.id], "email")
        local, domain = email.split("@")
        assert re.fullmatch(r"[a-z-]+\.[a-z-]+", local), email
        spelled = " ".join(ascii_fold(contact.full_name).lower().replace("'", " ").split())
        assert local.replace("-", " ").replace(".", " ") == spelled, email
        assert domain.endswith(".example")


def test_phone_numbers_have_real_country_codes(
    contacts: list[Contact], orgs: dict[str, Organization], details: dict[str, ContactDetails]
) -> None:
    for contact in contacts:
        org = orgs[contact.org_id or ""]
        # Embassy staff have numbers where they work (Paris); ministry staff, at home.
        where = "FR" if org.kind == "embassy" else contact.country
        phones = channel(details[contact.id], "phone")
        assert phones
        for phone in phones:
            assert phone.startswith(f"+{CALLING_CODES[where or '']} "), phone
            assert not phone.startswith(("+75", "+99"))
            assert 8 <= len(re.sub(r"\D", "", phone)) <= 15


def test_phone_numbers_are_valid_for_their_country(
    contacts: list[Contact], details: dict[str, ContactDetails]
) -> None:
    for contact in contacts:
        for point in details[contact.id].points:
            if point.channel == "phone":
                assert phonenumbers.is_valid_number(phonenumbers.parse(point.value)), point
                assert point.e164 == phonenumbers.format_number(
                    phonenumbers.parse(point.value), phonenumbers.PhoneNumberFormat.E164
                )


def test_people_have_typed_points_a_career_and_some_a_spouse(
    contacts: list[Contact], details: dict[str, ContactDetails]
) -> None:
    spouses = 0
    for contact in contacts:
        held = details[contact.id]
        assert [p.label for p in held.points if p.channel == "phone"][:2] == ["work", "mobile"]
        earlier, current = held.postings
        assert (current.title, current.org_id, current.ends_on) == (
            contact.position,
            contact.org_id,
            None,
        )
        assert earlier.ends_on is not None and earlier.ends_on < (current.starts_on or "")
        assert (contact.given_name, contact.family_name) != (None, None)
        spouses += len(held.relations)
        assert all(r.relation == "spouse" and r.name for r in held.relations)
    assert 0.25 < spouses / len(contacts) < 0.55


def test_meetings_fall_in_office_hours_at_the_station(demo: Vault) -> None:
    meetings = demo.store.list(Meeting, EVERYTHING)
    assert len(meetings) == 600
    zone = ZoneInfo(STATION_ZONE)
    for meeting in meetings:
        local = datetime.fromisoformat(meeting.starts_at.replace("Z", "+00:00")).astimezone(zone)
        assert meeting.timezone == STATION_ZONE
        assert local.weekday() < 5, meeting.starts_at
        if meeting.kind == "dinner":  # the one dinner, in the evening
            assert local.time() == DINNER_HOUR, meeting.starts_at
        else:
            assert OFFICE_OPENS <= local.time() <= OFFICE_CLOSES, meeting.starts_at


def test_titles_fit_their_kinds_and_participants(
    demo: Vault, contacts: list[Contact], orgs: dict[str, Organization]
) -> None:
    people = {c.id: c for c in contacts}
    taking_part: dict[str, list[Participant]] = {}
    for p in demo.store.list(Participant, EVERYTHING):
        taking_part.setdefault(p.meeting_id, []).append(p)
    kinds = Counter()
    for meeting in demo.store.list(Meeting, EVERYTHING):
        present = taking_part[meeting.id]
        names = {people[p.contact_id].full_name for p in present}
        (host,) = [people[p.contact_id] for p in present if p.role == "host"]
        title = meeting.title
        kinds[meeting.kind] += 1
        named = re.match(r"(Lunch|Call|Meeting) with (.+?)( on .*)?$", title)
        if named:
            assert host.full_name in named.group(2), title
            assert f"{host.rank} {host.full_name}" == named.group(2), title
            expected = {"Lunch": "meeting", "Call": "call", "Meeting": "meeting"}[named.group(1)]
            assert meeting.kind == expected, title
            if named.group(1) in ("Lunch", "Call"):
                assert names == {host.full_name}, title
        elif title.startswith("Visit to the "):
            assert meeting.kind == "visit"
            assert title == f"Visit to the {orgs[host.org_id or ''].name}"
        elif title == DINNER_TITLE:
            assert meeting.kind == "dinner"
            assert orgs[host.org_id or ""].country == "FR"
        elif title.endswith("national day reception"):
            assert meeting.kind == "reception"
            assert orgs[host.org_id or ""].kind == "embassy"
        else:
            assert title.startswith("Exercise ") and meeting.kind == "joint-exercise", title
        others = {c.full_name for c in contacts if c.full_name in title}
        assert others <= names, title
        if meeting.notes:
            speaker = re.search(r"- (.+?) raised", meeting.notes)
            assert speaker is not None
            assert any(speaker.group(1).endswith(name) for name in names), meeting.notes
    assert set(kinds) == {"meeting", "call", "visit", "reception", "joint-exercise", "dinner"}
    assert kinds["dinner"] == 1


def test_ranks_are_in_each_nations_words_and_map_to_nato_codes(contacts: list[Contact]) -> None:
    officers = [c for c in contacts if c.rank not in ("Mr", "Ms")]
    assert len(officers) > 100
    for contact in officers:
        assert contact.rank_code is not None, contact.rank
        assert rank_table().code_of(contact.rank, contact.country) == contact.rank_code
        assert nato_code_of(contact) == contact.rank_code
    words = {c.rank for c in officers}
    assert {"Kapitän zur See", "Capitaine de vaisseau", "Oberst"} & words
    assert any(not (c.rank or "").isascii() for c in officers if c.country == "JP")


def test_embassy_attaches_are_accredited_diplomats(
    contacts: list[Contact], orgs: dict[str, Organization]
) -> None:
    diplomats = [c for c in contacts if c.diplomatic_rank]
    assert len(diplomats) == 14  # each of the seven embassies' attaché and deputy
    for contact in diplomats:
        assert orgs[contact.org_id or ""].kind == "embassy"
        expected = {"Defence attaché": "counsellor", "Deputy defence attaché": "first-secretary"}
        assert contact.diplomatic_rank == expected[contact.position or ""]
        assert (contact.accredited_on or "9") < "2026-05-28"
    assert len({c.accredited_on for c in diplomats}) == len(diplomats)


def test_gifts_over_the_sample_limits_carry_their_declaration(demo: Vault) -> None:
    gifts = {g.description: g for g in demo.store.list(Gift, EVERYTHING)}
    assert len(gifts) == 6
    declared = {d for d, g in gifts.items() if g.declaration}
    assert declared == {
        "Framed woodblock print",
        "Book on the châteaux of the Loire",
        "Pashmina shawl",
        "Working lunch for a visiting delegation",
    }
    refs = {r.id: r for r in demo.store.list(ProtocolRef, EVERYTHING)}
    assert refs[gifts["Framed woodblock print"].rules_id or ""].country == "JP"
    assert "over the limit of 10000 JPY" in (gifts["Framed woodblock print"].declaration or "")
    assert refs[gifts["Pashmina shawl"].rules_id or ""].country is None


def test_the_dinner_is_seated_in_order_of_precedence(demo: Vault) -> None:
    (dinner,) = demo.store.list(Meeting, ListQuery(where={"kind": "dinner"}))
    chart = chart_of(demo.store, dinner.id)
    assert chart is not None
    assert len(chart.seats) == len(chart.party.diners) > 10
    assert chart.broken == ()
    assert chart.party.host is not None and chart.seat_of(chart.party.host) is not None
    assert any("accredited" in reason for reason in chart.reasons.values())


def test_follow_ups_differ_and_name_their_person(demo: Vault, contacts: list[Contact]) -> None:
    people = {c.id: c for c in contacts}
    follow_ups = demo.store.list(FollowUp, EVERYTHING)
    assert follow_ups
    assert Counter(f.action for f in follow_ups).most_common(1)[0][1] <= 3
    for follow_up in follow_ups:
        assert people[follow_up.contact_ids[0]].full_name in follow_up.action
    assert {f.status for f in follow_ups} == {"open", "done"}


def test_the_same_seed_and_clock_invent_the_same_demo(tmp_path: Path) -> None:
    def titles(folder: str) -> list[str]:
        vault, _ = create_demo_vault(
            tmp_path / folder, contacts=30, meetings=30, clock=StepClock(start_ms=1_780_000_000_000)
        )
        with vault:
            return (
                [c.full_name for c in vault.store.list(Contact, EVERYTHING)]
                + [m.title for m in vault.store.list(Meeting, EVERYTHING)]
                + [f"{g.description} {g.declaration}" for g in vault.store.list(Gift, EVERYTHING)]
            )

    assert titles("one") == titles("two")


def test_the_demo_is_kept_until_rebuilt(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    first, built = open_demo(folder, contacts=10, meetings=10)
    assert built
    mine = first.store.add(Contact(full_name="Tried out by a newcomer"))
    first.lock()

    again, built = open_demo(folder, contacts=10, meetings=10)
    with again:
        assert not built
        assert again.store.get(Contact, mine.id).full_name == "Tried out by a newcomer"

    fresh, built = open_demo(folder, rebuild=True, contacts=10, meetings=10)
    with fresh:
        assert built and fresh.info.demo
        assert fresh.store.count(Contact, ListQuery(where={"id": mine.id})) == 0


def test_a_vault_that_is_not_a_demo_is_never_replaced(tmp_path: Path) -> None:
    folder = tmp_path / "real"
    Vault.create(folder, PASSPHRASE, name="Paris", kdf=FAST_KDF)[0].lock()
    keys = (folder / "keys.json").read_bytes()

    for rebuild in (False, True):
        with pytest.raises(VaultExists, match="not a demo; it was left untouched"):
            open_demo(folder, rebuild=rebuild, contacts=5, meetings=5)
    assert (folder / "keys.json").read_bytes() == keys
    Vault.unlock(folder, PASSPHRASE).lock()

    replaced, built = open_demo(folder, replace_other=True, contacts=5, meetings=5)
    with replaced:
        assert built and replaced.info.demo
    Vault.unlock(folder, DEMO_PASSPHRASE).lock()
