"""A contact's organization typed in the contact form when the vault does not have it yet.

The officer meets someone from an organization nobody has recorded: the
contact and its organization are saved together, in the contact's transaction,
so neither exists without the other. A name that is already in the vault
(typed instead of picked) is linked, not created a second time.
"""

from __future__ import annotations

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.records import Organization
from liaison_desk.core.store import ListQuery, Store


def organization_for(store: Store, name: str, country: str | None) -> str:
    """The id of the organization called `name`: the stored one, else one made now.

    A new one takes the contact's country, the best guess an officer would make.
    Call it inside the transaction that saves the contact.
    """
    name = " ".join(name.split())
    if not name:
        raise ValidationError("The new organization needs a name.")
    same = store.list(Organization, ListQuery(where={"name": name}, limit=1))
    if same:
        return same[0].id
    return store.add(Organization(name=name, country=country)).id
