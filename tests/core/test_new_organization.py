"""A contact saved with an organization named in its form: created once, in the same save."""

from __future__ import annotations

import pytest

from liaison_desk.core.edits import Edit, save_edit
from liaison_desk.core.errors import ValidationError
from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.records import Contact, Organization
from liaison_desk.core.vault import Vault


def test_the_organization_is_made_with_the_contacts_country(vault: Vault) -> None:
    edit = Edit(
        CONTACT, None, {"full_name": "Hélène Girard", "country": "FR"}, new_organization="  DGA "
    )
    contact = save_edit(vault, edit)
    orgs = vault.store.list(Organization)
    assert [(o.name, o.country) for o in orgs] == [("DGA", "FR")]
    assert vault.store.get(Contact, contact.id).org_id == orgs[0].id


def test_a_name_already_stored_is_linked(vault: Vault) -> None:
    nato = vault.store.add(Organization(name="NATO"))
    contact = save_edit(
        vault, Edit(CONTACT, None, {"full_name": "Jonas Berg"}, new_organization="NATO")
    )
    assert contact.org_id == nato.id
    assert vault.store.count(Organization) == 1


def test_a_failed_contact_leaves_no_organization_behind(vault: Vault) -> None:
    with pytest.raises(ValidationError):
        save_edit(vault, Edit(CONTACT, None, {"full_name": ""}, new_organization="Orphan Org"))
    assert vault.store.count(Organization) == 0
