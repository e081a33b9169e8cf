"""The rich parts of a card, read the way each program writes them and written back so
others read them: typed phones with extensions and vanity numbers, labels, handles, dates,
relations and postings, and a structured name that is never made up."""

from __future__ import annotations

from pathlib import Path

import vobject

from liaison_desk.core.contact_details import details_of
from liaison_desk.core.interop.contact_export import vcard_bytes
from liaison_desk.core.interop.contact_import import apply_import
from liaison_desk.core.interop.org_chains import Organizations
from liaison_desk.core.interop.vcard import Card, parse_vcards
from liaison_desk.core.interop.vcard_fields import Point
from liaison_desk.core.interop.vcard_writer import write_card
from liaison_desk.core.records import Contact
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault


def one(*lines: str, version: str = "3.0") -> Card:
    text = "\r\n".join(("BEGIN:VCARD", f"VERSION:{version}", *lines, "END:VCARD")) + "\r\n"
    [card] = parse_vcards(text, "x.vcf").cards
    return card


def points(card: Card, channel: str) -> list[tuple[object, ...]]:
    return [(p.label, p.value, p.extension, p.pref) for p in card.points if p.channel == channel]


def test_phones_keep_their_type_extension_and_vanity_letters() -> None:
    card = one(
        "FN:A",
        "TEL;TYPE=work,voice;PREF=1:+1-800-MYFAX",
        "TEL;WORK;FAX:(111) 555-3333",
        "TEL;TYPE=CELL:+33 6 12 34 56 78 x89",
        "TEL;VALUE=uri;TYPE=home:tel:+1-418-656-9254;ext=102",
        "item1.TEL:905-222-1234",
        "item1.X-ABLabel:_$!<AssistantPhone>!$_",
        "item2.TEL:905-333-1234",
        "item2.X-ABLabel:_$!<WorkFAX>!$_",
        "TEL;TYPE=PAGER:905-111-1234",
    )

    assert points(card, "phone") == [
        ("work", "+1-800-MYFAX", None, 1),
        ("fax", "(111) 555-3333", None, None),
        ("mobile", "+33 6 12 34 56 78", "89", None),
        ("home", "+1-418-656-9254", "102", None),
        ("AssistantPhone", "905-222-1234", None, None),
        ("fax", "905-333-1234", None, None),
        ("pager", "905-111-1234", None, None),
    ]


def test_emails_addresses_web_pages_and_handles_with_their_labels() -> None:
    card = one(
        "FN:A",
        "EMAIL;TYPE=INTERNET;TYPE=HOME:home@example.org",
        "item1.EMAIL;TYPE=INTERNET:custom@example.org",
        "item1.X-ABLabel:CustomEmailCategory",
        "ADR;TYPE=home:;Apt 4;1 Rue;Paris;;75001;France",
        "ADR;TYPE=work:;;2 Street;London;;SW1;UK",
        "URL;TYPE=WORK:http\\://www.example5.com",
        "IMPP;X-SERVICE-TYPE=Skype:skype:jdoe",
        "IMPP:xmpp:alice@example.org",
        "X-SKYPE:IM5",
        "X-MS-IMADDRESS:johny5@aol.com",
    )

    assert points(card, "email") == [
        ("home", "home@example.org", None, None),
        ("CustomEmailCategory", "custom@example.org", None, None),
    ]
    addresses = [(p.label, p.extended, p.street, p.locality) for p in card.points[2:4]]
    assert addresses == [("home", "Apt 4", "1 Rue", "Paris"), ("work", None, "2 Street", "London")]
    assert points(card, "web") == [("work", "http://www.example5.com", None, None)]
    assert points(card, "im") == [
        ("Skype", "jdoe", None, None),
        ("xmpp", "alice@example.org", None, None),
        ("skype", "IM5", None, None),
        (None, "johny5@aol.com", None, None),
    ]


