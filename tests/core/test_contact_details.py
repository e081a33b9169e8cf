"""A contact's phones, emails, addresses, postings and relations: checked, saved, found, undone."""

from __future__ import annotations

import dataclasses
import json

import pytest

from liaison_desk.core.contact_details import (
    ContactDetails,
    add_contact,
    details_for,
    details_of,
    save_details,
)
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT, CONTACT_POINT, ORGANIZATION
from liaison_desk.core.record_links import record_links
from liaison_desk.core.records import (
    Contact,
    ContactPoint,
    ContactRelation,
    Organization,
    Posting,
)
from liaison_desk.core.search import search
from liaison_desk.core.trash import restore_from_trash, trash
from liaison_desk.core.undo_history import UndoHistory, with_children
from liaison_desk.core.vault import Vault


def point(channel: str, value: str | None = None, **fields: object) -> ContactPoint:
    return ContactPoint(contact_id="", channel=channel, value=value, **fields)  # type: ignore[arg-type]


def rich(vault: Vault) -> tuple[Contact, Organization]:
    """Hélène Girard with three phones, two emails, two addresses, two postings and a spouse."""
    store = vault.store
    ministry = store.add(Organization(name="Ministère des Armées", country="FR"))
    contact = add_contact(
        store,
        Contact(
            full_name="Col. Hélène Girard",
            name_prefix="Col.",
            given_name="Hélène",
            family_name="Girard",
            nicknames=("Léna",),
            aliases=("Hélène Dubois", "エレーヌ・ジラール"),
            country="FR",
            languages=("fr:native", "en:C1", "Japanese"),
            birthday="--03-14",
            anniversary="2001-06-30",
            uid="urn:uuid:0f7e6a1c-0000-4000-8000-000000000001",
        ),
        ContactDetails(
            points=(
                point("phone", "01 44 42 30 11", label="Work"),
                point("phone", "+33 6 12 34 56 78 x12", label="mobile", pref=1),
                point("phone", "+1-800-MYFAX", label="fax"),
                point("email", "helene.girard@defense.gouv.example", label="work"),
                point("email", "h.girard@example.fr", label="home"),
                point("address", street="60 boulevard du Général Martial Valin",
                      locality="Paris", postcode="75015", country="France", label="work"),
                point("address", "12 rue des Écoles\n75005 Paris", label="home"),
                point("im", "@helene:matrix.example", label="matrix"),
            ),
            postings=(
                Posting(contact_id="", title="Defence attaché", organization="Embassy in Tokyo",
                        starts_on="2019-09", ends_on="2022-07"),
                Posting(contact_id="", title="Head of cooperation", org_id=ministry.id,
                        starts_on="2022-09"),
            ),
            relations=(ContactRelation(contact_id="", relation="Spouse", name="Marc Girard"),),
        ),
    )  # fmt: skip
    return contact, ministry


