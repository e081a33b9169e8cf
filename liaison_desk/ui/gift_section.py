"""What the Gifts section lists: the register, newest first, each flagged entry marked.

The section itself is an ordinary `RecordSection` (list, detail, editor, drafts,
undo, trash); its form is `record_fields.FIELDS["gift"]` and its saves go through
`core.gifts`, which works out each entry's declaration (`core.edits.save_edit`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from liaison_desk.core import relations
from liaison_desk.core.kinds import CONTACT, GIFT
from liaison_desk.core.records import Gift
from liaison_desk.core.store import ListQuery
from liaison_desk.core.vault import Vault
from liaison_desk.ui.record_fields import Extras, pretty
from liaison_desk.ui.record_model import Column, SectionSpec

FLAG = "Declare"  # the cell of an entry to declare to HQ, painted red


def annotate_gifts(vault: Vault, gifts: Sequence[Gift]) -> dict[str, Extras]:
    """Each entry's value with its currency, the people named, and whether it is flagged."""
    people = relations.titles(vault.store, CONTACT, (c for g in gifts for c in g.contact_ids))
    return {
        g.id: {
            "amount": f"{g.value} {g.currency}",
            "with": ", ".join(people[c] for c in g.contact_ids if c in people),
            "flagged": g.declaration is not None,
            "flag": FLAG if g.declaration is not None else "",
        }
        for g in gifts
    }


def _choice(value: Any) -> str:
    return pretty(str(value)) if value else ""


GIFT_SPEC = SectionSpec(
    "Gifts",
    GIFT,
    "gifts",
    (
        Column("exchanged_on", "Date", width_chars=10),
        Column("direction", "Direction", _choice, width_chars=9),
        Column("description", "What", width_chars=28),
        Column("amount", "Value", width_chars=12),
        Column("with", "With", width_chars=20),
        Column("flag", "Flag", sort_field="declaration", alert="flagged", width_chars=8),
        Column("marking", "Marking", width_chars=14),
    ),
    annotate_gifts,
    ("contact",),  # the names in With; a declaration, once made, stays as made
    ListQuery(descending=True),  # a register: the latest first
)
