"""vCards into the vault: one transaction, duplicates found and merged, skipped or created."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from liaison_desk.core import audit
from liaison_desk.core.contact_details import details_of
from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.interop.card_records import merge_values
from liaison_desk.core.interop.contact_import import apply_import, preview
from liaison_desk.core.interop.import_report import Problem
from liaison_desk.core.interop.vcard import CardFile, parse_vcards, read_vcards
from liaison_desk.core.markings import DEFAULT_MARKINGS
from liaison_desk.core.records import Attachment, Contact, Organization
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from tests.core.interop.conftest import FIXTURES
from tests.people import add_person, values

EVERYTHING = ListQuery(limit=10_000)
REAL_WORLD = (
    "apple-contacts-3.0.vcf",
    "google-contacts-3.0.vcf",
    "outlook-2.1.vcf",
    "vcard-4.0.vcf",
)


def load(vault: Vault, name: str, **kw: object) -> tuple[CardFile, str]:
    cards = read_vcards(FIXTURES / name)
    return cards, apply_import(vault, cards, **kw).sentence()  # type: ignore[arg-type]


def contacts(vault: Vault) -> dict[str, Contact]:
    return {c.full_name: c for c in vault.store.list(Contact, EVERYTHING)}


def snapshot(vault: Vault) -> list[tuple[object, ...]]:
    return [
        tuple(row)
        for table in (
            "contacts",
            "contact_points",
            "organizations",
            "attachments",
            "oplog",
            "audit",
        )
        for row in vault.conn.execute(f"SELECT * FROM {table} ORDER BY rowid")
    ]


def test_cards_from_four_programs_become_contacts_organizations_and_photos(vault: Vault) -> None:
    for name in REAL_WORLD:
        load(vault, name)

    people = contacts(vault)
    assert set(people) == {
        "Hélène Girard",
        "Ambassade du Japon",
        "Wanjiru Mwangi",
        "Otieno Odhiambo",
        "Dr. Jürgen Müller",
        "渡辺 結衣",
    }
    helene = people["Hélène Girard"]
    unit = vault.store.get(Organization, str(helene.org_id))
    ministry = vault.store.get(Organization, str(unit.parent_id))
    assert (ministry.name, ministry.parent_id) == ("Ministère des Armées", None)
    assert unit.name == "Direction générale des relations internationales et de la stratégie"
    photo = vault.store.get(Attachment, str(helene.photo_id))
    assert (photo.owner_id, photo.mime, photo.size) == (helene.id, "image/jpeg", 632)
    assert people["Wanjiru Mwangi"].org_id == people["Otieno Odhiambo"].org_id  # one organization
    assert people["渡辺 結衣"].languages == ("ja", "en")
    assert all(c.distribution == "hq" for c in people.values())  # the vault's default
    assert all(c.marking == DEFAULT_MARKINGS[0] for c in people.values())


def test_the_import_is_audited_with_counts_only(vault: Vault) -> None:
    load(vault, "apple-contacts-3.0.vcf")

    [entry] = [e for e in audit.entries(vault.conn) if e.event == "import"]
    assert entry.detail == {
        "kind": "contact",
        "format": "vcard",
        "created": 2,
        "merged": 0,
        "skipped": 0,
        "left_out": 0,
        "organizations": 4,
        "photos": 1,
    }


def test_preview_finds_duplicates_by_email_by_name_and_organization_and_in_the_file(
    vault: Vault,
) -> None:
    load(vault, "apple-contacts-3.0.vcf")
    text = (FIXTURES / "apple-contacts-3.0.vcf").read_text(encoding="utf-8") + (
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Camille Roux\r\nEMAIL:c.roux@example.fr\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Camille  ROUX\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:C. Roux\r\nEMAIL:C.Roux@Example.fr\r\nEND:VCARD\r\n"
    )
    cards = parse_vcards(text, "again.vcf")

    found = preview(vault.store, cards)

    reasons = [(r.card.full_name, r.duplicate and r.duplicate.reason) for r in found.rows]
    assert reasons == [
        ("Hélène Girard", "same email"),
        ("Ambassade du Japon", "same name and organization"),
        ("Camille Roux", None),
        ("Camille  ROUX", "same name and organization"),  # no organization on either side
        ("C. Roux", "same email"),
    ]
    assert found.rows[3].duplicate is not None and found.rows[3].duplicate.card == 2
    assert found.duplicates == 4 and found.new_organizations == 0
    assert vault.store.count(Contact) == 2  # a preview writes nothing


def test_the_uid_is_looked_at_first_in_the_vault_and_in_the_file(vault: Vault) -> None:
    kept = add_person(vault.store, "Hélène Girard", emails=("old@example.fr",))
    text = (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:urn:uuid:{kept.id}\r\nFN:H. Girard (Paris)\r\n"
        "EMAIL:new@example.fr\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-7\r\nFN:Camille Roux\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:phone-7\r\nFN:Camille R.\r\nEND:VCARD\r\n"
    )

    found = preview(vault.store, parse_vcards(text, "uids.vcf"))

    reasons = [(r.card.full_name, r.duplicate and r.duplicate.reason) for r in found.rows]
    assert reasons == [
        ("H. Girard (Paris)", "same UID"),
        ("Camille Roux", None),
        ("Camille R.", "same UID"),
    ]
    assert found.rows[0].duplicate is not None and found.rows[0].duplicate.contact_id == kept.id


def test_skip_leaves_the_vault_as_it_was(vault: Vault) -> None:
    load(vault, "apple-contacts-3.0.vcf")
    before = contacts(vault)

    _, sentence = load(vault, "apple-contacts-3.0.vcf", on_duplicate="skip")

    assert sentence == "0 contacts added, 0 merged, 2 skipped."
    assert contacts(vault) == before


def test_merge_fills_empty_fields_and_adds_phones_without_overwriting(vault: Vault) -> None:
    kept = add_person(
        vault.store,
        "Hélène Girard",
        rank="Général",
        emails=("helene.girard@defense.gouv.example",),
        notes="Met in Dakar.",
    )

    load(vault, "apple-contacts-3.0.vcf", on_duplicate="merge")
    merged = contacts(vault)["Hélène Girard"]
    details = details_of(vault.store, kept.id)
    load(vault, "apple-contacts-3.0.vcf", on_duplicate="merge")

    assert merged.rank == "Général"  # kept, not overwritten by the card's Colonel
    assert (merged.name_prefix, merged.given_name, merged.family_name) == (
        "Colonel",
        "Hélène",
        "Girard",
    )
    assert values(vault.store, kept.id, "email") == (
        "helene.girard@defense.gouv.example",
        "h.girard@example.fr",
    )
    assert values(vault.store, kept.id, "phone") == ("+33 6 12 34 56 78", "+33 1 44 42 30 11")
    assert [p.label for p in details.points if p.channel == "phone"] == ["mobile", "work"]
    assert merged.notes is not None and merged.notes.startswith("Met in Dakar.\n\nRencontrée")
    assert merged.org_id is not None and merged.photo_id is not None
    assert contacts(vault)["Hélène Girard"] == merged  # merging again changes nothing
    assert details_of(vault.store, kept.id) == details
    assert vault.store.count(Contact) == 2


def test_create_adds_duplicates_anyway_and_choices_override_per_card(vault: Vault) -> None:
    cards, _ = load(vault, "apple-contacts-3.0.vcf")

    summary = apply_import(vault, cards, on_duplicate="skip", choices={1: "create"})

    assert (summary.created, summary.skipped) == (1, 1)
    assert [c.full_name for c in vault.store.list(Contact, EVERYTHING)].count(
        "Ambassade du Japon"
    ) == 2


def test_a_phone_the_vault_refuses_is_left_out_of_its_card_which_comes_in(
    vault: Vault,
) -> None:
    cards = read_vcards(FIXTURES / "bad-phone.vcf")
    refused = Problem(9, "'call the switchboard' is not a phone number.", "Sabine Krüger")

    found = preview(vault.store, cards)
    summary = apply_import(vault, cards)

    assert [row.card.full_name for row in found.rows] == ["Lukas Vogel", "Sabine Krüger"]
    assert (found.skipped, found.dropped) == ((), (refused,))
    assert summary.dropped == (refused,)
    assert summary.sentence() == "2 contacts added, 0 merged, 0 skipped; left out: 1 value."
    sabine = contacts(vault)["Sabine Krüger"]
    assert values(vault.store, sabine.id, "phone") == ()
    assert values(vault.store, sabine.id, "email") == ("sabine@example.de",)


def test_a_card_the_vault_refuses_is_left_out_with_its_line_and_the_rest_comes_in(
    vault: Vault,
) -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:B\nLANG;X-LIAISON-LEVEL=Z9:fr\nEND:VCARD\n"
    )
    cards = parse_vcards(text, "l.vcf")

    summary = apply_import(vault, cards)

    [problem] = summary.left_out
    assert (problem.line, problem.name) == (8, "B")
    assert problem.reason.startswith("The language 'fr:Z9' is not a code with a level")
    assert summary.sentence() == "1 contact added, 0 merged, 0 skipped; left out: 1 card."
    assert set(contacts(vault)) == {"A"}


def test_strict_refuses_the_whole_file_for_one_refused_card_and_changes_nothing(
    vault: Vault,
) -> None:
    load(vault, "google-contacts-3.0.vcf")
    before = snapshot(vault)
    cards = read_vcards(FIXTURES / "bad-phone.vcf")

    with pytest.raises(ImportFormatError, match=r"bad-phone\.vcf, line 9: 'call the switchboard'"):
        preview(vault.store, cards, strict=True)
    with pytest.raises(ImportFormatError, match=r"bad-phone\.vcf, line 9: 'call the switchboard'"):
        apply_import(vault, cards, strict=True)

    assert snapshot(vault) == before


def test_a_photo_over_the_attachment_limit_is_refused_at_its_line(vault: Vault) -> None:
    [card, _] = read_vcards(FIXTURES / "apple-contacts-3.0.vcf").cards
    assert card.photo is not None
    big = dataclasses.replace(card.photo, data=card.photo.data + bytes(64 * 1024 * 1024))
    cards = CardFile("x.vcf", (dataclasses.replace(card, photo=big),))

    with pytest.raises(ImportFormatError, match=r"x\.vcf, line 18: The photo is larger than 64"):
        preview(vault.store, cards, strict=True)
    assert preview(vault.store, cards).skipped[0].line == 18


def test_a_failure_after_the_first_writes_rolls_everything_back(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_person(vault.store, "Wanjiru Mwangi", emails=("wanjiru.mwangi@mod.example.ke",))
    before = snapshot(vault)
    cards = read_vcards(FIXTURES / "google-contacts-3.0.vcf")  # Otieno is new, Wanjiru merges

    def refuse(*args: object, **kwargs: object) -> None:
        raise ValidationError("The disk said no.")

    monkeypatch.setattr(vault.store, "update", refuse)
    with pytest.raises(ImportFormatError, match=r"google-contacts-3\.0\.vcf, line 1: The disk"):
        apply_import(vault, cards, on_duplicate="merge")

    assert snapshot(vault) == before  # Otieno, his organization and the oplog rows are gone


def test_markings_cards_carry_and_a_default_for_the_others(vault: Vault) -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:A\nX-LIAISON-MARKING:CONFIDENTIAL\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:B\nEND:VCARD\n"
    )
    cards = parse_vcards(text, "m.vcf")

    apply_import(vault, cards, marking="restricted")

    people = contacts(vault)
    assert (people["A"].marking, people["B"].marking) == ("CONFIDENTIAL", "RESTRICTED")
    with pytest.raises(ValidationError, match="Unknown marking"):
        preview(vault.store, cards, marking="TOP SECRET")
    bad = parse_vcards(
        "BEGIN:VCARD\nVERSION:3.0\nFN:C\nX-LIAISON-MARKING:COSMIC\nEND:VCARD\n", "c.vcf"
    )
    with pytest.raises(ImportFormatError, match=r"c\.vcf, line 4: Unknown marking COSMIC"):
        preview(vault.store, bad, strict=True)
    assert [p.line for p in preview(vault.store, bad).skipped] == [4]


def test_progress_is_reported_while_writing(vault: Vault) -> None:
    text = "".join(f"BEGIN:VCARD\nVERSION:3.0\nFN:Person {i}\nEND:VCARD\n" for i in range(600))
    seen: list[tuple[int, int]] = []

    apply_import(vault, parse_vcards(text, "p.vcf"), progress=lambda d, t: seen.append((d, t)))

    assert seen[-1] == (600, 600) and len(seen) >= 3
    assert vault.store.count(Contact) == 600


def test_merge_values_unites_lists_and_keeps_the_higher_marking() -> None:
    base = {"nicknames": ("Léo",), "marking": "RESTRICTED", "notes": "a", "rank": None}
    incoming = {
        "nicknames": ("léo", "Leo"),
        "marking": "UNCLASSIFIED",
        "notes": "b",
        "rank": "Col",
    }

    merged = merge_values(base, incoming, DEFAULT_MARKINGS)

    assert merged == {
        "nicknames": ("Léo", "Leo"),
        "marking": "RESTRICTED",
        "notes": "a\n\nb",
        "rank": "Col",
    }


def test_unknown_policy_is_refused(vault: Vault, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="merge, skip, create"):
        apply_import(vault, CardFile("x.vcf", ()), on_duplicate="replace")
