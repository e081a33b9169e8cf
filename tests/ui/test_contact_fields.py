"""A contact's details as the form holds them, and back: nothing added, nothing lost."""

from __future__ import annotations

import json

from liaison_desk.core.contact_details import ContactDetails
from liaison_desk.core.records import ContactPoint, ContactRelation, Posting
from liaison_desk.ui.contact_fields import (
    detail_fields,
    details_changed,
    details_from,
    language_rows,
    language_values,
    upgraded_draft,
)

HELD = ContactDetails(
    points=(
        ContactPoint(id="p1", contact_id="c", channel="phone", label="work",
                     value="+33 1 42 19 30 11", extension="12", e164="+33142193011",
                     marking="RESTRICTED", tags=("desk",)),
        ContactPoint(id="a1", contact_id="c", channel="address", label="home",
                     street="3 avenue de Tourville", locality="Paris"),
        ContactPoint(id="i1", contact_id="c", channel="im", label="signal", value="@helene"),
    ),
    postings=(Posting(id="j1", contact_id="c", title="Defence attaché", starts_on="2016"),),
    relations=(ContactRelation(id="r1", contact_id="c", relation="spouse", name="Marc"),),
)  # fmt: skip


def test_details_go_through_the_form_and_a_draft_unchanged() -> None:
    fields = json.loads(json.dumps(detail_fields(HELD)))  # a draft is JSON
    assert [p["id"] for p in fields["phones"]] == ["p1"]
    assert [p["id"] for p in fields["im"]] == ["i1"]
    again = details_from(fields)
    assert again == ContactDetails(
        points=tuple(p.__class__(**{**vars(p), "contact_id": ""}) for p in HELD.points),
        postings=(Posting(id="j1", contact_id="", title="Defence attaché", starts_on="2016"),),
        relations=(ContactRelation(id="r1", contact_id="", relation="spouse", name="Marc"),),
    )
    assert not details_changed(detail_fields(HELD), fields)


def test_a_new_row_is_a_new_detail_of_its_list() -> None:
    fields = detail_fields(HELD)
    fields["phones"].append({"label": "fax", "value": "+33 1 42 19 30 99"})
    assert details_changed(detail_fields(HELD), fields)
    fax = [p for p in details_from(fields).points if p.label == "fax"]
    assert fax == [ContactPoint(contact_id="", channel="phone", label="fax",
                                value="+33 1 42 19 30 99")]  # fmt: skip


def test_languages_with_and_without_a_level() -> None:
    held = ("fr:C1", "en:native", "Wolof")
    rows = language_rows(held)
    assert rows[0] == {"language": "fr", "level": "C1"}
    assert rows[2] == {"language": "Wolof", "level": None}
    assert language_values(rows) == list(held)


def test_a_draft_from_before_typed_details_comes_back_as_rows() -> None:
    """Phones and emails as lists of text, the address one text, languages as text."""
    original = detail_fields(HELD) | {"languages": []}
    old = {
        "full_name": "Hélène Girard",
        "phones": ["+33 1 42 19 30 11", "+33 6 12 34 56 78"],
        "emails": ["h.girard@example.fr"],
        "address": "14 rue Saint-Dominique\n75007 Paris",
        "languages": ["French", "English"],
    }
    draft = upgraded_draft(old, original)
    assert draft["phones"] == [original["phones"][0], {"value": "+33 6 12 34 56 78"}]
    assert draft["emails"] == [{"value": "h.girard@example.fr"}]
    assert draft["addresses"] == [{"value": "14 rue Saint-Dominique\n75007 Paris"}]
    assert "address" not in draft
    assert draft["languages"] == [
        {"language": "French", "level": None},
        {"language": "English", "level": None},
    ]
    assert upgraded_draft(draft, original) == draft  # a draft of today's form is left alone
