"""Organizations as the chains a vCard's ORG names: the organization, then its units.

An import reuses the vault's organizations by name under their parent and plans
the ones missing (each unit a child of the one before); an export writes each
contact's organization as the chain from the outermost one down.
"""

from __future__ import annotations

from collections.abc import Sequence

from liaison_desk.core.errors import ImportFormatError, ValidationError
from liaison_desk.core.ids import uuid7
from liaison_desk.core.records import Organization
from liaison_desk.core.store import Store


def name_key(text: str) -> str:
    """Names compare without case or repeated spaces."""
    return " ".join(text.casefold().split())


def chain_key(units: Sequence[str]) -> tuple[str, ...]:
    return tuple(name_key(u) for u in units)


class Organizations:
    """The vault's organizations by name under their parent, and the chains new ones need."""

    def __init__(self, store: Store) -> None:
        rows = store.conn.execute(
            "SELECT id, name, parent_id, country FROM organizations WHERE deleted = 0 ORDER BY n"
        ).fetchall()
        self._info = {r[0]: (r[1], r[2], r[3]) for r in rows}
        self._children: dict[tuple[str | None, str], list[str]] = {}
        for org_id, (name, parent, _country) in self._info.items():
            self._children.setdefault((parent, name_key(name)), []).append(org_id)
        self._chains: dict[str, tuple[str, ...]] = {}
        self.created: list[Organization] = []
        self._written = 0

    def write(self, store: Store, source: str) -> None:
        """Store the organizations planned since the last call (parents before children)."""
        planned = self.created[self._written :]
        self._written = len(self.created)
        try:
            store.add_many(planned)
        except ValidationError as exc:
            raise ImportFormatError(
                f"{source}: an organization was refused: {exc.message}"
            ) from None

    def chain(self, org_id: str | None) -> tuple[str, ...]:
        """Names from the outermost organization down to `org_id`."""
        if org_id is None or org_id not in self._info:
            return ()
        if org_id not in self._chains:
            names: list[str] = []
            seen: set[str] = set()
            current: str | None = org_id
            while current is not None and current in self._info and current not in seen:
                seen.add(current)
                name, parent, _ = self._info[current]
                names.append(name)
                current = parent
            self._chains[org_id] = tuple(reversed(names))
        return self._chains[org_id]

    def find(self, units: Sequence[str], country: str | None) -> str | None:
        """The id of an existing (or planned) organization with exactly this chain."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, name_key(unit)))
            if not found:
                return None
            if depth == 0 and country and len(found) > 1:
                same = [o for o in found if self._info[o][2] == country]
                found = same or found
            parent = found[0]
        return parent

    def missing(self, units: Sequence[str]) -> int:
        """How many organizations `units` would add."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, name_key(unit)))
            if not found:
                return len(units) - depth
            parent = found[0]
        return 0

    def ensure(self, units: Sequence[str], country: str | None, now_ms: int) -> str | None:
        """The organization for this chain, planning the ones that do not exist yet."""
        parent: str | None = None
        for depth, unit in enumerate(units):
            found = self._children.get((parent, name_key(unit)))
            if found:
                if depth == 0 and country and len(found) > 1:
                    same = [o for o in found if self._info[o][2] == country]
                    found = same or found
                parent = found[0]
                continue
            org = Organization(id=uuid7(now_ms), name=unit, parent_id=parent)
            self.created.append(org)
            self._info[org.id] = (unit, parent, None)
            self._children[(parent, name_key(unit))] = [org.id]
            parent = org.id
        return parent
