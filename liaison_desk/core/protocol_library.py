"""The protocol library as a whole: what it covers, for the GUI's filters."""

from __future__ import annotations

from liaison_desk.core.store import Store


def protocol_countries(store: Store) -> list[str]:
    """The countries the live protocol references cover, sorted ("general" ones have none)."""
    rows = store.conn.execute(
        "SELECT DISTINCT country FROM protocol_refs "
        "WHERE deleted = 0 AND country IS NOT NULL ORDER BY country"
    ).fetchall()
    return [country for (country,) in rows]
