"""Saving an edit made in a form: the record's changes and the end of its draft, together.

The draft (see drafts) kept the typing safe until now; it goes in the same
transaction as the save, so a crash leaves either the draft or the record,
never both and never neither. A meeting saves through meetings.save_meeting,
as `liaison-desk meeting add/edit` does; a contact's details (phones, postings...)
through contact_details.save_details, in the same transaction. A contact's rank
takes its NATO code from the rank table as `contact add/edit` gives it; a gift goes
through gifts.add_gift/update_gift, which work out its declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from liaison_desk.core.contact_details import ContactDetails, save_details
from liaison_desk.core.drafts import discard_draft
from liaison_desk.core.gifts import add_gift, update_gift
from liaison_desk.core.kinds import CONTACT, FOLLOWUP, GIFT, MEETING, Kind
from liaison_desk.core.meetings import NewFollowUp, add_followup, save_meeting
from liaison_desk.core.new_organization import organization_for
from liaison_desk.core.ranks import rank_changes
from liaison_desk.core.records import Contact, FollowUp, Gift
from liaison_desk.core.vault import Vault


@dataclass(frozen=True)
class Edit:
    """One save: the changed fields (all of them for a new record), and a meeting's people."""

    kind: Kind[Any]
    record_id: str | None  # None: a new record
    values: dict[str, Any]
    add_people: tuple[str, ...] = ()  # contact ids
    remove_people: tuple[str, ...] = ()  # contact ids
    followups: tuple[NewFollowUp, ...] = ()
    roles: Mapping[str, str | None] = field(default_factory=dict)  # contact id -> role
    new_organization: str | None = None  # a contact's organization to create (or find) by name
    details: ContactDetails | None = None  # a contact's points, postings and relations, whole


def save_edit(vault: Vault, edit: Edit) -> Any:
    """Store the edit and drop its draft in one transaction; returns the record as saved."""
    store = vault.store
    kind = edit.kind
    record: Any
    with store.transaction():
        values = edit.values
        if edit.new_organization is not None:
            country = values.get("country")
            values = {**values, "org_id": organization_for(store, edit.new_organization, country)}
        if kind is CONTACT:
            held = store.get(Contact, edit.record_id) if edit.record_id else None
            values = rank_changes(values, held)
        if kind is MEETING:
            record = save_meeting(
                store,
                edit.record_id,
                values,
                add_people=edit.add_people,
                remove_people=edit.remove_people,
                followups=edit.followups,
                roles=edit.roles,
            )
        elif edit.record_id is None and kind is FOLLOWUP:
            record = add_followup(store, FollowUp(**values))
        elif kind is GIFT:  # its declaration is worked out with every save
            gift_id = edit.record_id
            record = (
                add_gift(store, Gift(**values))
                if gift_id is None
                else update_gift(store, gift_id, values)
            )
        elif edit.record_id is None:
            record = store.add(kind.cls(**values))
        elif values:
            record = store.update(kind.cls, edit.record_id, values)
        else:
            record = store.get(kind.cls, edit.record_id)
        if kind is CONTACT and edit.details is not None:
            save_details(store, record.id, edit.details)
        discard_draft(vault, kind.name, edit.record_id)
    return record