def test_every_detail_is_stored_ordered_and_checked(vault: Vault) -> None:
    contact, ministry = rich(vault)
    held = details_of(vault.store, contact.id)

    phones = [p for p in held.points if p.channel == "phone"]
    assert [(p.label, p.value, p.extension, p.e164) for p in phones] == [
        ("mobile", "+33 6 12 34 56 78", "12", "+33612345678"),  # preferred first
        ("work", "01 44 42 30 11", None, "+33144423011"),  # read in the contact's country
        ("fax", "+1-800-MYFAX", None, None),  # kept as typed: no valid number to read
    ]
    assert [p.channel for p in held.points] == [
        *("phone",) * 3,
        *("email",) * 2,
        *("address",) * 2,
        "im",
    ]
    assert {p.marking for p in held.points} == {contact.marking}
    assert [(p.title, p.org_id) for p in held.postings] == [
        ("Defence attaché", None),
        ("Head of cooperation", ministry.id),
    ]
    assert [(r.relation, r.name) for r in held.relations] == [("spouse", "Marc Girard")]
    assert vault.store.get(Contact, contact.id).languages == ("fr:native", "en:C1", "Japanese")
    assert details_for(vault.store, [contact.id, "nobody"]) == {contact.id: held}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (point("phone", "call me"), "not a phone number"),
        (point("phone", "+33 1 23 45 67 89", extension="x"), "extension"),
        (point("email", "helene at example.fr"), "not an email address"),
        (point("address"), "at least one part"),
        (point("pager", "1234"), "channel must be one of"),
        (point("phone", "+33 1 23 45 67 89", pref=0), "preference"),
        (point("phone", "+33 1 23 45 67 89", pref=True), "preference"),
        (point("web"), "web address is required"),
        (Posting(contact_id="", title="Attaché", starts_on="Sept 2019"), "not a year"),
        (Posting(contact_id="", title="Attaché", starts_on="2020", ends_on="2019-05"), "ends"),
        (Posting(contact_id="", title="Attaché", org_id="nowhere"), "organization"),
        (ContactRelation(contact_id="", relation="spouse"), "a contact or a name"),
        (ContactRelation(contact_id="", relation="deputy-of", other_id="nobody"), "contact"),
    ],
)
def test_a_bad_detail_is_refused_with_a_sentence_and_nothing_saved(
    vault: Vault, item: object, message: str
) -> None:
    contact = vault.store.add(Contact(full_name="Jonas Berg"))
    kind = {ContactPoint: "points", Posting: "postings", ContactRelation: "relations"}
    details = ContactDetails(**{kind[type(item)]: (item,)})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=message):
        save_details(vault.store, contact.id, details)
    assert details_of(vault.store, contact.id) == ContactDetails()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"birthday": "1970-02-30"}, "not a date"),
        ({"anniversary": "--13-01"}, "not a date"),
        ({"languages": ("fr:Z9",)}, "code with a level"),
    ],
)
def test_bad_contact_fields_are_refused(
    vault: Vault, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        vault.store.add(Contact(full_name="X", **fields))  # type: ignore[arg-type]


def test_a_relation_names_another_contact(vault: Vault) -> None:
    a, b = vault.store.add_many([Contact(full_name="Ana"), Contact(full_name="Bruno")])
    save_details(
        vault.store,
        a.id,
        ContactDetails(
            relations=(ContactRelation(contact_id="", relation="reports-to", other_id=b.id),)
        ),
    )
    links = record_links(vault.store, CONTACT, b.id)
    assert [(g.label, g.titles) for g in links.groups] == [("related contacts", ("Ana",))]
    with pytest.raises(ValidationError, match="themselves"):
        save_details(
            vault.store,
            a.id,
            ContactDetails(
                relations=(ContactRelation(contact_id="", relation="partner", other_id=a.id),)
            ),
        )


def _ops_since(vault: Vault, n: int) -> list[tuple[str, dict[str, object]]]:
    rows = vault.conn.execute(
        "SELECT entity, fields FROM oplog WHERE n > ? ORDER BY n", (n,)
    ).fetchall()
    return [(entity, json.loads(fields)) for entity, fields in rows]


def test_a_save_writes_only_what_changed_adds_the_new_and_deletes_the_missing(
    vault: Vault,
) -> None:
    contact, _ = rich(vault)
    held = details_of(vault.store, contact.id)
    (last,) = vault.conn.execute("SELECT max(n) FROM oplog").fetchone()
    mobile, work = held.points[0], held.points[1]
    changed = dataclasses.replace(work, label="direct", e164=None)  # e164 is never typed
    kept = tuple(p for p in held.points if p.channel != "im" and p.id != work.id)
    save_details(
        vault.store,
        contact.id,
        dataclasses.replace(
            held,
            points=(*kept, changed, point("web", "https://example.org/girard")),
            postings=held.postings[1:],
        ),
    )

    ops = _ops_since(vault, last)
    assert sorted((e, sorted(f)) for e, f in ops) == sorted(
        [
            ("contact_point", ["deleted"]),  # the handle
            ("posting", ["deleted"]),
            ("contact_point", ["label"]),
            ("contact_point", sorted(CONTACT_POINT.fields)),  # the web page
        ]
    )
    now = details_of(vault.store, contact.id)
    assert now.points[0] == mobile
    assert [p.channel for p in now.points][-1] == "web"
    (last,) = vault.conn.execute("SELECT max(n) FROM oplog").fetchone()
    save_details(vault.store, contact.id, now)
    assert _ops_since(vault, last) == []  # saving what is held writes nothing

    with pytest.raises(ValidationError, match="not one of this contact's"):
        stranger = dataclasses.replace(mobile, id="019b7a00-0000-7000-8000-000000000009")
        save_details(vault.store, contact.id, ContactDetails(points=(stranger,)))
    assert details_of(vault.store, contact.id) == now


def test_the_contact_is_found_by_every_detail_and_stays_found_as_they_change(vault: Vault) -> None:
    contact, _ = rich(vault)
    for words in (
        "Léna",
        "Dubois",
        "ジラール",
        "Hélène",
        "33612345678",
        "h.girard@example.fr",
        "Valin",
        "75015",
        "Tokyo",
        "Marc",
    ):
        assert [h.id for h in search(vault.store, words)] == [contact.id], words

    held = details_of(vault.store, contact.id)
    fax = next(p for p in held.points if p.label == "fax")
    renamed = [
        dataclasses.replace(p, value="+44 20 7946 0958") if p is fax else p for p in held.points
    ]
    save_details(vault.store, contact.id, dataclasses.replace(held, points=tuple(renamed)))
    assert [h.id for h in search(vault.store, "442079460958")] == [contact.id]
    assert search(vault.store, "MYFAX") == []

    vault.store.delete(Contact, contact.id)
    assert search(vault.store, "Valin") == []
    restore_from_trash(vault.store, contact.id)
    assert [h.id for h in search(vault.store, "Valin")] == [contact.id]


def test_a_bulk_import_indexes_each_contact_once_with_its_points(vault: Vault) -> None:
    first = vault.store.add(Contact(full_name="Already Here"))
    people = [
        Contact(id=f"019b7a00-0000-7000-8000-00000000010{i}", full_name=f"P{i}") for i in range(3)
    ]
    vault.store.add_many(
        [
            *people,
            *(
                ContactPoint(contact_id=c.id, channel="email", value=f"p{i}@example.org")
                for i, c in enumerate(people)
            ),
            ContactPoint(contact_id=first.id, channel="email", value="here@example.org"),
        ]
    )
    assert [h.id for h in search(vault.store, "p1@example.org")] == [people[1].id]
    assert [h.id for h in search(vault.store, "here@example.org")] == [first.id]
    rows = vault.conn.execute("SELECT count(*) FROM search WHERE kind = 'contact'").fetchone()
    assert rows == (4,)
    assert vault.conn.execute("SELECT count(*) FROM search_stale").fetchone() == (0,)


def test_deleting_a_contact_hides_its_details_and_restoring_brings_them_back(
    vault: Vault,
) -> None:
    contact, _ = rich(vault)
    before = details_of(vault.store, contact.id)
    history = UndoHistory()
    history.delete(vault.store, CONTACT, contact.id)
    assert [t.record_id for t in trash(vault.store)] == [contact.id]  # its points are not listed
    assert details_of(vault.store, contact.id) == before  # in place, with the tombstone
    history.undo(vault.store)
    assert vault.store.get(Contact, contact.id).full_name == "Col. Hélène Girard"
    assert details_of(vault.store, contact.id) == before


def test_an_edit_of_a_point_is_undone_as_a_new_edit(vault: Vault) -> None:
    contact, _ = rich(vault)
    held = details_of(vault.store, contact.id)
    mobile = held.points[0]
    history = UndoHistory()
    edited = (dataclasses.replace(mobile, value="+33 7 00 00 00 01"), *held.points[2:])
    history.run(
        vault.store,
        lambda _: "Edit contact",
        with_children(vault.store, CONTACT, contact.id),
        lambda: save_details(vault.store, contact.id, dataclasses.replace(held, points=edited)),
    )
    assert [p.value for p in details_of(vault.store, contact.id).points][:2] == [
        "+33 7 00 00 00 01",
        "+1-800-MYFAX",
    ]

    history.undo(vault.store)

    again = details_of(vault.store, contact.id)
    assert [(p.id, p.value, p.e164) for p in again.points] == [
        (p.id, p.value, p.e164) for p in held.points
    ]
    assert history.next_label() is None


def test_organizations_know_who_was_posted_there(vault: Vault) -> None:
    contact, ministry = rich(vault)
    links = record_links(vault.store, ORGANIZATION, ministry.id)
    assert [(g.label, g.titles) for g in links.groups] == [
        ("contacts posted there", (contact.full_name,))
    ]


def test_languages_take_a_level_and_free_text_from_before_stays_valid(vault: Vault) -> None:
    contact = vault.store.add(
        Contact(full_name="Ana", languages=("FR:c1", "en: Native", "English: fluent", "Tetum"))
    )
    assert contact.languages == ("fr:C1", "en:native", "English: fluent", "Tetum")
    assert vault.store.update(Contact, contact.id, {"rank": "Major"}).rank == "Major"
