"""Contact ops as versions before schema 6 wrote them, merged into today's records.

Those ops (in every vault's log, and sent by peers not yet upgraded) create a
contact without the fields added since, and set its `phones`, `emails` and
`address`. A creation gets today's defaults for what it lacks. Each old field
is a virtual field of the contact: its clock stays in the contact's clocks,
and an op newer than that clock sets the points it stands for (ids derived
from the contact, the channel and the place in the list, `core.legacy_points`)
as a snapshot at the op's clock would: each point's fields take the value
where the op is newer than the point's own clock, and derived points past the
end of the list are deleted. The schema migration made the same points from
the stored fields at their clocks, so every vault converges. An old field is
merged by clock alone: two old ops crossing each other keep no conflict (the
later list wins), as the points they stand for are merged field by field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from liaison_desk.core.kinds import CONTACT
from liaison_desk.core.legacy_points import (
    LEGACY_CHANNELS,
    derived_fields,
    derived_id,
    legacy_values,
)
from liaison_desk.core.records import Contact
from liaison_desk.sync.ops import Op

LEGACY_FIELDS = frozenset(LEGACY_CHANNELS)
# Today's default of every contact field, for a creation written before it existed.
_DEFAULTS: dict[str, Any] = {
    f.name: [] if f.default == () else f.default
    for f in dataclasses.fields(Contact)
    if f.name in CONTACT.fields and f.default is not dataclasses.MISSING
}

# (point id, its fields as an op carries them, or None for "deleted past the list's end")
DerivedPoint = tuple[str, dict[str, Any] | None]


def with_defaults(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A contact's fields from a creation or a snapshot, today's defaults for those it lacks."""
    return {**_DEFAULTS, **fields}


def old_fields(op: Op) -> dict[str, Any]:
    """The old fields a contact op sets."""
    return {f: v for f, v in op.fields.items() if f in LEGACY_FIELDS}


def derived_points(
    contact_id: str,
    field: str,
    value: Any,
    marking: str,
    held: Callable[[str], int],
) -> list[DerivedPoint]:
    """The points an old field's value stands for, then the derived points past its end.

    `held(channel)`: how many points of that channel the contact has here (tombstones
    included), so every derived point past the end is found.
    """
    channel = LEGACY_CHANNELS[field]
    values = legacy_values(field, value)
    out: list[DerivedPoint] = [
        (derived_id(contact_id, channel, i), derived_fields(contact_id, channel, v, marking))
        for i, v in enumerate(values)
    ]
    out.extend(
        (derived_id(contact_id, channel, i), None) for i in range(len(values), held(channel))
    )
    return out
