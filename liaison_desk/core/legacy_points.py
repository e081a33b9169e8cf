"""A contact's phones, emails and address as versions before schema 6 held them: fields.

Those versions stored them on the contact (`phones` and `emails` lists, an
`address` text), and their ops, kept in every oplog and still sent by peers
not yet upgraded, set them. Today they are contact points; each of the three
old fields stands for the points of one channel whose ids are derived from the
contact's id, the channel and the value's place in the list. The schema
migration makes those points from the stored columns, and the sync merge from
an old op (`sync.legacy_ops`), at the clock of the field, so every vault holds
the same points however old and new ops reach it (docs/bundle-format.md,
"Child kinds of a contact").
"""

from __future__ import annotations

import uuid
from typing import Any

from liaison_desk.core.phones import e164

# Old field -> the channel of the points it stands for.
LEGACY_CHANNELS = {"phones": "phone", "emails": "email", "address": "address"}
_NAMESPACE = uuid.UUID("5b0d2f9e-5c3a-4f7e-9d1c-7a2e4c8b6f10")


def derived_id(contact_id: str, channel: str, index: int) -> str:
    """The id of the point holding the `index`-th value of an old field of a contact."""
    return str(uuid.uuid5(_NAMESPACE, f"{contact_id}/{channel}/{index}"))


def legacy_values(field: str, value: Any) -> list[str]:
    """An old field's value as the list of point values it stands for."""
    if field == "address":
        return [value] if isinstance(value, str) and value.strip() else []
    return [v for v in value or () if isinstance(v, str)]


def derived_fields(contact_id: str, channel: str, value: str, marking: str) -> dict[str, Any]:
    """Every field of a derived point, as an op carries them.

    Only what the value alone decides, so every vault derives the same point:
    a phone's E.164 form is read without a default region, the address text is
    the point's free-form value, and the point takes its contact's marking.
    """
    return {
        "marking": marking,
        "tags": [],
        "distribution": "hq",
        "contact_id": contact_id,
        "channel": channel,
        "label": None,
        "value": value,
        "extension": None,
        "e164": e164(value, None) if channel == "phone" else None,
        "po_box": None,
        "extended": None,
        "street": None,
        "locality": None,
        "region": None,
        "postcode": None,
        "country": None,
        "pref": None,
    }
