"""The gifts register: entries checked against the limits HQ publishes, flagged when over."""

from __future__ import annotations

import pytest

from liaison_desk.core.edits import Edit
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.gifts import add_gift, declarations, gifts_with, update_gift
from liaison_desk.core.kinds import GIFT
from liaison_desk.core.protocol_import import import_directory
from liaison_desk.core.records import Contact, Gift, ProtocolRef
from liaison_desk.core.resources import resource_dir
from liaison_desk.core.search import search
from liaison_desk.core.trash import restore_from_trash, trash
from liaison_desk.core.undo_history import UndoHistory
from liaison_desk.core.vault import Vault


def limits_body(rules: str) -> str:
    return f"Limits for the register.\n\n```rules\n{rules}\n```\n"


GENERAL = limits_body('{"currency": "EUR", "given": 200, "received": 50, "rates": {"USD": 0.9}}')
FRANCE = limits_body('{"currency": "EUR", "given": 300, "received": 150}')


def publish(vault: Vault, body: str, country: str = "general", **extra: str) -> ProtocolRef:
    ref = ProtocolRef(
        title=f"Gifts {country}",
        body=body,
        country=country,
        category="gifts-hospitality",
        **extra,  # type: ignore[arg-type]
    )
    return vault.store.add(ref)


def gift(**fields: object) -> Gift:
    values: dict[str, object] = {
        "direction": "received",
        "description": "Bottle of Cognac",
        "value": "120",
        "currency": "EUR",
        "exchanged_on": "2026-05-04",
    }
    values.update(fields)
    return Gift(**values)  # type: ignore[arg-type]


@pytest.fixture
def library(vault: Vault) -> tuple[ProtocolRef, ProtocolRef]:
    return publish(vault, GENERAL), publish(vault, FRANCE, "FR")


