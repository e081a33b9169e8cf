"""Sensitivity markings: an ordered list per vault, lowest first."""

from __future__ import annotations

import json
from collections.abc import Sequence

from liaison_desk.core.errors import ValidationError
from liaison_desk.core.sqlite_types import Connection

DEFAULT_MARKINGS = ("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET")
_KEY = "markings"
_MARKED_TABLES = (
    "organizations",
    "contacts",
    "meetings",
    "participants",
    "followups",
    "protocol_refs",
    "attachments",
    "contact_points",
    "postings",
    "contact_relations",
    "gifts",
)


def get_markings(conn: Connection) -> tuple[str, ...]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_KEY,)).fetchone()
    return tuple(json.loads(row[0])) if row else DEFAULT_MARKINGS


def normalize(name: str) -> str:
    return " ".join(name.split()).upper()


def resolve(markings: Sequence[str], name: str) -> str:
    """The stored form of a marking typed by a user; '' means the lowest."""
    if not name.strip():
        return markings[0]
    wanted = normalize(name)
    if wanted not in markings:
        raise ValidationError(f"Unknown marking {wanted}; this vault uses: {', '.join(markings)}.")
    return wanted


def up_to(markings: Sequence[str], highest: str) -> tuple[str, ...]:
    """Every marking at or below `highest`, for filters like "nothing above RESTRICTED"."""
    top = resolve(markings, highest)
    return tuple(markings[: markings.index(top) + 1])


def highest(markings: Sequence[str], names: Sequence[str]) -> str | None:
    ranked = [markings.index(n) for n in names if n in markings]
    return markings[max(ranked)] if ranked else None


def set_markings(conn: Connection, names: Sequence[str]) -> tuple[str, ...]:
    """Replace the ordered list; refuse if records still carry a marking being dropped."""
    new = tuple(normalize(n) for n in names if n.strip())
    if not new:
        raise ValidationError("Give at least one marking.")
    if len(set(new)) != len(new):
        raise ValidationError("Each marking may appear only once.")
    placeholders = ",".join("?" * len(new))
    for table in _MARKED_TABLES:
        row = conn.execute(
            f"SELECT marking FROM {table} WHERE marking NOT IN ({placeholders}) LIMIT 1", new
        ).fetchone()
        if row:
            raise ValidationError(
                f"Records are still marked {row[0]}; re-mark them before removing that marking."
            )
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (_KEY, json.dumps(new)),
    )
    return new