def test_dates_from_every_program_and_without_a_year() -> None:
    assert one("FN:A", "BDAY:19800322").birthday == "1980-03-22"
    assert one("FN:A", "BDAY;value=date:2012-06-06").birthday == "2012-06-06"
    assert one("FN:A", "BDAY:--0203", version="4.0").birthday == "--02-03"
    assert one("FN:A", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-11-05").birthday == "--11-05"
    assert one("FN:A", "BDAY;VALUE=text:circa 1980").birthday is None
    assert one("FN:A", "X-MS-ANNIVERSARY:20110113").anniversary == "2011-01-13"
    assert one("FN:A", "ANNIVERSARY:20090808T1430-0500", version="4.0").anniversary == "2009-08-08"
    apple = one("FN:A", "item9.X-ABDATE:1930-03-20", "item9.X-ABLabel:_$!<Anniversary>!$_")
    assert apple.anniversary == "1930-03-20"


def test_relations_from_related_apple_and_outlook() -> None:
    card = one(
        "FN:A",
        "RELATED;TYPE=spouse;VALUE=text:Maria",
        "RELATED;TYPE=friend:urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6",
        "item1.X-ABRELATEDNAMES:Jenny",
        "item1.X-ABLabel:_$!<Manager>!$_",
        "X-MS-SPOUSE:TheSpouse",
        "X-MS-ASSISTANT:Jenny A.",
    )

    assert [(r.relation, r.name, r.uid) for r in card.relatives] == [
        ("spouse", "Maria", None),
        ("friend", None, "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"),
        ("reports-to", "Jenny", None),
        ("spouse", "TheSpouse", None),
        ("assistant", "Jenny A.", None),
    ]


def test_the_structured_name_is_written_as_stored_never_made_up() -> None:
    angstadt = Card(
        full_name="Mr. Michael Angstadt Jr.",
        name_prefix="Mr.",
        given_name="Michael",
        family_name="Angstadt",
        name_suffix="Jr.",
    )
    plain = Card(full_name="Michael Angstadt Jr.", rank="Colonel")

    assert "N:Angstadt;Michael;;Mr.;Jr.\r\n" in write_card(angstadt, "3.0")
    assert "N:;;;;\r\n" in write_card(plain, "3.0")  # required by 3.0, nothing invented
    assert "\r\nN:" not in write_card(plain, "4.0")  # optional in 4.0: none
    assert "X-LIAISON-RANK:Colonel\r\n" in write_card(plain, "4.0")
    for version in ("3.0", "4.0"):
        [back] = parse_vcards(write_card(plain, version), "x.vcf").cards
        assert (back.family_name, back.given_name, back.rank) == (None, None, "Colonel")


def test_exports_of_every_kind_of_detail_parse_with_vobject() -> None:
    card = Card(
        full_name="Hélène Girard",
        points=(
            Point(channel="phone", label="mobile", value="+33 6 12 34 56 78", pref=1),
            Point(channel="phone", label="AssistantPhone", value="+33 1 44", extension="12"),
            Point(channel="address", label="work", value="14 rue\nParis", street="14 rue"),
            Point(channel="im", label="signal", value="+33612345678"),
        ),
        birthday="--07-14",
        anniversary="1999-05-01",
    )

    for version in ("3.0", "4.0"):
        parsed = vobject.readOne(write_card(card, version))
        assert parsed.fn.value == "Hélène Girard"
        assert len(parsed.contents["tel"]) == 2


def test_relations_between_cards_of_one_file_are_tied_to_the_contacts(vault: Vault) -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:11111111-1111-4111-8111-111111111111\r\n"
        "FN:Anna\r\nRELATED;TYPE=spouse:urn:uuid:22222222-2222-4222-8222-222222222222\r\n"
        "RELATED;TYPE=deputy-of:urn:uuid:33333333-3333-4333-8333-333333333333\r\n"
        "X-LIAISON-POSTING;X-LIAISON-ORG=chain:Attaché;Ministère des Armées,DGRIS;2019;2022\r\n"
        "X-LIAISON-POSTING:Desk officer;NATO;2023;\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:22222222-2222-4222-8222-222222222222\r\n"
        "FN:Boris\r\nEND:VCARD\r\n"
    )

    summary = apply_import(vault, parse_vcards(text, "pair.vcf"))

    people = {c.full_name: c for c in vault.store.list(Contact, ListQuery())}
    anna = details_of(vault.store, people["Anna"].id)
    [spouse] = anna.relations
    assert (spouse.relation, spouse.other_id) == ("spouse", people["Boris"].id)
    [unknown] = summary.dropped  # the deputy's card is nowhere: reported, not invented
    assert "33333333-3333-4333-8333-333333333333" in unknown.reason
    orgs = Organizations(vault.store)
    assert [
        (p.title, orgs.chain(p.org_id), p.organization, p.starts_on, p.ends_on)
        for p in anna.postings
    ] == [
        ("Attaché", ("Ministère des Armées", "DGRIS"), None, "2019", "2022"),
        ("Desk officer", (), "NATO", "2023", None),
    ]
    exported = vcard_bytes(vault.store, ListQuery(), "4.0")[0].decode().replace("\r\n ", "")
    assert "RELATED;TYPE=spouse:urn:uuid:22222222-2222-4222-8222-222222222222" in exported
    chain = "X-LIAISON-POSTING;X-LIAISON-ORG=chain:Attaché;Ministère des Armées,DGRIS;2019;2022"
    assert chain in exported


def test_a_round_trip_through_our_export_merges_into_the_same_contacts(
    vault: Vault, tmp_path: Path
) -> None:
    text = (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:outlook-42\r\nFN:Anna\r\nTEL;TYPE=CELL:+33 6 1\r\n"
        "END:VCARD\r\n"
    )
    apply_import(vault, parse_vcards(text, "outlook.vcf"))
    exported = vcard_bytes(vault.store, ListQuery(), "3.0")[0].decode()

    summary = apply_import(vault, parse_vcards(exported, "back.vcf"), on_duplicate="merge")

    assert "UID:outlook-42\r\n" in exported  # the UID it came with goes back out
    assert (summary.created, summary.merged) == (0, 1)
    assert vault.store.count(Contact) == 1