def test_an_entry_over_its_country_limit_is_flagged(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    colonel = vault.store.add(Contact(full_name="Colonel Marc Dubois", country="FR"))
    saved = add_gift(vault.store, gift(value="180", contact_ids=(colonel.id,)))
    assert saved.country == "FR"  # taken from the contact
    assert saved.rules_id == library[1].id
    assert saved.declaration == (
        "180 EUR is over the limit of 150 EUR on hospitality or gifts received in FR."
    )


def test_an_entry_under_the_limit_is_not_flagged(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    saved = add_gift(vault.store, gift(value="150", country="FR"))
    assert saved.declaration is None
    assert saved.rules_id == library[1].id


def test_a_country_without_limits_takes_the_general_default(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    saved = add_gift(vault.store, gift(value="120", country="JP"))
    assert saved.rules_id == library[0].id
    assert saved.declaration is not None
    assert "over the limit of 50 EUR on hospitality or gifts received under the general" in (
        saved.declaration
    )
    given = add_gift(vault.store, gift(direction="given", value="120", country="JP"))
    assert given.declaration is None


def test_other_currencies_convert_with_the_published_rates(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    dollars = add_gift(vault.store, gift(value="60", currency="usd"))
    assert dollars.currency == "USD"
    assert dollars.declaration == (
        "60 USD (about 54.00 EUR) is over the limit of 50 EUR on hospitality or gifts "
        "received under the general limits."
    )
    under = add_gift(vault.store, gift(value="55", currency="USD"))
    assert under.declaration is None  # 49.50 EUR
    yen = add_gift(vault.store, gift(value="1000", currency="JPY"))
    assert yen.declaration is not None and "no rate for JPY, so it is declared" in yen.declaration


def test_always_declared_directions_and_effective_dates(vault: Vault) -> None:
    publish(vault, limits_body('{"currency": "EUR", "received": 50, "always_declare": ["given"]}'))
    later = limits_body('{"currency": "EUR", "received": 500}')
    publish(vault, later, effective_date="2026-06-01")
    small = add_gift(vault.store, gift(direction="given", value="5"))
    assert small.declaration is not None and small.declaration.startswith("Every entry given")
    # The limits in force on the day of the gift: the later reference does not apply yet.
    assert add_gift(vault.store, gift(value="100")).declaration is not None
    assert add_gift(vault.store, gift(value="100", exchanged_on="2026-06-02")).declaration is None


def test_no_published_limits_flag_nothing(vault: Vault) -> None:
    saved = add_gift(vault.store, gift(value="100000"))
    assert saved.declaration is None and saved.rules_id is None


def test_an_edit_works_the_declaration_out_again(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    saved = add_gift(vault.store, gift(value="20"))
    assert saved.declaration is None
    raised = update_gift(vault.store, saved.id, {"value": "75"})
    assert raised.declaration is not None
    assert vault.store.get(Gift, saved.id).declaration == raised.declaration
    lowered = update_gift(vault.store, saved.id, {"value": "10"})
    assert lowered.declaration is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"direction": "lent"}, "direction must be one of: given, received"),
        ({"value": "1,500"}, "not an amount like 150"),
        ({"value": "-3"}, "not an amount"),
        ({"value": "\u0661\u0665\u0660"}, "not an amount"),
        ({"currency": "euro"}, "three-letter code"),
        ({"exchanged_on": "May 4"}, "not a date"),
        ({"description": " "}, "description is required"),
    ],
)
def test_malformed_entries_are_refused(
    vault: Vault, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        add_gift(vault.store, gift(**fields))
    assert vault.store.list(Gift) == []


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ('{"given": 10}', "currency code"),
        ('{"currency": "EUR", "received": "a lot"}', "received must be a number"),
        ('{"currency": "EUR", "always_declare": ["lent"]}', "always_declare"),
        ('{"currency": "EUR", "rates": {"usd": 1}}', "currency code"),
        ('{"currency": "EUR", "limit": 3}', "no key 'limit'"),
    ],
)
def test_malformed_limits_are_refused_when_published(
    vault: Vault, rules: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        publish(vault, limits_body(rules))


def test_gifts_with_a_contact_newest_first(vault: Vault) -> None:
    colonel = vault.store.add(Contact(full_name="Colonel Marc Dubois"))
    other = vault.store.add(Contact(full_name="Cdr Aiko Tanaka"))
    old = add_gift(vault.store, gift(exchanged_on="2025-01-02", contact_ids=(colonel.id,)))
    new = add_gift(vault.store, gift(exchanged_on="2026-01-02", contact_ids=(other.id, colonel.id)))
    add_gift(vault.store, gift(contact_ids=(other.id,)))
    assert [g.id for g in gifts_with(vault.store, colonel.id)] == [new.id, old.id]


def test_declarations_search_and_trash(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    over = add_gift(vault.store, gift(value="900", description="Silver tray"))
    add_gift(vault.store, gift(value="5", description="Regimental coin"))
    listed = declarations(vault.store)
    assert [(d.station, d.station_name, d.gift.id) for d in listed] == [("", "Paris", over.id)]
    assert [(h.kind, h.id) for h in search(vault.store, "silver")] == [("gift", over.id)]
    vault.store.delete(Gift, over.id)
    assert declarations(vault.store) == []
    assert [t.record_id for t in trash(vault.store)] == [over.id]
    restore_from_trash(vault.store, over.id)
    assert len(declarations(vault.store)) == 1


def test_the_sample_library_publishes_limits_per_country_and_a_default(vault: Vault) -> None:
    import_directory(vault.store, resource_dir() / "protocol")
    over = add_gift(vault.store, gift(value="12000", currency="JPY", country="JP"))
    assert over.declaration is not None and "10000 JPY" in over.declaration
    converted = add_gift(vault.store, gift(value="60", currency="EUR", country="JP"))
    assert converted.declaration is None  # 9840 JPY
    given = add_gift(
        vault.store, gift(direction="given", value="1000", currency="JPY", country="JP")
    )
    assert given.declaration is not None and given.declaration.startswith("Every entry given")
    brazil = add_gift(vault.store, gift(value="40", country="BR"))  # the general default
    assert brazil.declaration is None and brazil.rules_id is not None


def test_a_form_save_declares_and_undo_puts_the_declaration_back(
    vault: Vault, library: tuple[ProtocolRef, ProtocolRef]
) -> None:
    history = UndoHistory()
    values = {
        "direction": "received",
        "description": "Bottle of Cognac",
        "value": "20",
        "currency": "EUR",
        "exchanged_on": "2026-05-04",
    }
    saved = history.save(vault, Edit(GIFT, None, values))
    assert saved.declaration is None
    raised = history.save(vault, Edit(GIFT, saved.id, {"value": "75"}))
    assert raised.declaration is not None
    history.undo(vault.store)
    back = vault.store.get(Gift, saved.id)
    assert (back.value, back.declaration) == ("20", None)
